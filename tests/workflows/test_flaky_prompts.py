"""Flaky prompts, measured on the emulator: prompts scripted to always pass, always fail or alternate; K = 5 finds
exactly the alternating ones, pass@5 and pass^5 come out exact, and the gates' n is the number of prompts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gradient_evals import AsyncGradientEvals
from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.reports.terminal import render_terminal
from gradient_evals.results import EvaluationReport, GateKind
from gradient_evals.testing import FakeGradientServer

pytestmark = pytest.mark.anyio

AGENT = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
STEADY = [f"always passes {i}" for i in range(6)]
BROKEN = [f"always fails {i}" for i in range(3)]
FLAKY = [f"alternates {i} <b>&</b>" for i in range(3)]
ROWS = [{"query": q, "expected_response": "yes"} for q in STEADY + BROKEN + FLAKY]


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=3, run_duration=0.1) as srv:
        srv.script_prompt_scores(
            AGENT, {**dict.fromkeys(STEADY, (100,)), **dict.fromkeys(BROKEN, (0,)), **dict.fromkeys(FLAKY, (100, 0))}
        )
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncGradientEvals:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as c:
        yield c  # type: ignore[misc]


async def _evaluate(client: AsyncGradientEvals, **settings: Any) -> EvaluationReport:
    return await client.evaluate(
        dataset=ROWS,
        test_case="flaky",
        metrics=["correctness"],
        agent_uuids=[AGENT],
        pass_thresholds={"correctness": 50},
        repeats=5,
        poll_interval=0.05,
        max_poll_interval=0.1,
        **settings,
    )


async def test_k5_finds_exactly_the_alternating_prompts_with_exact_pass_rates(client: AsyncGradientEvals) -> None:
    await _evaluate(client)  # the baseline group
    report = await _evaluate(client, max_regression={"correctness": 5})
    (agent,) = report.agents
    assert agent.repeats == 5
    assert sorted(f.input for f in agent.flaky) == sorted(FLAKY)
    for flaky in agent.flaky:  # the script's turns 5-9 (the baseline took 0-4): fail, pass, fail, pass, fail
        assert (flaky.passes, flaky.runs, flaky.flip_rate) == (2, 5, pytest.approx(2 / 5))
        assert sorted(j.value for j in flaky.judgements) == [0, 0, 0, 100, 100]  # type: ignore[type-var]
    prompts = len(ROWS)
    assert agent.pass_at_k == {"correctness": pytest.approx((len(STEADY) + len(FLAKY)) / prompts)}
    assert agent.pass_all_k == {"correctness": pytest.approx(len(STEADY) / prompts)}
    (gate,) = [g for g in agent.gates if g.kind == GateKind.MAX_REGRESSION]
    assert gate.statistics is not None
    assert gate.statistics.n == prompts  # one averaged value per prompt, not 5 x 12
    # each alternating prompt went from 3/5 to 2/5 passes (60 -> 40 points): 3 of 12 prompts, 20 points each
    assert gate.statistics.delta == pytest.approx(-5.0)
    assert agent.repeat_group is not None
    spread = agent.repeat_group.spreads["correctness"]
    # within: only the flaky prompts vary, each with the sample variance of 2 x 100 and 3 x 0
    assert spread.within == pytest.approx((len(FLAKY) / prompts * (0.4 * 0.6 * 100**2 * 5 / 4)) ** 0.5)


async def test_every_report_lists_the_flaky_prompts_worst_first_with_each_repeat(client: AsyncGradientEvals) -> None:
    report = await _evaluate(client)
    markdown = render_markdown(report)
    assert "Flaky prompts" in markdown
    assert "pass\\@5 correctness 75%" in markdown  # escaped: GitHub would make a mention of @5
    assert "pass^5 correctness 50%" in markdown
    assert markdown.count("100: ") >= 3 * 3  # each flaky prompt's three passing repeats, side by side
    html = render_html(report)
    assert "Flaky prompts (3)" in html
    assert "alternates 0 &lt;b&gt;&amp;&lt;/b&gt;" in html  # untrusted text escaped
    assert "<b>&</b>" not in html
    junit = render_junit(report)
    assert junit.count('name="flaky"') == 3
    assert 'name="pass_all_k.correctness" value="0.5"' in junit
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=200, color_system=None))
    assert "flaky prompts (3" in out.getvalue()


async def test_quarantined_prompts_are_shown_but_left_out_of_every_gate(
    client: AsyncGradientEvals, tmp_path: Path
) -> None:
    quarantine = tmp_path / "quarantine.txt"
    quarantine.write_text("\n".join([*FLAKY, "a prompt that is not in the dataset"]) + "\n", encoding="utf-8")
    await _evaluate(client)
    report = await _evaluate(client, max_regression={"correctness": 5}, quarantine=quarantine)
    (agent,) = report.agents
    (gate,) = [g for g in agent.gates if g.kind == GateKind.MAX_REGRESSION]
    assert gate.statistics is not None
    assert gate.statistics.n == len(ROWS) - len(FLAKY)
    assert len(agent.prompts) == len(ROWS)  # still shown
    assert agent.repeat_group is not None
    assert agent.repeat_group.quarantined == len(FLAKY)
    assert "3 quarantined prompts evaluated and left out of every gate" in render_markdown(report)
    assert any("1 of its prompts are not in the dataset" in note for note in report.notes)
    assert all(f.quarantined for f in agent.flaky)
    junit = render_junit(report)
    assert junit.count('<skipped message="quarantined') == len(FLAKY)  # shown, never a failing test
    assert '<property name="quarantined_prompts" value="3"' in junit


async def test_quarantine_flaky_adds_the_flaky_prompts_to_the_file(client: AsyncGradientEvals, tmp_path: Path) -> None:
    quarantine = tmp_path / "quarantine.txt"
    quarantine.write_text(f"{STEADY[0]}\n", encoding="utf-8")
    report = await _evaluate(client, quarantine=quarantine, quarantine_flaky=True)
    assert quarantine.read_text(encoding="utf-8").splitlines() == [STEADY[0], *sorted(FLAKY)]
    assert any("3 flaky prompts added" in note for note in report.notes)


async def test_a_pass_fail_metric_is_flaky_where_the_servers_judgements_disagree(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    server.add_metric(name="resolved", value_type="METRIC_VALUE_TYPE_STRING")
    server.set_agent_profile(AGENT, quality=50)  # judged around the pass line: many prompts flip
    rows = [{"query": f"question {i}", "expected_response": "yes"} for i in range(20)]
    report = await client.evaluate(
        dataset=rows, test_case="words", metrics=["resolved"], agent_uuids=[AGENT], repeats=3, poll_interval=0.05
    )
    (agent,) = report.agents
    assert agent.repeat_group is not None
    words: dict[str, list[str]] = {}
    for run_uuid in agent.repeat_group.run_uuids:  # the judgements as the server holds them
        for prompt_id in server.prompt_ids(run_uuid):
            prompt = server.prompt_json(run_uuid, prompt_id)
            (result,) = [r for r in prompt["prompt_level_metric_results"] if r["metric_name"] == "resolved"]
            words.setdefault(prompt["input"], []).append(result["string_value"])
    expected = {text for text, said in words.items() if len(set(said)) > 1}
    assert expected  # the agent's quality makes some prompts flip
    assert {f.input for f in agent.flaky} == expected
    assert agent.pass_at_k == {"resolved": sum("pass" in w for w in words.values()) / len(words)}
    assert agent.pass_all_k == {"resolved": sum(set(w) == {"pass"} for w in words.values()) / len(words)}
    assert agent.summary is not None
    score = agent.summary.metric("resolved")
    assert score is not None
    expected_mean = sum(w.count("pass") / 3 * 100 for w in words.values()) / len(words)
    assert score.score == pytest.approx(expected_mean)  # the share of repeats that passed, averaged
