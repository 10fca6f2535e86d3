"""Paired comparisons of two runs on one metric: numeric (paired t or bootstrap) and pass/fail (exact McNemar)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Final, Literal

import attrs

from ._comparison import (
    DEFAULT_CONFIDENCE,
    Method,
    PairedComparison,
    StatisticsInputError,
    check_margin,
    not_comparable,
)
from ._decision import decide, detectable_change, prompts_needed
from ._distributions import binomial_half_cdf, normal_cdf, normal_quantile, t_cdf, t_quantile
from ._pairing import MIN_PAIRED_FRACTION, Pairing

__all__ = ["DEFAULT_RESAMPLES", "INTERVALS", "Interval", "compare_numeric", "compare_pairing", "compare_pass_fail"]

Interval = Literal["t", "bootstrap"]
"""The interval of a numeric metric's paired change: paired t, or a bootstrap of the prompts."""
INTERVALS: Final[tuple[Interval, ...]] = ("t", "bootstrap")
"""Every :data:`Interval`, for callers that check a choice or offer one."""

DEFAULT_RESAMPLES: Final = 10_000
_MAX_RESAMPLES: Final = 1_000_000


def _checked_lengths(candidate: Sequence[object], baseline: Sequence[object]) -> None:
    if len(candidate) != len(baseline):
        raise StatisticsInputError(
            f"paired values come in pairs: {len(candidate)} candidate values against {len(baseline)} baseline values"
        )


def _p_worse(improvement: float, se: float, max_regression: float, df: float | None) -> float:
    """One-sided p of "worse by no more than the margin" (small when confidently worse than allowed)."""
    if se == 0:
        return 0.0 if improvement < -max_regression else 1.0
    statistic = (improvement + max_regression) / se
    return normal_cdf(statistic) if df is None else t_cdf(statistic, df)


def _finish(
    *,
    method: Method,
    n: int,
    delta: float,
    interval: tuple[float, float],
    p_value: float,
    p_worse: float,
    sd: float,
    max_regression: float,
    higher_is_better: bool,
    confidence: float,
) -> PairedComparison:
    low, high = interval
    worse_low, worse_high = (-high, -low) if higher_is_better else (low, high)
    outcome, reason = decide(worse_low, worse_high, max_regression, confidence)
    return PairedComparison(
        method=method,
        n=n,
        delta=delta,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        mde=detectable_change(sd, n, confidence),
        prompts_needed=prompts_needed(sd, max_regression, confidence) if outcome == "inconclusive" else None,
        outcome=outcome,
        reason=reason,
        max_regression=max_regression,
        higher_is_better=higher_is_better,
        confidence=confidence,
        spread=sd,
        p_worse=p_worse,
    )


def _mean_and_sd(values: Sequence[float]) -> tuple[float, float] | None:
    """The mean and sample standard deviation (n - 1), exactly summed; None when either overflows."""
    try:
        mean = math.fsum(values) / len(values)
        sd = math.sqrt(math.fsum((v - mean) * (v - mean) for v in values) / (len(values) - 1))
    except OverflowError:
        return None
    return (mean, sd) if math.isfinite(mean) and math.isfinite(sd) else None


def _bootstrap_means(differences: Sequence[float], resamples: int, seed: int | str | None) -> list[float]:
    rng = random.Random(0 if seed is None else seed)
    n = len(differences)
    return sorted(math.fsum(rng.choices(differences, k=n)) / n for _ in range(resamples))


def compare_numeric(
    candidate: Sequence[float],
    baseline: Sequence[float],
    *,
    max_regression: float,
    higher_is_better: bool = True,
    interval: Interval = "t",
    seed: int | str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
) -> PairedComparison:
    """Compare paired numeric values (``candidate[i]`` and ``baseline[i]`` are one prompt's) against the margin.

    The interval of the mean difference is the paired t interval, or with ``interval="bootstrap"`` the percentile
    interval of ``resamples`` resamples of prompts drawn with ``random.Random(seed)`` (the same seed, the same
    interval). The p-value is the paired t test's either way. Pairs holding a NaN or infinite value are left out;
    fewer than 2 pairs give a comparison that is not applied.
    """
    margin = check_margin(max_regression, confidence)
    if interval not in INTERVALS:
        raise StatisticsInputError(f"interval must be 't' or 'bootstrap', got {interval!r}")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or not 100 <= resamples <= _MAX_RESAMPLES:
        raise StatisticsInputError(f"resamples must be an integer from 100 to {_MAX_RESAMPLES:,}, got {resamples!r}")
    _checked_lengths(candidate, baseline)
    method: Method = "paired-t" if interval == "t" else "paired-bootstrap"
    differences = [c - b for c, b in zip(candidate, baseline, strict=True) if math.isfinite(c - b)]
    n = len(differences)
    if n < 2:
        reason = f"not comparable: {n} prompt{'' if n == 1 else 's'} paired (at least 2 are needed)"
        return not_comparable(method, n, reason, max_regression=margin, higher_is_better=higher_is_better)
    spread = _mean_and_sd(differences)
    if spread is None:  # differences near the float limits: their sum or spread overflows
        reason = "not comparable: the paired differences are too large to measure their spread"
        return not_comparable(method, n, reason, max_regression=margin, higher_is_better=higher_is_better)
    mean, sd = spread
    se = sd / math.sqrt(n)
    df = n - 1
    p_value = (1.0 if mean == 0 else 0.0) if se == 0 else min(1.0, 2 * t_cdf(-abs(mean) / se, df))
    improvement = mean if higher_is_better else -mean
    alpha = 1 - confidence
    if interval == "t":
        half = t_quantile(1 - alpha / 2, df) * se
        bounds = (mean - half, mean + half)
        p_worse = _p_worse(improvement, se, margin, df)
    else:
        means = _bootstrap_means(differences, resamples, seed)
        bounds = (means[int(alpha / 2 * resamples)], means[math.ceil((1 - alpha / 2) * resamples) - 1])
        allowed = -margin if higher_is_better else margin
        within = sum(1 for m in means if (m >= allowed if higher_is_better else m <= allowed))
        p_worse = within / resamples
    return _finish(
        method=method,
        n=n,
        delta=mean,
        interval=bounds,
        p_value=p_value,
        p_worse=p_worse,
        sd=sd,
        max_regression=margin,
        higher_is_better=higher_is_better,
        confidence=confidence,
    )


def compare_pass_fail(
    candidate: Sequence[bool],
    baseline: Sequence[bool],
    *,
    max_regression: float,
    confidence: float = DEFAULT_CONFIDENCE,
) -> PairedComparison:
    """Compare paired pass/fail outcomes: the change of pass rate in points, exact McNemar p, Agresti-Min interval.

    ``b`` counts the prompts the candidate passes and the baseline fails, ``c`` the reverse. The p-value is
    2 * P[Binomial(b + c, 1/2) <= min(b, c)], capped at 1; the interval is Agresti and Min's (2005) for matched
    proportions (half a prompt added to each cell), which never collapses to a point.
    """
    margin = check_margin(max_regression, confidence)
    _checked_lengths(candidate, baseline)
    n = len(candidate)
    if n < 2:
        reason = f"not comparable: {n} prompt{'' if n == 1 else 's'} paired (at least 2 are needed)"
        return not_comparable("mcnemar-exact", n, reason, max_regression=margin)
    b = sum(1 for c, base in zip(candidate, baseline, strict=True) if c and not base)
    c = sum(1 for cand, base in zip(candidate, baseline, strict=True) if base and not cand)
    discordant = b + c
    p_value = 1.0 if discordant == 0 else min(1.0, 2 * binomial_half_cdf(min(b, c), discordant))
    delta = 100.0 * (b - c) / n
    adjusted_n = n + 2
    centre = (b - c) / adjusted_n
    se = math.sqrt((discordant + 1) - (b - c) ** 2 / adjusted_n) / adjusted_n
    half = normal_quantile(1 - (1 - confidence) / 2) * se
    sd = 100.0 * math.sqrt(max(0.0, (discordant - (b - c) ** 2 / n) / (n - 1)))
    return _finish(
        method="mcnemar-exact",
        n=n,
        delta=delta,
        interval=(max(-100.0, 100.0 * (centre - half)), min(100.0, 100.0 * (centre + half))),
        p_value=p_value,
        p_worse=_p_worse(100.0 * centre, 100.0 * se, margin, None),
        sd=sd,
        max_regression=margin,
        higher_is_better=True,
        confidence=confidence,
    )


def compare_pairing(
    pairing: Pairing[float],
    *,
    pass_fail: bool,
    max_regression: float,
    higher_is_better: bool = True,
    interval: Interval = "t",
    seed: int | str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    min_fraction: float = MIN_PAIRED_FRACTION,
) -> PairedComparison:
    """Compare the pairs of :func:`pair_by_input`, or say why they are not comparable (fewer than 2 pairs, or
    under ``min_fraction`` of the candidate's prompts paired), with the pairing's counts on the result.

    With ``pass_fail`` the values are pass (>= 50, as a pass/fail metric's 100) or fail (its 0) and the test is
    McNemar's; otherwise :func:`compare_numeric` with ``interval``.
    """
    margin = check_margin(max_regression, confidence)
    reason = pairing.not_comparable_reason(min_fraction)
    method: Method = "mcnemar-exact" if pass_fail else ("paired-t" if interval == "t" else "paired-bootstrap")
    if reason is not None:
        result = not_comparable(
            method,
            pairing.n,
            f"{reason} ({pairing.describe()})",
            max_regression=margin,
            higher_is_better=higher_is_better or pass_fail,
        )
    elif pass_fail:
        result = compare_pass_fail(
            [c >= 50 for c, _ in pairing.pairs],
            [b >= 50 for _, b in pairing.pairs],
            max_regression=margin,
            confidence=confidence,
        )
    else:
        result = compare_numeric(
            [c for c, _ in pairing.pairs],
            [b for _, b in pairing.pairs],
            max_regression=margin,
            higher_is_better=higher_is_better,
            interval=interval,
            seed=seed,
            confidence=confidence,
        )
    return attrs.evolve(
        result, only_candidate=pairing.only_candidate, only_baseline=pairing.only_baseline, left_out=pairing.left_out
    )
