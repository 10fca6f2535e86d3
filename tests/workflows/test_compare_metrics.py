"""Summaries and comparisons per metric: inverted metrics, per-metric tolerances, ranking, NaN bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gradient_evals.types import EvaluationMetric, EvaluationPrompt, MetricResult, PageMeta, ResultsPage
from gradient_evals.workflows.compare import compare_pages
from gradient_evals.workflows.summary import summarize_pages

pytestmark = pytest.mark.anyio

HALLUCINATION_UUID = "3f1c2b4a-2222-4a5b-8c6d-7e8f9a0b1c2d"
CATALOG = (
    EvaluationMetric(
        metric_uuid=HALLUCINATION_UUID, metric_name="Hallucination", inverted=True, range_min=0, range_max=1
    ),
    EvaluationMetric(metric_name="Correctness", inverted=False, range_min=0, range_max=100),
)


def _number(name: str, value: float, uuid: str | None = None) -> MetricResult:
    return MetricResult(
        metric_name=name, metric_uuid=uuid, metric_value_type="METRIC_VALUE_TYPE_NUMBER", number_value=value
    )


def _page(*prompts: tuple[int, list[MetricResult]]) -> ResultsPage:
    return ResultsPage(
        prompts=tuple(
            EvaluationPrompt(prompt_id=pid, input=f"q{pid}", prompt_level_metric_results=tuple(metrics))
            for pid, metrics in prompts
        ),
        meta=PageMeta(),
    )


async def _aiter(*pages: ResultsPage) -> AsyncIterator[ResultsPage]:
    for page in pages:
        yield page


def _hallucination_run(*values: float) -> ResultsPage:
    # Named differently from the catalog on purpose: results are matched by UUID first.
    return _page(*((i, [_number("hallucination_rate", v, HALLUCINATION_UUID)]) for i, v in enumerate(values, 1)))


async def test_a_falling_inverted_metric_is_an_improvement() -> None:
    base, candidate = _hallucination_run(0.4, 0.5), _hallucination_run(0.1, 0.2)
    result = await compare_pages(_aiter(base), _aiter(candidate), "b", "c", metrics=CATALOG)
    metric = result.metrics["hallucination_rate"]
    assert metric.inverted
    assert metric.delta == pytest.approx(-0.3)
    assert metric.improvement == pytest.approx(0.3)
    assert result.regressions == ()
    assert result.passed, result.verdict.reasons
    gated = await compare_pages(
        _aiter(base), _aiter(candidate), "b", "c", metrics=CATALOG, thresholds={"hallucination_rate": 0.25}
    )
    assert gated.passed, "a fall of 0.3 is an improvement of 0.3, above the 0.25 asked for"


async def test_a_rising_inverted_metric_is_a_regression() -> None:
    base, candidate = _hallucination_run(0.1, 0.2), _hallucination_run(0.4, 0.2)
    result = await compare_pages(_aiter(base), _aiter(candidate), "b", "c", metrics=CATALOG, regression_test="point")
    assert not result.passed
    assert result.verdict.reasons == ("hallucination_rate: rose by 0.15 (tolerance 0)",)
    [regression] = result.regressions
    assert (regression.candidate_prompt_id, regression.inverted) == (1, True)
    assert regression.worsening == pytest.approx(0.3)
    assert regression.relative == pytest.approx(0.3)  # the catalog's range is 0-1
    assert result.metrics["hallucination_rate"].regressed == 1


async def test_without_the_catalog_the_same_rise_looks_like_an_improvement() -> None:
    base, candidate = _hallucination_run(0.1), _hallucination_run(0.4)
    assert (await compare_pages(_aiter(base), _aiter(candidate), "b", "c")).passed
    by_name = await compare_pages(_aiter(base), _aiter(candidate), "b", "c", inverted=["Hallucination_Rate"])
    assert not by_name.passed


async def test_min_scores_and_pass_thresholds_are_ceilings_for_inverted_metrics() -> None:
    run = _hallucination_run(0.1, 0.3, 0.5)
    summary = await summarize_pages(_aiter(run), "r", metrics=CATALOG, pass_thresholds={"hallucination_rate": 0.3})
    metric = summary.metrics["hallucination_rate"]
    assert metric.inverted
    assert (metric.passed, metric.failed) == (2, 1)
    assert summary.check({"hallucination_rate": 0.35}).passed
    verdict = summary.check({"hallucination_rate": 0.25})
    assert verdict.reasons == ("hallucination_rate: 0.3 is above 0.25 (lower is better)",)
    comparison = await compare_pages(
        _aiter(run), _aiter(run), "b", "c", metrics=CATALOG, min_scores={"hallucination_rate": 0.2}
    )
    assert comparison.verdict.reasons == ("hallucination_rate: the candidate's 0.3 is above 0.2 (lower is better)",)


async def test_per_metric_tolerances() -> None:
    def run(correctness: float, faithfulness: float) -> ResultsPage:
        return _page((1, [_number("correctness", correctness), _number("faithfulness", faithfulness)]))

    base, candidate = run(90, 1.0), run(85, 0.0)
    loose = await compare_pages(_aiter(base), _aiter(candidate), "b", "c", tolerance=10)
    assert loose.passed, "one slack of 10 hides a 0-1 metric falling from 1 to 0"
    strict = await compare_pages(
        _aiter(base), _aiter(candidate), "b", "c", tolerance=10, tolerances={"faithfulness": 0.05}
    )
    assert strict.verdict.reasons == ("faithfulness: dropped by 1 (tolerance 0.05)",)
    assert [r.metric for r in strict.regressions] == ["faithfulness"]


async def test_regressions_are_ranked_relative_to_each_metrics_range() -> None:
    base = _page(
        (1, [_number("Correctness", 90), _number("faithfulness", 0.9)]),
        (2, [_number("Correctness", 50), _number("faithfulness", 0.1)]),
    )
    candidate = _page(
        (1, [_number("Correctness", 60), _number("faithfulness", 0.7)]),
        (2, [_number("Correctness", 48), _number("faithfulness", 0.0)]),
    )
    result = await compare_pages(_aiter(base), _aiter(candidate), "b", "c", metrics=CATALOG)
    ranked = [(r.metric, r.candidate_prompt_id) for r in result.regressions]
    # Correctness -30 of 0-100 (0.3) > faithfulness -0.2 and -0.1 of its 0-0.9 spread > Correctness -2 (0.02).
    assert ranked == [("Correctness", 1), ("faithfulness", 1), ("faithfulness", 2), ("Correctness", 2)]
    assert result.regressions[0].relative == pytest.approx(0.3)
    assert result.regressions[1].relative == pytest.approx(0.2 / 0.9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"thresholds": {"m": float("nan")}},
        {"min_scores": {"m": float("nan")}},
        {"pass_thresholds": {"m": float("nan")}},
        {"tolerances": {"m": float("nan")}},
        {"tolerances": {"m": -1}},
        {"tolerance": float("nan")},
    ],
)
async def test_nan_and_negative_bounds_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"NaN|>= 0"):
        await compare_pages(_aiter(), _aiter(), "b", "c", **kwargs)  # type: ignore[arg-type]


async def test_summary_check_refuses_nan_and_non_numbers() -> None:
    summary = await summarize_pages(_aiter(_page((1, [_number("m", 1.0)]))), "r")
    with pytest.raises(ValueError, match="NaN"):
        summary.check({"m": float("nan")})
    with pytest.raises(TypeError, match="must be a number"):
        summary.check({"m": "high"})  # type: ignore[dict-item]
