"""What the summarize and compare workflows return: per-metric statistics, comparisons and gate verdicts.

The definitions of count, errors, mean, pass rate and score are in :mod:`gradient_evals.workflows.summary`.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .._validation import check_metric_bounds
from .evaluation_runs import EvaluationRun

__all__ = ["MetricComparison", "MetricSummary", "PromptRegression", "RunComparison", "RunSummary", "Verdict"]


@attrs.frozen(kw_only=True)
class Verdict:
    """The outcome of a quality gate: ``passed``, and one line per reason it failed."""

    passed: bool
    reasons: tuple[str, ...] = ()


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


@attrs.frozen(kw_only=True)
class PromptRegression:
    """A prompt whose candidate value of one metric is worse than its base value by more than the tolerance.

    ``scale`` is what :attr:`relative` divides by, so that regressions of metrics on different scales (0-1 and
    0-100) can be ranked together: the metric's range (``range_max - range_min`` in the catalog; 100 for a
    percentage or a pass/fail metric), else the spread of the values the two runs gave the metric.
    """

    metric: str
    base_prompt_id: int | None
    candidate_prompt_id: int | None
    input: str | None
    base_value: float
    candidate_value: float
    inverted: bool = False
    scale: float | None = None

    @property
    def delta(self) -> float:
        """``candidate_value - base_value`` (negative: it fell; worse unless the metric is inverted)."""
        return self.candidate_value - self.base_value

    @property
    def worsening(self) -> float:
        """How much worse the candidate is, in the metric's units (positive)."""
        return self.delta if self.inverted else -self.delta

    @property
    def relative(self) -> float | None:
        """:attr:`worsening` as a share of :attr:`scale` (0.25: a quarter of the metric's range), if known."""
        return None if not self.scale else self.worsening / self.scale


@attrs.frozen(kw_only=True)
class MetricComparison:
    """One metric in both runs: the summaries, the change in score, and how many prompts regressed."""

    name: str
    base: MetricSummary | None
    candidate: MetricSummary | None
    regressed: int = 0
    inverted: bool = False
    """True when lower is better for this metric: a negative :attr:`delta` is then an improvement."""

    @property
    def delta(self) -> float | None:
        """Candidate score minus base score (``None`` unless both runs have a score)."""
        if self.base is None or self.candidate is None:
            return None
        b, c = self.base.score, self.candidate.score
        return None if b is None or c is None else c - b

    @property
    def improvement(self) -> float | None:
        """:attr:`delta` signed so that positive is better: ``-delta`` for an inverted metric."""
        delta = self.delta
        return None if delta is None else (-delta if self.inverted else delta)


@attrs.frozen(kw_only=True)
class RunComparison:
    """A candidate run measured against a base run, and the verdict of the gate."""

    base: RunSummary
    candidate: RunSummary
    matched: int
    unmatched_base: int
    unmatched_candidate: int
    metrics: Mapping[str, MetricComparison]
    regressions: tuple[PromptRegression, ...]
    verdict: Verdict

    @property
    def passed(self) -> bool:
        """True when the candidate passed the gate."""
        return self.verdict.passed
