"""Compare candidate models on one dataset: one model evaluation run per candidate with the same judge and
metrics, waited for together; each run's per-row results downloaded; rows paired by input; each metric of each
candidate compared with the first candidate by :mod:`gradient_evals.statistics`.

Every argument is checked (two or more distinct candidates, a judge UUID, metric names the catalog knows, the
dataset's rows) before anything is uploaded or created.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import anyio

from .._exceptions import ArgumentTypeError, GradientEvalsError, InvalidArgumentError, MultipleErrors
from .._validation import check_uuid
from ..statistics import compare_pairing, pair_by_input
from ..types import EvaluationMetric, MetricValueType, ModelEvaluationResult, ModelEvaluationRun
from ._model_resources import ModelDatasetUploads, ModelMetricCatalog, ModelRuns
from ._names import looks_like_uuid
from .metric_names import match_metric
from .model_compare_results import ModelComparison, ModelResult
from .model_runs import OnModelRunUpdate

__all__ = ["OnModelProgress", "compare_models"]

OnModelProgress = Callable[[str, ModelEvaluationRun], Any]
"""Called with the candidate model (as given) and its run whenever the run's status or progress changes."""


def _candidates(candidates: Sequence[str]) -> list[str]:
    if isinstance(candidates, str) or not isinstance(candidates, Sequence):
        raise ArgumentTypeError("candidates must be a list of models (UUIDs or slugs)")
    names = [c.strip() if isinstance(c, str) else c for c in candidates]
    if any(not isinstance(c, str) or not c for c in names):
        raise InvalidArgumentError("each candidate must be a model UUID or slug (a non-empty string)")
    if len(names) < 2:
        raise InvalidArgumentError(f"compare_models needs at least 2 candidates, got {len(names)}")
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise InvalidArgumentError(f"candidate {name!r} is given twice")
        seen.add(name.lower())
    return names


def _metrics(catalog: Sequence[EvaluationMetric], metrics: Sequence[str]) -> list[EvaluationMetric]:
    if isinstance(metrics, str) or not metrics:
        raise InvalidArgumentError("metrics must be a non-empty list of metric names or UUIDs")
    chosen = []
    for name in metrics:
        if looks_like_uuid(name):
            found = [m for m in catalog if m.metric_uuid == check_uuid(name, "metrics")]
            if not found:
                raise InvalidArgumentError(f"no model evaluation metric has the UUID {name!r}")
            chosen.append(found[0])
        else:
            chosen.append(match_metric(catalog, name, "metrics"))
    return chosen


def _is_pass_fail(metric: EvaluationMetric) -> bool:
    return metric.metric_value_type == MetricValueType.STRING


def _keyed(rows: Sequence[ModelEvaluationResult], metric: EvaluationMetric) -> list[tuple[Hashable, float]]:
    """Each row's value of ``metric`` by the row's input (a pass is 100, a fail 0); rows without one left out."""
    out: list[tuple[Hashable, float]] = []
    for position, row in enumerate(rows):
        key: Hashable = row.input.strip() if row.input is not None else ("no input", position)
        for result in row.metric_results:
            if result.metric_uuid != metric.metric_uuid and result.metric_name != metric.metric_name:
                continue
            if result.error_description:
                continue
            if _is_pass_fail(metric) and result.string_value is not None:
                out.append((key, 100.0 if result.string_value.strip().lower() in ("pass", "passed", "true") else 0.0))
            elif result.number_value is not None and math.isfinite(result.number_value):
                out.append((key, float(result.number_value)))
    return out


async def _gather(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once; their results in order. One failure is raised as itself, several as
    :class:`MultipleErrors` (never an exception group); a failure cancels the rest."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    async def one(index: int) -> None:
        try:
            results[index] = await calls[index]()
        except Exception as exc:
            errors.append(exc)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for index in range(len(calls)):
            group.start_soon(one, index)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(errors)
    return results


def _result(
    model: str,
    run: ModelEvaluationRun,
    rows: Sequence[ModelEvaluationResult],
    metrics: Sequence[EvaluationMetric],
    reference: Sequence[ModelEvaluationResult] | None,
    max_regression: float,
) -> ModelResult:
    scores: dict[str, float] = {}
    comparisons = {}
    for metric in metrics:
        name = str(metric.metric_name)
        mine = _keyed(rows, metric)
        if mine:
            scores[name] = sum(v for _, v in mine) / len(mine)
        if reference is not None:
            comparisons[name] = compare_pairing(
                pair_by_input(mine, _keyed(reference, metric)),
                pass_fail=_is_pass_fail(metric),
                max_regression=max_regression,
                higher_is_better=not metric.inverted,
                seed=f"{model}:{name}",
            )
    summary = run.result_summary
    performance = None if summary is None else summary.performance_metrics
    latency = None if performance is None else performance.candidate_latency
    usage = None if performance is None else performance.token_usage
    pricing = None if summary is None else summary.pricing
    return ModelResult(
        model=model,
        eval_run_uuid=str(run.eval_run_uuid),
        run=run,
        rows=len(rows),
        scores=scores,
        comparisons=comparisons,
        latency_p50_ms=None if latency is None else latency.p50_latency_ms,
        latency_p95_ms=None if latency is None else latency.p95_latency_ms,
        tokens=None if usage is None else usage.total_candidate_tokens,
        cost=None if pricing is None else pricing.total_cost,
        currency=None if pricing is None else pricing.currency,
    )


async def compare_models(
    runs: ModelRuns,
    metrics_catalog: ModelMetricCatalog,
    datasets: ModelDatasetUploads,
    *,
    dataset: Any,
    candidates: Sequence[str],
    judge: str,
    metrics: Sequence[str],
    max_regression: float = 0.0,
    timeout: float = 3600.0,
    poll_interval: float = 2.0,
    on_progress: OnModelProgress | None = None,
) -> ModelComparison:
    """See ``AsyncGradientEvals.compare_models``."""
    models = _candidates(candidates)
    if not isinstance(judge, str) or not looks_like_uuid(judge):
        raise InvalidArgumentError(f"judge must be the judge model's UUID, got {judge!r}")
    judge_uuid = check_uuid(judge, "judge")
    if isinstance(max_regression, bool) or not isinstance(max_regression, int | float) or max_regression < 0:
        raise InvalidArgumentError(f"max_regression must be a number >= 0, got {max_regression!r}")
    chosen = _metrics(await metrics_catalog.list(), metrics)
    if isinstance(dataset, str) and looks_like_uuid(dataset):
        dataset_uuid = check_uuid(dataset, "dataset")
    else:
        dataset_uuid = await datasets.upload(dataset, name="model-comparison.csv")
    metric_uuids = [str(m.metric_uuid) for m in chosen]
    uuids = [
        await runs.create(
            dataset_uuid=dataset_uuid, candidate_model=model, judge_model_uuid=judge_uuid, metric_uuids=metric_uuids
        )
        for model in models
    ]

    def waiter(model: str, run_uuid: str) -> Callable[[], Any]:
        callback: OnModelRunUpdate | None = None
        if on_progress is not None:
            progress = on_progress

            def callback(run: ModelEvaluationRun) -> Any:
                return progress(model, run)

        async def wait() -> tuple[ModelEvaluationRun, list[ModelEvaluationResult]]:
            run = await runs.wait(run_uuid, timeout=timeout, poll_interval=poll_interval, on_progress=callback)
            return run, await runs.results(run_uuid)

        return wait

    finished = await _gather([waiter(m, u) for m, u in zip(models, uuids, strict=True)])
    reference_rows = finished[0][1]
    results = tuple(
        _result(model, run, rows, chosen, None if index == 0 else reference_rows, float(max_regression))
        for index, (model, (run, rows)) in enumerate(zip(models, finished, strict=True))
    )
    failed = [r for r in results if str(getattr(r.run.status, "value", r.run.status)).endswith("_FAILED")]
    if failed:
        raise GradientEvalsError(
            f"model evaluation run of {failed[0].model} ended FAILED: {failed[0].run.error_description}"
        )
    return ModelComparison(
        dataset_uuid=dataset_uuid,
        judge_model_uuid=judge_uuid,
        metrics=tuple(str(m.metric_name) for m in chosen),
        models=results,
        pass_fail=tuple(str(m.metric_name) for m in chosen if _is_pass_fail(m)),
        inverted=tuple(str(m.metric_name) for m in chosen if m.inverted),
        max_regression=float(max_regression),
    )
