"""Comparing two runs prompt by prompt while their pages stream by, and the verdict of the gate.

Prompts are matched by prompt id, falling back to the exact input text when the ids differ (a re-uploaded
dataset). A comparison keeps the base run's metric values (a few numbers per prompt, not the prompts).

Better and worse follow each metric's direction: for an *inverted* metric (lower is better, see
:mod:`gradient_evals.workflows.summary`) a fall is an improvement and a rise a regression, in the per-prompt
regressions, in ``thresholds`` (which bound the improvement) and in ``min_scores`` (a ceiling for such a metric).

Tolerances are per metric (``tolerances={"faithfulness": 0.02}``), ``tolerance`` being the default for the others,
since one absolute slack cannot suit a 0-1 and a 0-100 metric at once. Regressions are ranked on a scale-free
measure, :attr:`PromptRegression.relative`: the worsening divided by the metric's range (the catalog's
``range_max - range_min``; 100 for percentages and pass/fail metrics; else the spread of the values the two runs
gave the metric), worst first.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterable, Collection, Iterable, Mapping
from typing import Any

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from .._validation import check_metric_bounds
from ..types import EvaluationMetric, ResultsPage
from ..typing import OnProgress
from ._arguments import check_choice
from ._pages import run_pages
from ._resources import MetricCatalog, RunResults
from .compare_paired import Interval, input_key, paired_metrics
from .compare_results import MetricComparison, PromptRegression, RunComparison
from .compare_verdict import comparison_verdict, threshold_margins
from .explain import regression_order
from .gates import REGRESSION_TESTS, RegressionTest
from .summary import MetricLookup, RunStats, inverted_metrics
from .summary_results import MetricSummary

__all__ = ["check_tolerances", "compare_pages", "compare_runs"]


def check_tolerances(tolerance: Any, tolerances: Mapping[str, float] | None) -> tuple[float, dict[str, float]]:
    """The default tolerance and the per-metric ones, each a number >= 0 (``ValueError`` otherwise)."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
        raise InvalidArgumentError(f"tolerance must be a number >= 0, got {tolerance!r}")
    per_metric = check_metric_bounds(tolerances, "tolerances")
    for name, slack in per_metric.items():
        if slack < 0:
            raise InvalidArgumentError(f"tolerances[{name!r}] must be >= 0, got {slack:g}")
    return float(tolerance), per_metric


def _scale(lookup_span: float | None, base: MetricSummary | None, candidate: MetricSummary | None) -> float | None:
    """What a metric's regressions are divided by to be ranked with other metrics' (see the module docs)."""
    if lookup_span:
        return lookup_span
    summaries = [m for m in (base, candidate) if m is not None]
    if any(m.mean is None and m.pass_rate is not None for m in summaries):
        return 100.0  # pass/fail: 0 or 100
    lows = [m.min for m in summaries if m.min is not None]
    highs = [m.max for m in summaries if m.max is not None]
    spread = max(highs) - min(lows) if lows and highs else 0.0
    return spread if spread > 0 and math.isfinite(spread) else None


async def compare_pages(
    base_pages: AsyncIterable[ResultsPage],
    candidate_pages: AsyncIterable[ResultsPage],
    base_run_uuid: str,
    candidate_run_uuid: str,
    *,
    thresholds: Mapping[str, float] | None = None,
    min_scores: Mapping[str, float] | None = None,
    tolerance: float = 0.0,
    tolerances: Mapping[str, float] | None = None,
    pass_thresholds: Mapping[str, float] | None = None,
    metrics: Iterable[EvaluationMetric] = (),
    inverted: Iterable[str] = (),
    on_progress: OnProgress | None = None,
    margins: Mapping[str, float] | None = None,
    interval: Interval = "t",
    regression_test: RegressionTest = "paired",
    require_conclusive: bool = False,
) -> RunComparison:
    """Compare two runs page by page: the base is read first, then the candidate is matched against it.

    See ``AsyncEvaluationRuns.compare`` for the meaning of the arguments; ``metrics`` is the metric catalog (or
    part of it), ``inverted`` more names of lower-is-better metrics. Each metric's paired statistics
    (:attr:`MetricComparison.statistics`) are decided against ``margins[metric]`` (a gate's ``max_regression``),
    else what a non-positive threshold allows, else the metric's tolerance; the verdict follows
    :mod:`~gradient_evals.workflows.compare_verdict`.
    """
    default_slack, slacks = check_tolerances(tolerance, tolerances)
    gates = check_metric_bounds(thresholds, "thresholds")
    floors = check_metric_bounds(min_scores, "min_scores")
    passes = check_metric_bounds(pass_thresholds, "pass_thresholds")
    lookup = MetricLookup(metrics, inverted)
    base_stats = RunStats(base_run_uuid, passes, lookup)
    base_values: dict[int | None, dict[str, float]] = {}
    base_by_input: dict[str, int | None] = {}
    anonymous: list[tuple[str | None, dict[str, float]]] = []
    base_keyed: list[tuple[object, dict[str, float]]] = []
    done = 0
    async for page in base_pages:
        if page.evaluation_run is not None:
            base_stats.run = page.evaluation_run
        for prompt in page.prompts:
            values = base_stats.add(prompt)
            base_keyed.append((input_key(prompt.input, -len(base_keyed) - 1), values))
            if prompt.prompt_id is None:
                anonymous.append((prompt.input, values))
                continue
            base_values[prompt.prompt_id] = values
            if prompt.input is not None:
                base_by_input.setdefault(prompt.input, prompt.prompt_id)
        done += len(page.prompts)
        if on_progress is not None:
            on_progress(done, None)
    for text, values in anonymous:  # prompts without an id can only be matched by their input
        if text is not None and text not in base_by_input:
            key: int | None = -len(base_values) - 1
            base_values[key] = values
            base_by_input[text] = key

    candidate_stats = RunStats(candidate_run_uuid, passes, lookup)
    matched: set[int | None] = set()
    found: list[tuple[str, int | None, int | None, str | None, float, float]] = []
    regressed: dict[str, int] = {}
    candidate_keyed: list[tuple[object, dict[str, float]]] = []
    async for page in candidate_pages:
        if page.evaluation_run is not None:
            candidate_stats.run = page.evaluation_run
        for prompt in page.prompts:
            values = candidate_stats.add(prompt)
            candidate_keyed.append((input_key(prompt.input, len(candidate_keyed)), values))
            key = prompt.prompt_id
            if key is None or key not in base_values or key in matched:
                key = base_by_input.get(prompt.input) if prompt.input is not None else None
                if key is None or key in matched:
                    continue
            matched.add(key)
            before = base_values[key]
            for name, value in values.items():
                old = before.get(name)
                if old is None or not math.isfinite(old) or not math.isfinite(value):
                    continue
                worse = value - old if candidate_stats.metrics[name].inverted else old - value
                if worse > slacks.get(name, default_slack):
                    regressed[name] = regressed.get(name, 0) + 1
                    base_id = key if key is not None and key >= 0 else None
                    found.append((name, base_id, prompt.prompt_id, prompt.input, old, value))
        done += len(page.prompts)
        if on_progress is not None:
            on_progress(done, None)

    base = base_stats.summary()
    candidate = candidate_stats.summary()
    names = sorted(set(base.metrics) | set(candidate.metrics))
    stats = {name: candidate_stats.metrics.get(name) or base_stats.metrics[name] for name in names}
    paired = paired_metrics(
        candidate_keyed,
        base_keyed,
        {name: (candidate.metrics.get(name), base.metrics.get(name)) for name in names},
        margins={**slacks, **threshold_margins(gates), **(margins or {})},
        default_margin=default_slack,
        inverted={name for name in names if stats[name].inverted},
        interval=interval,
        seed=f"{base_run_uuid}:{candidate_run_uuid}",
    )
    compared = {
        name: MetricComparison(
            name=name,
            base=base.metrics.get(name),
            candidate=candidate.metrics.get(name),
            regressed=regressed.get(name, 0),
            inverted=stats[name].inverted,
            statistics=paired.get(name),
        )
        for name in names
    }
    scales = {name: _scale(stats[name].span, base.metrics.get(name), candidate.metrics.get(name)) for name in regressed}
    regressions = sorted(
        (
            PromptRegression(
                metric=name,
                base_prompt_id=base_id,
                candidate_prompt_id=candidate_id,
                input=text,
                base_value=old,
                candidate_value=value,
                inverted=stats[name].inverted,
                scale=scales[name],
            )
            for name, base_id, candidate_id, text, old, value in found
        ),
        key=regression_order,
    )
    return RunComparison(
        base=base,
        candidate=candidate,
        matched=len(matched),
        unmatched_base=len(base_values) - len(matched),
        unmatched_candidate=candidate.prompt_count - len(matched),
        metrics=compared,
        regressions=tuple(regressions),
        verdict=comparison_verdict(
            compared,
            gates,
            floors,
            default_slack,
            slacks,
            test=regression_test,
            require_conclusive=require_conclusive,
        ),
    )


async def compare_runs(
    runs: RunResults,
    metrics: MetricCatalog | None,
    base_run_uuid: str,
    candidate_run_uuid: str,
    *,
    thresholds: Mapping[str, float] | None,
    min_scores: Mapping[str, float] | None,
    tolerance: float,
    pass_thresholds: Mapping[str, float] | None,
    per_page: int | None,
    on_progress: OnProgress | None,
    tolerances: Mapping[str, float] | None = None,
    inverted: Collection[str] | None = None,
    regression_test: RegressionTest = "paired",
    require_conclusive: bool = False,
) -> RunComparison:
    """Compare two runs by streaming both (see ``AsyncEvaluationRuns.compare``)."""
    # Every argument is checked before anything is asked of the server (the catalog or a page).
    check_tolerances(tolerance, tolerances)
    check_metric_bounds(thresholds, "thresholds")
    check_metric_bounds(min_scores, "min_scores")
    check_metric_bounds(pass_thresholds, "pass_thresholds")
    check_choice(regression_test, "regression_test", choices=REGRESSION_TESTS)
    if not isinstance(require_conclusive, bool):
        raise ArgumentTypeError(f"require_conclusive must be a bool, got {type(require_conclusive).__name__}")
    catalog, named = await inverted_metrics(metrics, inverted)
    async with (
        run_pages(runs, base_run_uuid, per_page) as base_pages,
        run_pages(runs, candidate_run_uuid, per_page) as candidate_pages,
    ):
        return await compare_pages(
            base_pages,
            candidate_pages,
            base_run_uuid,
            candidate_run_uuid,
            thresholds=thresholds,
            min_scores=min_scores,
            tolerance=tolerance,
            tolerances=tolerances,
            pass_thresholds=pass_thresholds,
            metrics=catalog,
            inverted=named,
            on_progress=on_progress,
            regression_test=regression_test,
            require_conclusive=require_conclusive,
        )
