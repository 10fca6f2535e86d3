"""Checks, tokens and cost in every report: pass rate per agent, the failing prompts with answer and reason, one
JUnit test case per check and agent, tokens and cost everywhere and in ``--json``; answers escaped."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import anyio
import junitparser
import pytest
from rich.console import Console

from gradient_evals.checks import Contains, IsJSON, MaxOutputTokens
from gradient_evals.cli._render import dump_json
from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.reports.terminal import render_terminal
from gradient_evals.results import EvaluationReport
from gradient_evals.types import EvaluationPrompt, EvaluationRun, EvaluationRunStatus, ResultsPage
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report
from gradient_evals.workflows.usage import pricing_from

HOSTILE = "<script>alert(1)</script> **bold** [x](http://evil)"
ANSWERS = ['{"order": "ORD-1"}', HOSTILE, '{"order": "ORD-2"}', "ORD-3 is on its way"]


def _report() -> EvaluationReport:
    run = EvaluationRun(
        evaluation_run_uuid="run-1",
        agent_name="support-bot",
        status=EvaluationRunStatus.SUCCESSFUL,
        queued_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        finished_at=datetime(2026, 1, 1, 12, 2, tzinfo=UTC),
    )
    prompts = tuple(
        EvaluationPrompt(prompt_id=i, input=f"question {i}", output=text, input_tokens=100, output_tokens=10 * (i + 1))
        for i, text in enumerate(ANSWERS)
    )
    settings = GateSettings(
        checks=(Contains("ORD-"), IsJSON(name="json"), MaxOutputTokens(100)),
        pricing=pricing_from({"input_per_million": 1, "output_per_million": 3}),
        max_cost=1.0,
    )

    async def build() -> EvaluationReport:
        agent = await build_agent_result(
            run_uuid="run-1", run=run, pages=[ResultsPage(evaluation_run=run, prompts=prompts)], settings=settings
        )
        return build_report(test_case_uuid="tc-1", agents=[agent], settings=settings)

    return anyio.run(build)


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    return _report()


def test_the_agent_result_holds_the_checks_tokens_and_cost(report: EvaluationReport) -> None:
    (agent,) = report.agents
    assert [(r.name, r.passed_count, r.total) for r in agent.checks] == [
        ("contains(ORD-)", 3, 4),
        ("json", 2, 4),
        ("max_output_tokens(100)", 4, 4),
    ]
    assert agent.tokens is not None
    assert (agent.tokens.input_total, agent.tokens.output_total) == (400, 100)
    assert agent.cost is not None
    assert agent.cost.total == pytest.approx((400 * 1 + 100 * 3) / 1e6)
    assert agent.wall_time == 120.0
    assert not report.passed
    assert report.checks == ("contains(ORD-)", "json", "max_output_tokens(100)")


def test_junit_has_one_case_per_check_with_the_failing_prompts(report: EvaluationReport) -> None:
    xml = render_junit(report)
    suite = next(iter(junitparser.JUnitXml.fromstring(xml)))
    cases = {case.name: case for case in suite}
    failed = cases["check:json passes on every prompt"]
    (failure,) = failed.result
    assert failure.message == "check:json: 2 of 4 prompts failed"
    assert "prompt 1: question 1: not JSON: Expecting value" in failure.text
    assert "prompt 3: question 3: not JSON: Expecting value" in failure.text
    assert "answer: ORD-3 is on its way" in failure.text
    assert cases["check:max_output_tokens(100) passes on every prompt"].is_passed
    properties = {p.name: p.value for p in suite.properties()}  # type: ignore[no-untyped-call]
    assert properties["input_tokens"] == "400"
    assert properties["output_tokens"] == "100"
    assert properties["cost_usd"] == "0.000700"
    assert properties["wall_time_s"] == "120.000"


def test_markdown_shows_pass_rates_failures_and_cost_escaped(report: EvaluationReport) -> None:
    text = render_markdown(report)
    assert "### Checks on the answers" in text
    assert "| support-bot | check\\:json | 50% (2/4) | 100% | **FAIL** |" in text
    assert "| support-bot | check\\:max\\_output\\_tokens\\(100\\) | 100% (4/4) | 100% | pass |" in text
    assert "- support-bot / check\\:json: prompt 3\\: question 3: not JSON" in text
    assert "  answer: ORD-3 is on its way" in text
    assert (
        "Tokens, cost and wall time (evaluation: $0.0007): **support-bot** 400 (mean 100) in, 100 (mean 25) out, "
        "$0.0007, 120.0 s." in text
    )
    assert "<script>" not in text
    assert "\\*\\*bold\\*\\*" in text


def test_html_shows_the_checks_and_escapes_the_answers(report: EvaluationReport) -> None:
    page = render_html(report)
    assert '<section id="checks">' in page
    assert '<section id="usage">' in page
    assert "50% (2/4)" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_terminal_and_json(report: EvaluationReport) -> None:
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=200, color_system=None))
    shown = out.getvalue()
    assert "checks on the answers" in shown
    assert "check:json" in shown
    assert "tokens and cost (evaluation: $0.0007)" in shown
    stream = io.StringIO()
    dump_json(report, stream)
    (agent,) = json.loads(stream.getvalue())["agents"]
    assert agent["tokens"]["input_total"] == 400
    assert agent["tokens"]["output_mean"] == 25
    assert agent["cost"]["total"] == pytest.approx(0.0007)
    assert agent["checks"][1]["failures"][0]["reason"].startswith("not JSON")
