"""The few distribution functions the paired tests need, on the standard library alone.

Student's t through the regularized incomplete beta function (a continued fraction, evaluated by the modified
Lentz method), its quantile by a safeguarded Newton iteration, and the lower tail of a Binomial(n, 1/2) exactly in
integers. Accurate to about 1e-13, far past what a report shows, and checked against scipy in the tests.
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist
from typing import Final

from .._exceptions import InvalidArgumentError

__all__ = ["binomial_half_cdf", "normal_cdf", "normal_quantile", "regularized_beta", "t_cdf", "t_quantile"]

_EPS: Final = 1e-16
_TINY: Final = 1e-300
_MAX_TERMS: Final = 10_000
_EXACT_BINOMIAL_UP_TO: Final = 20_000
_STANDARD_NORMAL: Final = NormalDist()


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (converges fast for x < (a + 1) / (a + b + 2))."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def _t_upper_tail(t: float, df: float) -> float:
    """P[T > t] for t >= 0, computed directly so that tiny tails keep their digits."""
    square = t * t
    if square < 1.0:  # near the centre: the mass between 0 and t, which keeps its digits when t is tiny
        return 0.5 - 0.5 * regularized_beta(0.5, df / 2.0, square / (df + square))
    return 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + square))


def t_cdf(t: float, df: float) -> float:
    """P[T <= t] for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    return 1.0 - _t_upper_tail(t, df) if t > 0 else _t_upper_tail(-t, df)


def _t_pdf(t: float, df: float) -> float:
    log_norm = math.lgamma((df + 1.0) / 2.0) - math.lgamma(df / 2.0) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1.0) / 2.0 * math.log1p(t * t / df))


def t_quantile(p: float, df: float) -> float:
    """The t with P[T <= t] = p (0 < p < 1)."""
    if not 0.0 < p < 1.0:
        raise InvalidArgumentError(f"a quantile needs 0 < p < 1, got {p!r}")
    if p == 0.5:
        return 0.0
    return -_t_upper_quantile(p, df) if p < 0.5 else _t_upper_quantile(1.0 - p, df)


@functools.lru_cache(maxsize=4096)
def _t_upper_quantile(tail: float, df: float) -> float:
    """The t >= 0 with P[T > t] = tail, by Newton steps kept inside a bracket that halves when they stray."""
    low, high = 0.0, 1.0
    while _t_upper_tail(high, df) > tail:
        low, high = high, high * 2.0
    t = min(max(-_STANDARD_NORMAL.inv_cdf(tail), low), high)
    for _ in range(200):
        error = tail - _t_upper_tail(t, df)  # increases with t, like the CDF
        if error > 0:
            high = t
        else:
            low = t
        candidate = t - error / _t_pdf(t, df)
        if not low < candidate < high:
            candidate = (low + high) / 2.0
        if abs(candidate - t) <= 1e-15 * max(1.0, abs(t)):
            return candidate
        t = candidate
    return t


def normal_cdf(z: float) -> float:
    """P[Z <= z] for the standard normal."""
    return _STANDARD_NORMAL.cdf(z)


def normal_quantile(p: float) -> float:
    """The z with P[Z <= z] = p."""
    return _STANDARD_NORMAL.inv_cdf(p)


def binomial_half_cdf(k: int, n: int) -> float:
    """P[Binomial(n, 1/2) <= k], exactly in integers up to 20,000 trials, else through the incomplete beta."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if n > _EXACT_BINOMIAL_UP_TO:
        return regularized_beta(n - k, k + 1, 0.5)
    total, term = 0, 1
    for i in range(k + 1):
        total += term
        term = term * (n - i) // (i + 1)
    return total / (1 << n)  # int / int rounds correctly however large both are
