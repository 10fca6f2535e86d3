"""The HTML trend of the star metric under extreme values: every coordinate finite, what cannot be drawn listed."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import anyio
import attrs

from gradient_evals.reports._trend import trend_lines, trends
from gradient_evals.reports.html import render_html
from gradient_evals.results import EvaluationReport
from gradient_evals.types import EvaluationRun, MetricResult, MetricValueType
from gradient_evals.workflows.report import GateSettings, build_agent_result, build_report

_START = datetime(2024, 1, 1, tzinfo=UTC)  # before the run of this evaluation


def _history_run(kit: SimpleNamespace, n: int, value: float) -> EvaluationRun:
    star = MetricResult(metric_name="correctness", metric_value_type=MetricValueType.NUMBER, number_value=value)
    run = kit.run(kit.uuid_of(100 + n), kit.AGENT_A, "alpha", star_metric_result=star)
    return attrs.evolve(run, finished_at=_START + timedelta(days=n))


async def _report(kit: SimpleNamespace, history: list[float]) -> EvaluationReport:
    settings = GateSettings()
    prompts = [kit.prompt(1, "question 1", {"correctness": 80.0})]
    agent = await build_agent_result(
        run_uuid=kit.uuid_of(1),
        run=kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha"),
        pages=kit.pages(prompts),
        settings=settings,
    )
    return build_report(
        test_case_uuid=kit.TEST_CASE,
        agents=[agent],
        settings=settings,
        metrics=["correctness"],
        star_metric="correctness",
        history=[_history_run(kit, n, value) for n, value in enumerate(history)],
    )


def _svg_numbers(page: str) -> list[str]:
    svg = page[page.index('class="trend"') : page.index("</svg>")]
    return re.findall(r'(?:points|cx|cy|x|y)="([^"]*)"', svg)


def test_scores_of_plus_and_minus_1e308_draw_only_finite_coordinates(kit: SimpleNamespace) -> None:
    report = anyio.run(lambda: _report(kit, [1e308, -1e308, 5.0]))
    (trend,) = trends(report)
    assert len(trend.points) == 4
    for point in trend.points:
        assert math.isfinite(point.x)
        assert math.isfinite(point.y)
    assert [p.y for p in trend.points[:2]] == [30.0, 50.0], "the top and the bottom of the chart"
    page = render_html(report)
    numbers = " ".join(_svg_numbers(page)).replace(",", " ").split()
    assert numbers
    assert all(math.isfinite(float(n)) for n in numbers), numbers
    assert "nan" not in page.lower().split("<svg", 1)[1].split("</svg>")[0]


def test_values_that_are_not_finite_are_left_out_of_the_line_and_listed(kit: SimpleNamespace) -> None:
    report = anyio.run(lambda: _report(kit, [70.0, math.inf, math.nan, 75.0, -math.inf]))
    (trend,) = trends(report)
    assert [p.value for p in trend.points] == [70.0, 75.0, 80.0]
    assert trend.left_out == (
        f"run {kit.uuid_of(101)}: inf",
        f"run {kit.uuid_of(102)}: nan",
        f"run {kit.uuid_of(104)}: -inf",
    )
    page = render_html(report)
    assert f"not a finite number, left out of the line: run {kit.uuid_of(101)}: inf" in page
    (row,) = trend_lines(report)
    assert row[1] == "70 \u2192 75 \u2192 **80**"


def test_prompt_scores_of_plus_and_minus_1e308_bin_into_the_distribution(kit: SimpleNamespace) -> None:
    async def build() -> EvaluationReport:
        settings = GateSettings()
        values = [1e308, -1e308, 5.0, 7.0]
        prompts = [kit.prompt(i + 1, f"question {i + 1}", {"correctness": v}) for i, v in enumerate(values)]
        agent = await build_agent_result(
            run_uuid=kit.uuid_of(1),
            run=kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha"),
            pages=kit.pages(prompts),
            settings=settings,
        )
        return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])

    page = render_html(anyio.run(build))  # the span of the values overflows a float: it must not reach a bin
    bars = re.findall(r'<rect[^>]*\b(?:x|y|width|height)="([^"]*)"', page)
    assert bars, "the distribution is drawn"
    assert all(math.isfinite(float(number)) for number in bars)
