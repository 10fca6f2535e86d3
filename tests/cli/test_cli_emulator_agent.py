"""Making an agent regress on purpose: ``gradient-evals emulator --agent NAME=QUALITY`` at start, and
``gradient-evals emulator-agent NAME=QUALITY`` on the running emulator (its ``/_emulator`` control route)."""

from __future__ import annotations

import statistics
import threading
from typing import Any

import httpx
import pytest
from cli.cli_support import Cli

from gradient_evals.cli._app import main
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing._cli import serve_emulator


def _mean_correctness(server: FakeGradientServer, run_uuid: str) -> float:
    values = []
    for prompt_id in server.prompt_ids(run_uuid):
        results = server.prompt_json(run_uuid, prompt_id)["prompt_level_metric_results"]
        values.append(next(r["number_value"] for r in results if r["metric_name"] == "correctness"))
    return statistics.mean(values)


def test_emulator_agent_lowers_the_quality_of_the_runs_made_from_then_on(server: FakeGradientServer, cli: Cli) -> None:
    agent = server.add_agent(name="support-agent")
    test_case = server.add_test_case(prompts=300)
    server.set_agent_profile(agent, quality=85)
    before = server.add_run(test_case_uuid=test_case, agent_uuid=agent)
    code, out, err = cli("emulator-agent", "support-agent=45")
    assert code == 0, err
    assert f"support-agent ({agent}): quality 45" in out
    after = server.add_run(test_case_uuid=test_case, agent_uuid=agent)
    assert _mean_correctness(server, after) < _mean_correctness(server, before) - 25
    assert _mean_correctness(server, before) == pytest.approx(_mean_correctness(server, before))  # unchanged
    code, _, _ = cli("emulator-agent", f"{agent.upper()}=85")  # a UUID in any case names the agent too
    assert code == 0


@pytest.mark.parametrize(
    ("argument", "message"),
    [("nobody=40", "No agent has the UUID or name 'nobody'"), ("support-agent=140", "expected NAME=QUALITY")],
)
def test_emulator_agent_refuses_an_unknown_agent_or_a_bad_quality(
    server: FakeGradientServer, cli: Cli, argument: str, message: str
) -> None:
    server.add_agent(name="support-agent")
    code, _, err = cli("emulator-agent", argument)
    assert code == 2
    assert message in err


def test_emulator_agent_needs_an_emulator(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADIENT_BASE_URL", raising=False)
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    assert main(["emulator-agent", "support-agent=40"]) == 2
    assert "no emulator to change: set GRADIENT_BASE_URL" in capsys.readouterr().err


def test_the_control_route_needs_the_token_and_a_quality(server: FakeGradientServer) -> None:
    agent = server.add_agent(name="support-agent")
    url = f"{server.base_url}/_emulator/agents/support-agent/quality"
    assert httpx.put(url, json={"quality": 50}).status_code == 401
    headers = {"Authorization": f"Bearer {server.token}"}
    for bad in ({"quality": "high"}, {"quality": 101}, {"quality": True}, {}):
        assert httpx.put(url, json=bad, headers=headers).status_code == 400
    answer = httpx.put(url, json={"quality": 50}, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"agent_uuid": agent, "quality": 50}


def test_emulator_agent_flag_sets_the_quality_of_the_served_runs() -> None:
    served: list[dict[str, Any]] = []
    ready, stop = threading.Event(), threading.Event()
    qualities: dict[str, float] = {}

    def announce(line: dict[str, Any]) -> None:
        served.append(line)
        ready.set()

    def serve() -> None:
        serve_emulator(
            runs=1, prompts=200, seed=3, stdout=None, stop=stop, announce=announce, agents={"support-agent": 30}
        )  # type: ignore[arg-type]

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        line = served[0]
        with httpx.Client(base_url=line["base_url"], headers={"Authorization": f"Bearer {line['token']}"}) as http:
            (run_uuid,) = line["evaluation_run_uuids"]
            page = http.get(f"/v2/gen-ai/evaluation_runs/{run_uuid}/results", params={"per_page": 200}).json()
            values = [
                r["number_value"]
                for p in page["prompts"]
                for r in p["prompt_level_metric_results"]
                if r["metric_name"] == "correctness"
            ]
            qualities["served"] = statistics.mean(values)
    finally:
        stop.set()
        thread.join(10)
    assert qualities["served"] < 40  # quality 30, not the agent's own 60-90


def test_an_unknown_agent_at_start_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--agent", "nobody=30", "--port", "0"]) == 2
    assert "--agent nobody: the emulator has no agent" in capsys.readouterr().err
