"""Paired statistics of two runs: pure functions, no I/O, the standard library only.

A regression gate pairs the candidate's prompts with the baseline's by input (:func:`pair_by_input`), compares
each gated metric on the paired prompts (:func:`compare_numeric`: paired t or bootstrap interval;
:func:`compare_pass_fail`: exact McNemar), decides the interval against the allowed worsening (passed, failed or
inconclusive) and corrects across an agent's gated metrics with Holm's method (:func:`apply_holm`).
"""

from __future__ import annotations

from ._comparison import Method, Outcome, PairedComparison, StatisticsInputError, not_comparable
from ._decision import apply_holm, detectable_change, holm, prompts_needed
from ._distributions import binomial_half_cdf, t_cdf, t_quantile
from ._paired import DEFAULT_RESAMPLES, INTERVALS, Interval, compare_numeric, compare_pairing, compare_pass_fail
from ._pairing import MIN_PAIRED_FRACTION, Pairing, pair_by_input

__all__ = [
    "DEFAULT_RESAMPLES",
    "INTERVALS",
    "MIN_PAIRED_FRACTION",
    "Interval",
    "Method",
    "Outcome",
    "PairedComparison",
    "Pairing",
    "StatisticsInputError",
    "apply_holm",
    "binomial_half_cdf",
    "compare_numeric",
    "compare_pairing",
    "compare_pass_fail",
    "detectable_change",
    "holm",
    "not_comparable",
    "pair_by_input",
    "prompts_needed",
    "t_cdf",
    "t_quantile",
]
