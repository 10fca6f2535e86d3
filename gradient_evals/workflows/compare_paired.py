"""The paired statistics of two runs, metric by metric: prompts keyed by input, compared on the paired ones.

Prompts pair by their input text with surrounding whitespace removed (the rule the slices use), within the one
test case both runs belong to; a prompt without an input pairs with nothing. A metric is compared as pass/fail
(exact McNemar) when its score is a pass rate in both runs, else as a number (paired t, or a bootstrap with a
seed made of the two run UUIDs). See :mod:`gradient_evals.statistics` for the tests and the decision rule.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Final, TypeVar

from ..statistics import Interval, PairedComparison, compare_pairing, pair_by_input
from .summary_results import MetricSummary

__all__ = [
    "Interval",
    "KeyedValues",
    "by_occurrence",
    "describe_change",
    "input_key",
    "is_pass_fail",
    "paired_metrics",
    "slice_key",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


KeyedValues = Sequence[tuple[Hashable, Mapping[str, float]]]
"""Each prompt of a run as ``(its pairing key, its comparable metric values)``."""

_NO_INPUT: Final = "no input"


def slice_key(text: str | None) -> str | None:
    """How prompt inputs are matched to dataset rows: the text with surrounding whitespace removed."""
    return None if text is None else text.strip()


def input_key(text: str | None, position: int) -> Hashable:
    """The key a prompt pairs by: its stripped input text; a prompt without one gets a key nothing else has."""
    key = slice_key(text)
    return (_NO_INPUT, position) if key is None else key


def by_occurrence(items: Iterable[T], key: Callable[[T, int], K]) -> Iterator[tuple[tuple[K, int], T]]:
    """Each of one run's items with ``(its key, which occurrence of that key it is)``, counting from 1.

    ``key`` gets the item and its position. A dataset may hold one input twice: the k-th prompt of an input in one
    run matches the k-th of that input in another, never the first twice.
    """
    seen: Counter[K] = Counter()
    for position, item in enumerate(items):
        found = key(item, position)
        seen[found] += 1
        yield (found, seen[found]), item


def is_pass_fail(*summaries: MetricSummary | None) -> bool:
    """True when the metric's score is a pass rate (no mean) in every run that has it."""
    present = [s for s in summaries if s is not None]
    return bool(present) and all(s.mean is None and s.pass_rate is not None for s in present)


def _values(keyed: KeyedValues, name: str) -> Iterable[tuple[Hashable, float]]:
    return ((key, values[name]) for key, values in keyed if name in values)


def paired_metrics(
    candidate: KeyedValues,
    baseline: KeyedValues,
    metrics: Mapping[str, tuple[MetricSummary | None, MetricSummary | None]],
    *,
    margins: Mapping[str, float],
    default_margin: float,
    inverted: Collection[str],
    interval: Interval = "t",
    seed: str | None = None,
) -> dict[str, PairedComparison]:
    """Each metric with a score in both runs, compared on the paired prompts against its margin.

    ``metrics`` maps a name to its (candidate, baseline) summaries; ``margins`` the allowed worsening per metric,
    ``default_margin`` for the others.
    """
    out: dict[str, PairedComparison] = {}
    for name, (mine, theirs) in metrics.items():
        if mine is None or theirs is None or mine.score is None or theirs.score is None:
            continue
        out[name] = compare_pairing(
            pair_by_input(_values(candidate, name), _values(baseline, name)),
            pass_fail=is_pass_fail(mine, theirs),
            max_regression=margins.get(name, default_margin),
            higher_is_better=name not in inverted,
            interval=interval,
            seed=seed,
        )
    return out


def _number(value: float) -> str:
    # The digits of the reports' tables (reports/_format.py), so one change reads the same everywhere.
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"


def describe_change(metric: str, statistic: PairedComparison) -> str:
    """One line: the change with its interval, p and n, e.g. ``correctness: got worse by 4.2 (95% interval -6.1 to
    -2.3, p = 0.0004, 100 paired prompts, paired-t)``; a comparison not applied gives its reason."""
    if statistic.delta is None or statistic.ci_low is None or statistic.ci_high is None:
        return f"{metric}: {statistic.reason}"
    worsening = -statistic.delta if statistic.higher_is_better else statistic.delta
    if worsening == 0 or not math.isfinite(worsening):
        change = "unchanged"
    else:
        change = f"got {'worse' if worsening > 0 else 'better'} by {_number(abs(worsening))}"
    p = "" if statistic.p_value is None else f", p = {statistic.p_value:.2g}"
    unpaired = "".join(
        f", {count} {what}"
        for count, what in (
            (statistic.only_candidate, "only in this run"),
            (statistic.only_baseline, "only in the baseline"),
            (statistic.left_out, "non-finite values left out"),
        )
        if count
    )
    return (
        f"{metric}: {change} ({statistic.confidence:.0%} interval of the change {_number(statistic.ci_low)} to"
        f" {_number(statistic.ci_high)}{p}, {statistic.n} paired prompts{unpaired}, {statistic.method})"
    )
