"""What the summarize workflow computes: per-metric statistics of a run, and the verdict of a gate on them.

The definitions of count, errors, mean, pass rate and score are in :mod:`gradient_evals.workflows.summary`; the
public home of these classes is :mod:`gradient_evals.results`.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .._validation import check_metric_bounds
from ..types.evaluation_runs import EvaluationRun

__all__ = ["MetricSummary", "RunSummary", "Verdict"]


@attrs.frozen(kw_only=True)
class Verdict:
    """The outcome of a quality gate: ``passed``, one line per reason it failed, and one per note on how it was
    decided (a comparison the prompts could not decide, a gate decided on two scores for want of pairs)."""

    passed: bool
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class MetricSummary:
    """One metric over all prompts of a run (see the module documentation for the definitions)."""

    name: str
    value_type: str | None = None
    count: int = 0
    errors: int = 0
    mean: float | None = None
    min: float | None = None
    max: float | None = None
    passed: int | None = None
    failed: int | None = None
    inverted: bool = False
    """True for a metric where lower is better (its pass threshold and gate bounds are ceilings)."""
    value_counts: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def pass_rate(self) -> float | None:
        """Share of judged prompts that passed (0-1), or ``None`` when this metric has no notion of pass."""
        if self.passed is None or self.failed is None or self.passed + self.failed == 0:
            return None
        return self.passed / (self.passed + self.failed)

    @property
    def score(self) -> float | None:
        """What gates compare: the mean, else the pass rate in percent, else ``None``."""
        if self.mean is not None:
            return self.mean
        rate = self.pass_rate
        return None if rate is None else rate * 100.0


@attrs.frozen(kw_only=True)
class RunSummary:
    """Per-metric statistics of a run's prompt results."""

    evaluation_run_uuid: str
    run: EvaluationRun | None = None
    prompt_count: int = 0
    metrics: Mapping[str, MetricSummary] = attrs.field(factory=dict)

    @property
    def error_count(self) -> int:
        """Metric results that errored, over all prompts and metrics."""
        return sum(m.errors for m in self.metrics.values())

    def metric(self, name: str) -> MetricSummary | None:
        """The summary of the metric called ``name``, if the run has it."""
        return self.metrics.get(name)

    def check(self, min_scores: Mapping[str, float]) -> Verdict:
        """Gate on scores: ``{"correctness": 75}`` fails unless correctness's score is >= 75.

        For an inverted metric (lower is better) the bound is a ceiling: ``{"hallucination": 5}`` fails when
        its score is above 5. A bound that is not a number (NaN included) raises ``ValueError``/``TypeError``.
        """
        reasons: list[str] = []
        for name, bound in check_metric_bounds(min_scores, "min_scores").items():
            metric = self.metrics.get(name)
            if metric is None:
                reasons.append(f"{name}: no such metric in run {self.evaluation_run_uuid}")
                continue
            reason = score_failure(metric, bound)
            if reason is not None:
                reasons.append(f"{name}: {reason}")
        return Verdict(passed=not reasons, reasons=tuple(reasons))


def score_failure(metric: MetricSummary, bound: float, whose: str = "") -> str | None:
    """Why ``metric``'s score fails the bound (a floor, or a ceiling for an inverted metric); ``None`` if it
    passes."""
    score = metric.score
    if score is None:
        return f"{whose}has no numeric score to compare with {bound:g}"
    if metric.inverted and score > bound:
        return f"{whose}{score:.4g} is above {bound:g} (lower is better)"
    if not metric.inverted and score < bound:
        return f"{whose}{score:.4g} is below {bound:g}"
    return None
