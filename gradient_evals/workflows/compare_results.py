"""What the compare workflow computes: a candidate run measured against a base run, metric by metric and prompt
by prompt, with the verdict of the gate.

How prompts are matched and what counts as a regression is in :mod:`gradient_evals.workflows.compare`; the
public home of these classes is :mod:`gradient_evals.results`.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..statistics import PairedComparison
from .summary_results import MetricSummary, RunSummary, Verdict

__all__ = ["MetricComparison", "PromptRegression", "RunComparison"]


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
    statistics: PairedComparison | None = None
    """The change on the prompts paired by input: interval, p-value, n, and the decision against the margin (a
    gate's ``max_regression``, else the comparison's tolerance). ``None`` when a run has no score for it."""

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
