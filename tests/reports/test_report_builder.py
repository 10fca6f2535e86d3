"""Building a report from result pages: prompt outcomes, gates (inverted metrics included), slices, leaderboard."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gradient_evals.results import EvaluationReport, GateKind
from gradient_evals.workflows.gates import NO_SLICE, GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report


def test_every_uuid_is_kept(report: EvaluationReport, kit: SimpleNamespace) -> None:
    assert report.run_uuids == (kit.uuid_of(1), kit.uuid_of(2))
    assert report.baseline_run_uuids == (kit.uuid_of(11), kit.uuid_of(12))
    assert report.test_case_uuid == kit.TEST_CASE
    assert report.agent(kit.AGENT_A).evaluation_run_uuid == kit.uuid_of(1)
    assert report.agent("beta").agent_uuid == kit.AGENT_B
    with pytest.raises(KeyError):
        report.agent("nobody")


def test_prompt_outcomes_fail_on_threshold_and_fail_words_and_count_errors_apart(
    report: EvaluationReport, kit: SimpleNamespace
) -> None:
    a = report.agent(kit.AGENT_A)
    first = a.prompts[0]
    assert first.failures == ("correctness: 40 is below 60", "tone: fail")
    assert not first.passed
    assert a.prompts[3].passed
    last = a.prompts[5]
    assert last.errors == {"correctness": "judge timed out"}
    assert last.skipped == ("hallucination",)
    assert "correctness" not in last.values
    assert not last.passed
    assert a.errored == {"correctness": 1}
    assert a.skipped == {"hallucination": 1}
    assert a.failed_prompts == 4
    # The errored prompt is left out of the mean, not counted as zero.
    assert a.summary is not None
    correctness = a.summary.metric("correctness")
    assert correctness is not None
    assert correctness.mean == pytest.approx((40 * 3 + 90 * 2) / 5)
    assert correctness.errors == 1


def test_gates_and_verdict(report: EvaluationReport, kit: SimpleNamespace) -> None:
    a, b = report.agent(kit.AGENT_A), report.agent(kit.AGENT_B)
    kinds = [g.kind for g in a.gates]
    assert kinds == [
        GateKind.RUN_STATUS,
        GateKind.FAIL_UNDER,
        GateKind.MAX_REGRESSION,
        GateKind.MAX_REGRESSION,
        GateKind.SLICE_REGRESSION,
    ]
    by_name = {g.name: g for g in a.gates}
    assert by_name["correctness >= 60"].passed  # mean 60 is not below 60
    assert not by_name["correctness worsens by at most 5"].passed
    # hallucination is inverted: its rise from 0.1 to ~0.2 is a regression of ~0.1 points.
    hallucination = by_name["hallucination worsens by at most 0.05"]
    assert not hallucination.passed
    assert hallucination.actual == pytest.approx((0.3 * 3 + 0.1 * 2) / 5 - 0.1)
    assert not a.passed
    assert b.passed, b.verdict.reasons
    # For b, hallucination fell from 0.2 to 0.15: an improvement, so its gate passes.
    assert all(g.passed for g in b.gates)
    assert not report.passed
    assert not report.run_failed
    assert all(reason.startswith("agent | <alpha>: ") for reason in report.verdict.reasons)


def test_slices_name_the_slice_that_regressed(report: EvaluationReport, kit: SimpleNamespace) -> None:
    a = report.agent(kit.AGENT_A)
    names = [s.name for s in a.slices]
    assert names == ["billing", "shipping"]
    billing, shipping = a.slices
    assert billing.regressed == ("correctness", "hallucination")
    assert billing.delta("correctness") == pytest.approx(-50.0)
    assert shipping.regressed == ()
    assert billing.failed_prompts == 3
    assert any("slice topic=billing: correctness got worse by 50" in r for r in a.verdict.reasons)
    assert not any("shipping" in r for r in a.verdict.reasons)
    assert all(p.slice == kit.TOPICS[p.input or ""] for p in a.prompts)


def test_leaderboard_ranks_on_the_star_metric(report: EvaluationReport) -> None:
    board = report.leaderboard
    assert [e.label for e in board] == ["beta", "agent | <alpha>"]
    assert [e.rank for e in board] == [1, 2]
    assert board[0].delta == pytest.approx(5.0)
    assert board[1].passed is False


def _settings(**overrides: object) -> GateSettings:
    values: dict[str, object] = {"inverted": frozenset({"hallucination"})}
    values.update(overrides)
    return GateSettings(**values)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_inverted_fail_under_is_a_ceiling(kit: SimpleNamespace) -> None:
    prompts = [kit.prompt(i, q, {"hallucination": 0.4}) for i, q in enumerate(kit.QUESTIONS, 1)]
    the_run = kit.run(kit.uuid_of(3), kit.AGENT_A, "a")
    result = await build_agent_result(
        run_uuid=kit.uuid_of(3),
        run=the_run,
        pages=kit.pages(prompts),
        settings=_settings(fail_under={"hallucination": 0.3}),
    )
    gate = result.gates[1]
    assert gate.name == "hallucination <= 0.3"
    assert not gate.passed
    assert gate.message == "hallucination: 0.4 is above 0.3"
    assert result.prompts[0].failures == ("hallucination: 0.4 is above 0.3",)
    fine = await build_agent_result(
        run_uuid=kit.uuid_of(3),
        run=the_run,
        pages=kit.pages(prompts),
        settings=_settings(fail_under={"hallucination": 0.5}),
    )
    assert fine.passed


@pytest.mark.anyio
async def test_a_failed_or_timed_out_run_fails_and_has_no_summary(kit: SimpleNamespace) -> None:
    failed = kit.run(
        kit.uuid_of(4), kit.AGENT_A, "a", status="EVALUATION_RUN_FAILED", error_description="agent unreachable"
    )
    result = await build_agent_result(run_uuid=kit.uuid_of(4), run=failed, pages=[], settings=_settings())
    assert result.run_failed
    assert result.summary is None
    assert result.verdict.reasons == ("the run ended FAILED: agent unreachable",)
    running = kit.run(kit.uuid_of(5), kit.AGENT_A, "a", status="EVALUATION_RUN_RUNNING_DATASET")
    late = await build_agent_result(
        run_uuid=kit.uuid_of(5), run=running, pages=[], settings=_settings(), timed_out=True
    )
    assert late.run_failed
    assert "did not finish before the deadline" in late.verdict.reasons[0]
    report = build_report(test_case_uuid=kit.TEST_CASE, agents=[result, late], settings=_settings())
    assert report.run_failed
    assert not report.passed


@pytest.mark.anyio
async def test_partial_runs_gate_on_what_they_have_unless_complete_results_are_required(kit: SimpleNamespace) -> None:
    partial = kit.run(kit.uuid_of(6), kit.AGENT_A, "a", status="EVALUATION_RUN_PARTIALLY_SUCCESSFUL")
    prompts = [
        kit.prompt(1, "q1", {"correctness": 80.0}),
        kit.prompt(2, "q2", {"correctness": kit.ERROR}),
        kit.prompt(3, "q3", {"correctness": kit.SKIPPED}),
    ]
    lenient = await build_agent_result(
        run_uuid=kit.uuid_of(6),
        run=partial,
        pages=kit.pages(prompts),
        settings=_settings(fail_under={"correctness": 70}),
    )
    assert lenient.partial
    assert lenient.passed
    assert lenient.errored == {"correctness": 1}
    assert lenient.skipped == {"correctness": 1}
    strict = await build_agent_result(
        run_uuid=kit.uuid_of(6),
        run=partial,
        pages=kit.pages(prompts),
        settings=_settings(fail_under={"correctness": 70}, require_complete=True),
    )
    assert not strict.passed
    assert [g.kind for g in strict.gates if not g.passed] == [GateKind.RUN_STATUS, GateKind.COMPLETE]
    assert "correctness errored on 1, correctness was skipped on 1 prompts" in strict.verdict.reasons[1]


@pytest.mark.anyio
async def test_missing_metric_fails_its_gate_and_unmatched_prompts_form_their_own_slice(kit: SimpleNamespace) -> None:
    the_run = kit.run(kit.uuid_of(7), kit.AGENT_A, "a")
    prompts = [kit.prompt(1, "question 1", {"tone": "pass"}), kit.prompt(2, "not in the dataset", {"tone": "pass"})]
    result = await build_agent_result(
        run_uuid=kit.uuid_of(7),
        run=the_run,
        pages=kit.pages(prompts),
        settings=_settings(fail_under={"correctness": 50}, slice_by="topic", slices=kit.TOPICS),
    )
    assert result.verdict.reasons == ("correctness: not in the run's results",)
    assert [s.name for s in result.slices] == ["billing", NO_SLICE]


@pytest.mark.anyio
async def test_leaderboard_of_an_inverted_star_metric_ranks_lowest_first_and_shares_ties(kit: SimpleNamespace) -> None:
    results = []
    for n, value in enumerate([0.3, 0.1, 0.3], start=1):
        the_run = kit.run(kit.uuid_of(n), kit.uuid_of(100 + n), f"agent{n}")
        results.append(
            await build_agent_result(
                run_uuid=kit.uuid_of(n),
                run=the_run,
                pages=kit.pages([kit.prompt(1, "q", {"hallucination": value})]),
                settings=_settings(),
            )
        )
    failed = kit.run(kit.uuid_of(9), kit.uuid_of(109), "broken", status="EVALUATION_RUN_FAILED")
    results.append(await build_agent_result(run_uuid=kit.uuid_of(9), run=failed, pages=[], settings=_settings()))
    report = build_report(
        test_case_uuid=kit.TEST_CASE, agents=results, settings=_settings(), star_metric="hallucination"
    )
    assert [(e.rank, e.label) for e in report.leaderboard] == [
        (1, "agent2"),
        (2, "agent1"),
        (2, "agent3"),
        (4, "broken"),
    ]
    assert report.leaderboard[-1].score is None


def test_a_report_without_agents_does_not_pass(kit: SimpleNamespace) -> None:
    report = build_report(test_case_uuid=kit.TEST_CASE, agents=[], settings=GateSettings())
    assert not report.passed
