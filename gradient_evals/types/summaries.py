"""What the summarize and compare workflows return: per-metric statistics, comparisons and gate verdicts.

The definitions of count, errors, mean, pass rate and score are in :mod:`gradient_evals.workflows.summary`.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

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
        """Gate on minimum scores: ``{"correctness": 75}`` fails unless correctness's score is >= 75."""
        reasons: list[str] = []
        for name, floor in min_scores.items():
            metric = self.metrics.get(name)
            score = None if metric is None else metric.score
            if metric is None:
                reasons.append(f"{name}: no such metric in run {self.evaluation_run_uuid}")
            elif score is None:
                reasons.append(f"{name}: has no numeric score to compare with {floor:g}")
            elif score < floor:
                reasons.append(f"{name}: {score:.4g} is below {floor:g}")
        return Verdict(passed=not reasons, reasons=tuple(reasons))


@attrs.frozen(kw_only=True)
class PromptRegression:
    """A prompt whose candidate value of one metric is worse than its base value by more than the tolerance."""

    metric: str
    base_prompt_id: int | None
    candidate_prompt_id: int | None
    input: str | None
    base_value: float
    candidate_value: float

    @property
    def delta(self) -> float:
        """``candidate_value - base_value`` (negative: it got worse)."""
        return self.candidate_value - self.base_value


@attrs.frozen(kw_only=True)
class MetricComparison:
    """One metric in both runs: the summaries, the change in score, and how many prompts regressed."""

    name: str
    base: MetricSummary | None
    candidate: MetricSummary | None
    regressed: int = 0

    @property
    def delta(self) -> float | None:
        """Candidate score minus base score (``None`` unless both runs have a score)."""
        if self.base is None or self.candidate is None:
            return None
        b, c = self.base.score, self.candidate.score
        return None if b is None or c is None else c - b


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
