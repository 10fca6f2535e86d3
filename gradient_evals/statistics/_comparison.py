"""The result of a paired comparison of two runs on one metric, and its decision against the allowed worsening."""

from __future__ import annotations

import math
from typing import Any, Final, Literal

import attrs

from .._exceptions import GradientEvalsError

__all__ = ["Method", "Outcome", "PairedComparison", "StatisticsInputError", "check_margin", "not_comparable"]

Method = Literal["paired-t", "paired-bootstrap", "mcnemar-exact"]
Outcome = Literal["passed", "failed", "inconclusive", "not_applied"]

DEFAULT_CONFIDENCE: Final = 0.95


class StatisticsInputError(GradientEvalsError, ValueError):
    """A comparison was asked for with values it cannot take (a negative or non-finite margin, an unknown method)."""


def check_margin(max_regression: float, confidence: float = DEFAULT_CONFIDENCE) -> float:
    """``max_regression`` as a float, or a :class:`StatisticsInputError` saying why it cannot be a margin."""
    if isinstance(max_regression, bool) or not isinstance(max_regression, int | float):
        raise StatisticsInputError(f"max_regression must be a number of points, got {max_regression!r}")
    if not math.isfinite(max_regression) or max_regression < 0:
        raise StatisticsInputError(f"max_regression must be a finite number >= 0, got {max_regression!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise StatisticsInputError(f"confidence must be a number from 0.5 up to (not including) 1, got {confidence!r}")
    return float(max_regression)


@attrs.frozen(kw_only=True)
class PairedComparison:
    """A candidate run against its baseline on one metric, prompt by prompt, and what that decides.

    ``delta`` is the candidate's score minus the baseline's in the metric's own units (points of pass rate for a
    pass/fail metric); ``ci_low``/``ci_high`` its interval at ``confidence``; ``p_value`` the two-sided p-value of
    "no change" and ``p_adjusted`` the same after Holm's correction across an agent's gated metrics. ``mde`` is the
    smallest change this many prompts detect at 80% power, ``prompts_needed`` the prompts that would decide a
    worsening of ``max_regression`` (None once the gate is decided, or when no number would: a margin of 0).
    Without a comparison (``not_applied``) the numbers are None, never NaN.
    """

    method: Method
    n: int
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None = None
    mde: float | None = None
    prompts_needed: int | None = None
    outcome: Outcome
    reason: str
    max_regression: float
    higher_is_better: bool = True
    confidence: float = DEFAULT_CONFIDENCE
    spread: float | None = None
    """The standard deviation of the paired differences (what ``mde`` and ``prompts_needed`` are computed from)."""
    p_worse: float | None = None
    """One-sided p-value of "worse by no more than ``max_regression``": small when confidently worse than allowed."""
    only_candidate: int = 0
    """Prompts with a value in the candidate run whose input is not in the baseline (set by the pairing)."""
    only_baseline: int = 0
    """Prompts with a value in the baseline whose input is not in the candidate run."""
    left_out: int = 0
    """NaN or infinite values left out of the pairing."""

    @property
    def worsening_interval(self) -> tuple[float, float] | None:
        """The interval of the worsening (positive: worse) whatever the metric's direction."""
        if self.ci_low is None or self.ci_high is None:
            return None
        if self.higher_is_better:
            return (-self.ci_high, -self.ci_low)
        return (self.ci_low, self.ci_high)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form reports use: ``method``, ``n``, ``delta``, ``ci_low``, ``ci_high``, ``p_value``, ..."""
        return {
            "method": self.method,
            "n": self.n,
            "delta": self.delta,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "mde": self.mde,
            "prompts_needed": self.prompts_needed,
            "confidence": self.confidence,
            "max_regression": self.max_regression,
            "only_candidate": self.only_candidate,
            "only_baseline": self.only_baseline,
            "left_out": self.left_out,
        }


def not_comparable(
    method: Method, n: int, reason: str, *, max_regression: float, higher_is_better: bool = True
) -> PairedComparison:
    """A comparison that decides nothing (too few prompts paired), with the reason."""
    return PairedComparison(
        method=method,
        n=n,
        delta=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        outcome="not_applied",
        reason=reason,
        max_regression=max_regression,
        higher_is_better=higher_is_better,
    )
