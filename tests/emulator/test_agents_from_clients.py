"""The agents reads against the emulator: over raw HTTP as the specification shapes them, and from both clients.

Agents are seeded with ``FakeGradientServer.add_agent(name=..., uuid=..., deployment_status=...)``, which returns the
agent's UUID.
"""

from __future__ import annotations

import anyio
import httpx
import pytest
from emulator.emulator_checks import assert_common_headers, assert_error

from gradient_evals import AsyncGradientEvals, GradientEvals, NotFoundError
from gradient_evals.testing import FakeGradientServer
from gradient_evals.workflows.agents import AgentNameError

AGENTS = "/v2/gen-ai/agents"
SUPPORT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def seeded(server: FakeGradientServer) -> dict[str, str]:
    """Five agents: one with a given UUID, two sharing a name, one not deployed."""
    return {
        "support-bot": server.add_agent(name="support-bot", uuid=SUPPORT),
        "billing-bot": server.add_agent(name="billing-bot"),
        "billing-bot-2": server.add_agent(name="billing-bot"),
        "triage": server.add_agent(name="triage"),
        "draft": server.add_agent(name="draft", deployment_status="STATUS_WAITING_FOR_DEPLOYMENT"),
    }


def test_the_listing_pages_with_meta_and_links(api: httpx.Client, seeded: dict[str, str]) -> None:
    assert seeded["support-bot"] == SUPPORT  # the given UUID is kept
    seen: list[dict[str, object]] = []
    page = 1
    while True:
        resp = api.get(AGENTS, params={"page": page, "per_page": 2})
        assert resp.status_code == 200
        assert_common_headers(resp)
        body = resp.json()
        assert body["meta"]["total"] == 5
        assert body["meta"]["pages"] == 3
        assert body["meta"]["page"] == page
        seen.extend(body["agents"])
        if page == 3:
            assert "next" not in body["links"].get("pages", {})
            break
        assert body["links"]["pages"]["next"]
        page += 1
    assert sorted(str(a["uuid"]) for a in seen) == sorted(seeded.values())
    assert {a["uuid"]: a["name"] for a in seen}[SUPPORT] == "support-bot"


def test_only_deployed_leaves_out_the_agents_not_deployed(api: httpx.Client, seeded: dict[str, str]) -> None:
    body = api.get(AGENTS, params={"only_deployed": "true"}).json()
    uuids = {a["uuid"] for a in body["agents"]}
    assert seeded["draft"] not in uuids
    assert uuids == set(seeded.values()) - {seeded["draft"]}
    assert all(a["deployment"]["status"] == "STATUS_RUNNING" for a in body["agents"])


def test_retrieve_answers_the_agent_under_its_key_and_404_for_an_unknown_one(
    api: httpx.Client, seeded: dict[str, str]
) -> None:
    resp = api.get(f"{AGENTS}/{SUPPORT}")
    assert resp.status_code == 200
    assert_common_headers(resp)
    agent = resp.json()["agent"]
    assert (agent["uuid"], agent["name"]) == (SUPPORT, "support-bot")
    assert_error(api.get(f"{AGENTS}/{MISSING}"), 404, "not_found")


def test_the_blocking_client_lists_retrieves_and_resolves(server: FakeGradientServer, seeded: dict[str, str]) -> None:
    with GradientEvals(server.token, base_url=server.base_url) as client:
        assert {a.uuid for a in client.agents.iter(per_page=2)} == set(seeded.values())
        assert len(client.agents.list(page=1, per_page=2).agents) == 2
        assert client.agents.retrieve(SUPPORT).name == "support-bot"
        assert client.agents.resolve_all(["triage", SUPPORT]) == [seeded["triage"], SUPPORT]
        with pytest.raises(AgentNameError) as info:
            client.agents.resolve("billing-bot")
        assert {uuid for _, uuid in info.value.candidates} == {seeded["billing-bot"], seeded["billing-bot-2"]}
        with pytest.raises(NotFoundError):
            client.agents.retrieve(MISSING)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_async_client_lists_only_deployed_and_resolves(
    server: FakeGradientServer, seeded: dict[str, str], backend: str
) -> None:
    async def main() -> None:
        async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
            deployed = [a async for a in client.agents.iter(only_deployed=True)]
            assert {a.uuid for a in deployed} == set(seeded.values()) - {seeded["draft"]}
            assert all(a.is_deployed for a in deployed)
            assert await client.agents.resolve("draft") == seeded["draft"]
            with pytest.raises(AgentNameError, match="no agent is called 'nobody'"):
                await client.agents.resolve("nobody")

    anyio.run(main, backend=backend)
