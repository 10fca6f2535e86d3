"""Deciding a paired comparison against the allowed worsening, Holm's correction, and the power of a test."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import attrs

from ._comparison import Outcome, PairedComparison
from ._distributions import t_quantile

__all__ = ["apply_holm", "decide", "detectable_change", "holm", "prompts_needed"]

POWER: Final = 0.8
_MAX_PROMPTS: Final = 10**9


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def decide(worse_low: float, worse_high: float, max_regression: float, confidence: float) -> tuple[Outcome, str]:
    """The outcome of a worsening interval (positive: worse) against the allowance, and why in words."""
    level = f"{confidence:.0%}"
    allowed = _number(max_regression)
    if worse_low > max_regression:
        return "failed", f"the whole {level} interval is worse than the allowed worsening of {allowed}"
    if worse_high <= max_regression:
        return "passed", f"the whole {level} interval is within the allowed worsening of {allowed}"
    return "inconclusive", f"the {level} interval straddles the allowed worsening of {allowed}"


def detectable_change(sd: float, n: int, confidence: float) -> float:
    """The change that ``n`` paired prompts of this spread detect with 80% power (two-sided, at ``confidence``)."""
    df = n - 1
    return (t_quantile(1 - (1 - confidence) / 2, df) + t_quantile(POWER, df)) * sd / math.sqrt(n)


def prompts_needed(sd: float, max_regression: float, confidence: float) -> int | None:
    """The paired prompts whose detectable change is ``max_regression``.

    None when no number of prompts would do: a margin of 0, or more than a billion prompts.
    """
    if sd == 0:
        return 2
    if max_regression <= 0:
        return None
    z = (t_quantile(1 - (1 - confidence) / 2, 1e9) + t_quantile(POWER, 1e9)) * (sd / max_regression)
    if not z * z < _MAX_PROMPTS:
        return None
    n = max(2, math.ceil(z * z))
    for _ in range(20):  # the t quantiles shrink as n grows: step up until the change is detectable
        if detectable_change(sd, n, confidence) <= max_regression:
            break
        n = max(n + 1, math.ceil(n * (detectable_change(sd, n, confidence) / max_regression) ** 2))
    return n if n <= _MAX_PROMPTS else None


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (each capped at 1, never below the one before)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def apply_holm(comparisons: Sequence[PairedComparison]) -> list[PairedComparison]:
    """The gated comparisons of one agent decided together, so that more metrics do not mean more false alarms.

    ``p_adjusted`` is Holm's adjustment of each ``p_value``. A failure stands only when Holm's step-down on the
    one-sided tests against the margin (``p_worse``) rejects it at the interval's level; one that does not becomes
    inconclusive, and says why. Comparisons that were not applied are returned as they are.
    """
    decided = [i for i, c in enumerate(comparisons) if c.p_value is not None and c.p_worse is not None]
    out = list(comparisons)
    if not decided:
        return out
    raw = holm([comparisons[i].p_value or 0.0 for i in decided])
    worse = holm([comparisons[i].p_worse or 0.0 for i in decided])
    count = len(decided)
    for position, index in enumerate(decided):
        comparison = comparisons[index]
        comparison = attrs.evolve(comparison, p_adjusted=raw[position])
        if comparison.outcome == "failed" and worse[position] > (1 - comparison.confidence) / 2:
            needed = (
                None
                if comparison.spread is None
                else prompts_needed(comparison.spread, comparison.max_regression, comparison.confidence)
            )
            comparison = attrs.evolve(
                comparison,
                outcome="inconclusive",
                prompts_needed=needed,
                reason=f"{comparison.reason}, but not after Holm's correction across {count} gated metrics"
                f" (adjusted one-sided p = {worse[position]:.3g})",
            )
        out[index] = comparison
    return out
