"""Agents by name in ``evaluate`` (Python, both clients) and ``gradient-evals evaluate --agent NAME``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer
from gradient_evals.workflows.agents import AgentNameError

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=4, run_duration=0.2) as srv:
        srv.add_agent(uuid=AGENT_A, name="support-bot")
        srv.add_agent(uuid=AGENT_B, name="billing-bot")
        yield srv


def _writes(server: FakeGradientServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in server.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]


@pytest.mark.anyio
async def test_a_name_and_a_uuid_each_make_one_run_shown_by_name(server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=5)
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        report = await client.evaluate(
            dataset=dataset, test_case="t", metrics=["correctness"], agents=["support-bot", AGENT_B], **FAST
        )
    assert {a.agent_uuid for a in report.agents} == {AGENT_A, AGENT_B}
    assert {a.label for a in report.agents} == {"support-bot", "billing-bot"}


def test_an_unknown_or_ambiguous_name_creates_nothing_on_the_blocking_client(server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=5)
    server.add_agent(name="billing-bot")  # a second agent of that name
    with GradientEvals(server.token, base_url=server.base_url) as client:
        with pytest.raises(AgentNameError, match="nobody") as unknown:
            client.evaluate(dataset=dataset, test_case="t", metrics=["correctness"], agents=["nobody"], **FAST)
        assert unknown.value.name == "nobody"
        with pytest.raises(AgentNameError) as ambiguous:
            client.evaluate(dataset=dataset, test_case="t", metrics=["correctness"], agents=["billing-bot"], **FAST)
        assert AGENT_B in str(ambiguous.value)
        assert len(ambiguous.value.candidates) == 2
    assert _writes(server) == []


def test_the_command_line_takes_agents_by_name(server: FakeGradientServer, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = server.add_dataset(rows=5)
    auth = ["--token", server.token, "--base-url", server.base_url]
    argv = ["evaluate", "--dataset", dataset, "--test-case", "t", "--metric", "correctness", "--poll-interval", "0.05"]
    assert main([*auth, *argv, "--agent", "support-bot"]) == 0
    assert "support-bot" in capsys.readouterr().out
    before = _writes(server)
    assert main([*auth, *argv, "--agent", "no-such-bot"]) == 2
    assert "no-such-bot" in capsys.readouterr().err
    assert _writes(server) == before


@pytest.mark.parametrize(
    ("agent_uuids", "agents"),
    [([AGENT_A, AGENT_A.upper()], None), ([AGENT_A.upper()], ["support-bot"]), (["{" + AGENT_A + "}"], [AGENT_A])],
)
def test_one_agent_in_two_spellings_is_refused_and_creates_nothing(
    server: FakeGradientServer, agent_uuids: list[str], agents: list[str] | None
) -> None:
    dataset = server.add_dataset(rows=5)
    with (
        GradientEvals(server.token, base_url=server.base_url) as client,
        pytest.raises(ValueError, match="each agent may be given once"),
    ):
        client.evaluate(
            dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=agent_uuids, agents=agents, **FAST
        )
    assert _writes(server) == []
