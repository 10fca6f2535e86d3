"""A repeat group's answers, against the emulator: the checks judge every repeat's answer (a check that fails on
one repeat fails the group, names that run and makes the prompt flaky), the tokens and the cost add up every run
(found again here from each run's own results), ``max_cost`` is judged per run, and the output-token gate pairs
each prompt's mean over the repeats."""

from __future__ import annotations

import math
import statistics
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gradient_evals import AsyncGradientEvals
from gradient_evals.checks import ExpectedInAnswer
from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.results import AgentResult, EvaluationReport, GateKind
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationPrompt

pytestmark = pytest.mark.anyio

AGENT = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
FIRST_WRONG = "How do I resize a volume?"  # scripted to answer wrongly in one repeat of two...
SECOND_WRONG = "How do I rotate a key?"  # ...and this one in the other
STEADY = [f"How do I do task {i}?" for i in range(4)]
ROWS = [
    {"query": q, "expected_response": f"Open the panel for {q[9:-1]}."} for q in [FIRST_WRONG, SECOND_WRONG, *STEADY]
]
CHECK = "check:expected_in_answer"
PRICES = {"input_per_million": 3.0, "output_per_million": 15.0}
FAST: dict[str, Any] = {"poll_interval": 0.05, "max_poll_interval": 0.1, "metrics": ["correctness"]}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.1) as srv:
        # The emulator's agent answers wrongly (without the expected response) when correctness is below 40.
        srv.script_prompt_scores(
            AGENT, {FIRST_WRONG: [100, 0], SECOND_WRONG: [0, 100], **dict.fromkeys(STEADY, (100,))}
        )
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as c:
        yield c


async def _evaluate(client: AsyncGradientEvals, **settings: Any) -> EvaluationReport:
    return await client.evaluate(dataset=ROWS, test_case="answers", agent_uuids=[AGENT], **FAST, **settings)


async def _runs(client: AsyncGradientEvals, agent: AgentResult) -> dict[str, list[EvaluationPrompt]]:
    """Each run of the agent's group -> its prompts, read through the client."""
    assert agent.repeat_group is not None
    return {u: [p async for p in client.evaluation_runs.iter_results(u)] for u in agent.repeat_group.used}


def _answered(prompt: EvaluationPrompt) -> bool:
    return " ".join(str(prompt.ground_truth).lower().split()) in " ".join(str(prompt.output).lower().split())


async def test_a_check_that_fails_on_one_repeat_fails_the_group_names_that_run_and_is_flaky(
    client: AsyncGradientEvals,
) -> None:
    report = await _evaluate(client, repeats=2, checks=[ExpectedInAnswer()])
    (agent,) = report.agents
    runs = await _runs(client, agent)
    assert len(runs) == 2
    # Found again from the runs' own answers: each scripted prompt answered wrongly in exactly one run.
    wrong = {(p.input, u) for u, prompts in runs.items() for p in prompts if not _answered(p)}
    assert {text for text, _ in wrong} == {FIRST_WRONG, SECOND_WRONG}
    assert len({u for _, u in wrong}) == 2  # one in each run

    (check,) = agent.checks
    assert check.total == 2 * len(ROWS)  # every answer judged, not one per prompt
    assert check.runs == 2
    assert {(f.input, f.evaluation_run_uuid) for f in check.failures} == wrong
    assert all(f.output is not None and f.reason for f in check.failures)
    markdown, junit, html = render_markdown(report), render_junit(report), render_html(report)
    assert "(10/12)" in markdown  # the answers that passed, of every answer judged
    for text, run_uuid in wrong:  # the reports name the run whose answer failed
        assert f"{text} (run {run_uuid}): " in junit
        assert f"{text} (run {run_uuid})" in html
        assert f"\\(run {run_uuid[:8]}" in markdown
    assert not agent.verdict.passed
    (gate,) = [g for g in agent.gates if g.kind == GateKind.CHECK]
    assert gate.message == f"{CHECK}: 2 of {2 * len(ROWS)} answers (2 runs) failed"

    # Per prompt, the check's pass share over the repeats, judged once per repeat (no second, unaveraged result).
    shares = {p.input: p.values[CHECK] for p in agent.prompts}
    assert shares == {FIRST_WRONG: 50.0, SECOND_WRONG: 50.0, **dict.fromkeys(STEADY, 100.0)}
    assert agent.summary is not None
    summary = agent.summary.metric(CHECK)
    assert summary is not None
    assert summary.count == len(ROWS)

    failed = {p.input for p in agent.prompts if any(f.startswith(CHECK) for f in p.failures)}
    assert failed == {FIRST_WRONG, SECOND_WRONG}  # a prompt fails a check when one of its answers does

    flaky = {(f.input, f.metric): f for f in agent.flaky}
    for text in (FIRST_WRONG, SECOND_WRONG):
        assert (flaky[text, CHECK].passes, flaky[text, CHECK].runs) == (1, 2)
    assert agent.pass_at_k[CHECK] == 1.0
    assert agent.pass_all_k[CHECK] == pytest.approx(len(STEADY) / len(ROWS))


async def test_evaluate_failed_checks_every_repeat_of_the_prompts_run_again(client: AsyncGradientEvals) -> None:
    first = await _evaluate(client, repeats=2, checks=[ExpectedInAnswer()])
    again = await client.evaluate_failed(first, checks=[ExpectedInAnswer()], poll_interval=0.05, max_poll_interval=0.1)
    (agent,) = again.agents
    assert agent.repeat_group is not None
    rerun_runs = set(agent.repeat_group.used)
    assert len(rerun_runs) == 2
    (check,) = agent.checks
    # The two prompts that failed, run again once per repeat, and the four kept from the earlier group, once each.
    assert (check.total, check.runs) == (2 * 2 + len(STEADY), 2)
    assert {f.input for f in check.failures} == {FIRST_WRONG, SECOND_WRONG}  # the script's next turns: the same
    assert {f.evaluation_run_uuid for f in check.failures} == rerun_runs
    assert {p.input: p.values[CHECK] for p in agent.prompts} == {
        FIRST_WRONG: 50.0,
        SECOND_WRONG: 50.0,
        **dict.fromkeys(STEADY, 100.0),
    }


async def test_a_checks_regression_compares_the_pass_shares_of_the_groups(client: AsyncGradientEvals) -> None:
    await _evaluate(client, repeats=2, checks=[ExpectedInAnswer()])  # the baseline group: 50% on two prompts
    report = await _evaluate(client, repeats=2, checks=[ExpectedInAnswer(min_pass_rate=0)], max_regression={CHECK: 100})
    (agent,) = report.agents
    (gate,) = [g for g in agent.gates if g.kind == GateKind.MAX_REGRESSION and g.metric == CHECK]
    assert gate.statistics is not None
    # One pass share per prompt on each side (not one answer's pass or fail), compared as any repeated pass/fail
    # metric's: the script's next turns give the same shares again.
    assert (gate.statistics.method, gate.statistics.n) == ("paired-t", len(ROWS))
    assert gate.statistics.delta == pytest.approx(0.0)
    assert agent.comparison is not None
    assert agent.comparison.metrics[CHECK].base.score == pytest.approx((50 + 50 + 100 * len(STEADY)) / len(ROWS))


async def test_tokens_and_cost_add_up_every_repeat_and_max_cost_is_per_run(client: AsyncGradientEvals) -> None:
    report = await _evaluate(client, repeats=3, pricing=PRICES, max_cost=1e-9)
    (agent,) = report.agents
    runs = await _runs(client, agent)
    assert len(runs) == 3
    every = [p for prompts in runs.values() for p in prompts]
    assert agent.tokens is not None
    assert agent.tokens.prompts == 3 * len(ROWS)
    assert agent.tokens.input_total == sum(int(p.input_tokens or 0) for p in every)
    assert agent.tokens.output_total == sum(int(p.output_tokens or 0) for p in every)
    assert agent.tokens.output_mean == pytest.approx(agent.tokens.output_total / (3 * len(ROWS)))

    def cost(prompts: list[EvaluationPrompt]) -> float:
        tokens_in = sum(int(p.input_tokens or 0) for p in prompts)
        tokens_out = sum(int(p.output_tokens or 0) for p in prompts)
        return (tokens_in * PRICES["input_per_million"] + tokens_out * PRICES["output_per_million"]) / 1e6

    total = sum(cost(prompts) for prompts in runs.values())
    assert report.cost == pytest.approx(total)  # the whole evaluation's cost: every run's

    (gate,) = [g for g in agent.gates if g.kind == GateKind.MAX_COST]
    assert gate.name == "cost per run <= $1e-09"
    assert gate.actual == pytest.approx(total / 3)
    assert not gate.passed
    assert gate.message.startswith(f"cost per run ${total / 3:.4g} (${total:.4g} over 3 runs) is above $1e-09")


async def test_the_output_token_gate_pairs_each_prompts_mean_over_the_repeats(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    before = (await _evaluate(client, repeats=2)).agents[0]
    server.set_agent_answers(AGENT, verbosity=2.0)
    after = (await _evaluate(client, repeats=2, max_output_tokens_increase_pct=500)).agents[0]
    assert after.repeat_group is not None
    assert before.repeat_group is not None
    assert set(after.repeat_group.baseline_run_uuids) == set(before.repeat_group.used)

    def means(runs: dict[str, list[EvaluationPrompt]]) -> dict[str | None, float]:
        counts: dict[str | None, list[int]] = {}
        for prompts in runs.values():
            for p in prompts:
                counts.setdefault(p.input, []).append(int(p.output_tokens or 0))
        return {text: statistics.fmean(c) for text, c in counts.items()}

    now, then = means(await _runs(client, after)), means(await _runs(client, before))
    growth = statistics.fmean(math.log(now[text] / then[text]) for text in now)
    (gate,) = [g for g in after.gates if g.kind == GateKind.OUTPUT_TOKENS_INCREASE]
    assert gate.statistics is not None
    assert gate.statistics.n == len(ROWS)
    assert gate.statistics.delta == pytest.approx(growth)
    assert gate.actual == pytest.approx(100 * math.expm1(growth))
    assert after.baseline_tokens is not None
    assert before.tokens is not None
    assert after.baseline_tokens.output_total == before.tokens.output_total  # the baseline group's every answer


async def test_quarantined_prompts_are_left_out_of_the_groups_checks_and_tokens(
    client: AsyncGradientEvals, tmp_path: Path
) -> None:
    quarantine = tmp_path / "flaky.txt"
    quarantine.write_text(FIRST_WRONG + "\n", "utf-8")
    report = await _evaluate(client, repeats=2, checks=[ExpectedInAnswer()], quarantine=str(quarantine))
    (agent,) = report.agents
    gated = len(ROWS) - 1
    (check,) = agent.checks
    assert check.total == 2 * gated
    assert [f.input for f in check.failures] == [SECOND_WRONG]
    assert agent.tokens is not None
    assert agent.tokens.prompts == 2 * gated
    assert FIRST_WRONG in {p.input for p in agent.prompts}  # still shown
