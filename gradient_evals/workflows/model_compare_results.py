"""What a model comparison computes: each candidate's scores, run summary and paired statistics (data only)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..statistics import PairedComparison
from ..types.model_evaluation_runs import ModelEvaluationRun

__all__ = ["ModelComparison", "ModelResult"]


@attrs.frozen(kw_only=True)
class ModelResult:
    """One candidate model of a comparison: its run, its score per metric, and against the first candidate.

    ``scores`` holds each metric's mean over the rows (a pass rate in percent for a pass/fail metric);
    ``comparisons`` each metric's paired statistics against the first candidate, rows paired by input (empty for
    the first candidate itself). ``latency_p50_ms``/``latency_p95_ms``, ``tokens`` and ``cost`` come from the
    run's summary (None where the API gave none).
    """

    model: str
    eval_run_uuid: str
    run: ModelEvaluationRun
    rows: int
    scores: Mapping[str, float] = attrs.field(factory=dict)
    comparisons: Mapping[str, PairedComparison] = attrs.field(factory=dict)
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    tokens: int | str | None = None
    cost: float | None = None
    currency: str | None = None

    @property
    def label(self) -> str:
        """The model as the comparison names it."""
        return self.model


@attrs.frozen(kw_only=True)
class ModelComparison:
    """Several candidate models evaluated on one dataset by one judge with the same metrics.

    ``models[0]`` is the reference every other model is compared with; ``pass_fail`` names the metrics compared
    as pass/fail (McNemar), the others as numbers (paired t); ``inverted`` those better when lower.
    """

    dataset_uuid: str
    judge_model_uuid: str
    metrics: tuple[str, ...]
    models: tuple[ModelResult, ...]
    pass_fail: tuple[str, ...] = ()
    inverted: tuple[str, ...] = ()
    max_regression: float = 0.0
