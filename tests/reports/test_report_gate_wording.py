"""A gate not applied and a regression read the same in every report: said once, whole, in one number format."""

from __future__ import annotations

import io
from types import SimpleNamespace

import anyio
from rich.console import Console

from gradient_evals.reports.html import render_html
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.reports.terminal import render_terminal
from gradient_evals.results import EvaluationReport
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report

WHY = (
    "no finished run of version 1 to compare with (the latest listed one was not: run "
    "00000000-0000-4000-8000-000000000009 is a run of another test case)"
)


def _settings(kit: SimpleNamespace) -> GateSettings:
    return GateSettings(max_regression={"correctness": 5.0}, slice_by="topic", slices=kit.TOPICS)


async def _without_baseline(kit: SimpleNamespace) -> EvaluationReport:
    settings = _settings(kit)
    prompts = [kit.prompt(i + 1, q, {"correctness": 80.0}) for i, q in enumerate(kit.QUESTIONS)]
    agent = await build_agent_result(
        run_uuid=kit.uuid_of(1),
        run=kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha"),
        pages=kit.pages(prompts),
        settings=settings,
        baseline_missing=WHY,
    )
    return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])


def _terminal(report: EvaluationReport, **options: bool) -> str:
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=400, color_system=None), **options)
    return out.getvalue()


def test_a_gate_not_applied_is_said_whole_and_no_slice_check_is_claimed(kit: SimpleNamespace) -> None:
    report = anyio.run(_without_baseline, kit)
    assert report.passed
    markdown = render_markdown(report)
    bullets = [line for line in markdown.splitlines() if "gate not applied" in line]
    assert len(bullets) == 2, "the regression gate and the slice gate, one bullet each"
    for bullet in bullets:
        assert bullet.endswith("is a run of another test case\\)"), bullet  # whole, not cut at 80 characters
    assert "regressed beyond the allowed change" not in markdown, "the slice gate was not applied: no claim"
    page = render_html(report)
    assert page.count(f"correctness worsens by at most 5: {WHY}") == 1
    terminal = _terminal(report)
    assert terminal.count("gate not applied") == 2
    assert WHY in " ".join(terminal.split())
    assert "gate not applied" not in _terminal(report, with_remarks=False)


def test_a_slice_gate_that_was_applied_still_says_none_regressed(kit: SimpleNamespace) -> None:
    report = anyio.run(
        lambda: kit.two_agent_report(
            settings=GateSettings(max_regression={"correctness": 100.0}, slice_by="topic", slices=kit.TOPICS)
        )
    )
    assert "No slice of topic regressed beyond the allowed change." in render_markdown(report)


def test_a_regression_reads_with_the_same_digits_in_the_gate_and_the_tables(kit: SimpleNamespace) -> None:
    async def build() -> EvaluationReport:
        settings = GateSettings(max_regression={"correctness": 5.0})
        base = [kit.prompt(1, "q1", {"correctness": 80.0}), kit.prompt(2, "q2", {"correctness": 80.0})]
        now = [kit.prompt(1, "q1", {"correctness": 60.1}), kit.prompt(2, "q2", {"correctness": 60.0})]
        agent = await build_agent_result(
            run_uuid=kit.uuid_of(1),
            run=kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha"),
            pages=kit.pages(now),
            settings=settings,
            baseline_run_uuid=kit.uuid_of(9),
            baseline_pages=kit.pages(base),
        )
        return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])

    report = anyio.run(build)
    markdown = render_markdown(report)
    assert "correctness\\: got worse by 19.95 \\(95% interval" in markdown, "the gate's reason, with its interval"
    assert "| 60.05 (-19.95 \u2193) |" in markdown, "the agents table's change, with the same digits"
    assert "60.05 -19.95" in " ".join(_terminal(report).split())
