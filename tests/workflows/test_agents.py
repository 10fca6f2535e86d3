"""Agents by name: a UUID is taken as it is, a name must match exactly one agent, or the error lists candidates."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pytest_httpx import HTTPXMock
from workflows.agent_directories import EndlessDirectory

from gradient_evals import AsyncGradientEvals, GradientEvalsError, PaginationError
from gradient_evals.types import Agent
from gradient_evals.workflows.agents import MAX_AGENTS, AgentNameError, resolve_agent, resolve_agents

pytestmark = pytest.mark.anyio

SUPPORT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
BILLING = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
BILLING_TOO = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
SHOUTY = "3c4d5e6f-7081-4293-a4b5-c6d7e8f90a12"


class Directory:
    """``client.agents`` as the resolver sees it: ``iter()``; counts the listings it was asked for."""

    def __init__(self, *agents: Agent) -> None:
        self.agents = agents
        self.listings = 0

    def iter(self) -> AsyncIterator[Agent]:
        self.listings += 1
        return self._each()

    async def _each(self) -> AsyncIterator[Agent]:
        for agent in self.agents:
            yield agent


def directory() -> Directory:
    return Directory(
        Agent(uuid=SUPPORT, name="support-bot"),
        Agent(uuid=BILLING, name="billing-bot"),
        Agent(uuid=BILLING_TOO, name="billing-bot"),
        Agent(uuid=SHOUTY, name="Triage"),
        Agent(uuid=None, name="support-bot-draft"),  # no UUID: nothing a name could resolve to
    )


async def test_a_uuid_is_used_as_is_without_listing() -> None:
    agents = directory()
    assert await resolve_agent(agents, SUPPORT.upper()) == SUPPORT
    assert await resolve_agent(agents, uuid.UUID(BILLING)) == BILLING
    assert await resolve_agents(agents, [SUPPORT, f" {BILLING} "]) == [SUPPORT, BILLING]
    assert agents.listings == 0


async def test_names_resolve_through_one_listing_in_order() -> None:
    agents = directory()
    assert await resolve_agents(agents, ["support-bot", BILLING, "triage"]) == [SUPPORT, BILLING, SHOUTY]
    assert agents.listings == 1


async def test_an_exact_match_wins_over_a_match_ignoring_case() -> None:
    agents = Directory(Agent(uuid=SUPPORT, name="Bot"), Agent(uuid=BILLING, name="bot"))
    assert await resolve_agent(agents, "bot") == BILLING
    with pytest.raises(AgentNameError) as info:
        await resolve_agent(agents, "BOT")
    assert {pair[1] for pair in info.value.candidates} == {SUPPORT, BILLING}


async def test_an_ambiguous_name_lists_every_match_with_its_uuid() -> None:
    with pytest.raises(AgentNameError) as info:
        await resolve_agents(directory(), ["support-bot", "billing-bot"])
    error = info.value
    assert isinstance(error, GradientEvalsError)
    assert isinstance(error, ValueError)  # a usage error: the command line exits 2
    assert error.name == "billing-bot"
    assert error.candidates == (("billing-bot", BILLING), ("billing-bot", BILLING_TOO))
    assert "agents[1]" in str(error)
    assert BILLING in str(error)
    assert BILLING_TOO in str(error)


async def test_an_unknown_name_lists_the_close_names() -> None:
    with pytest.raises(AgentNameError) as info:
        await resolve_agent(directory(), "suport-bot")
    assert info.value.candidates == (("support-bot", SUPPORT),)
    assert f"'support-bot' ({SUPPORT})" in str(info.value)
    assert str(info.value).startswith("agent: no agent is called 'suport-bot'")


async def test_an_unknown_name_without_close_names_lists_the_agents_up_to_ten() -> None:
    many = Directory(*(Agent(uuid=str(uuid.UUID(int=i + 1)), name=f"agent-{i:02d}") for i in range(25)))
    with pytest.raises(AgentNameError) as info:
        await resolve_agent(many, "zzz")
    message = str(info.value)
    assert "'agent-09'" in message
    assert "'agent-10'" not in message
    assert "and 15 more" in message
    empty = Directory()
    with pytest.raises(AgentNameError, match="the account has no agents"):
        await resolve_agent(empty, "support-bot")


async def test_a_name_is_shown_escaped_in_the_message() -> None:
    with pytest.raises(AgentNameError) as info:
        await resolve_agent(Directory(Agent(uuid=SUPPORT, name="evil\x1b[2J")), "evil\x1b[2")
    assert "\x1b" not in str(info.value)


@pytest.mark.parametrize(
    ("refs", "error"),
    [("support-bot", TypeError), ([""], ValueError), ([3], TypeError), (["'" + SUPPORT + "'"], ValueError)],
)
async def test_malformed_refs_are_refused_before_listing(refs: Any, error: type[Exception]) -> None:
    agents = directory()
    with pytest.raises(error):
        await resolve_agents(agents, refs)
    assert agents.listings == 0


async def test_through_the_client_agents_resource(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        json={"agents": [{"uuid": SUPPORT, "name": "support-bot"}], "meta": {"page": 1, "pages": 1, "total": 1}}
    )
    assert await resolve_agent(client.agents, "support-bot") == SUPPORT
    (request,) = httpx_mock.get_requests()
    assert request.url.path == "/v2/gen-ai/agents"


async def test_an_endless_agents_listing_stops_with_a_typed_error() -> None:
    endless = EndlessDirectory()
    with pytest.raises(PaginationError, match=r"went on past 10,000 agents"):
        await resolve_agents(endless, ["support-bot"])
    assert endless.listed == MAX_AGENTS + 1
    with pytest.raises(PaginationError):
        await resolve_agent(EndlessDirectory(), "support-bot")
