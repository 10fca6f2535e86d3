"""Pairing two runs' values prompt by prompt, and the rule that says when enough of them paired."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Final, Generic, TypeVar

import attrs

__all__ = ["MIN_PAIRED_FRACTION", "Pairing", "pair_by_input"]

MIN_PAIRED_FRACTION: Final = 0.9
"""Below this share of the candidate's prompts paired, two runs are not comparable."""

V = TypeVar("V", float, bool)


@attrs.frozen(kw_only=True)
class Pairing(Generic[V]):
    """Two runs' values of one metric matched by key (the test case and the prompt's input text).

    ``pairs`` holds ``(candidate, baseline)`` in the candidate's order. ``only_candidate`` and ``only_baseline``
    count the prompts whose key is in one run alone; ``left_out`` counts the NaN or infinite values (either run),
    which pair with nothing; ``candidate_total`` is every prompt of the candidate that had a value.
    """

    pairs: tuple[tuple[V, V], ...]
    only_candidate: int = 0
    only_baseline: int = 0
    left_out: int = 0
    candidate_total: int = 0

    @property
    def n(self) -> int:
        """The number of paired prompts."""
        return len(self.pairs)

    def not_comparable_reason(self, min_fraction: float = MIN_PAIRED_FRACTION) -> str | None:
        """Why these pairs cannot decide a regression, or None when they can."""
        if self.n < 2:
            return f"not comparable: {self.n} prompt{'' if self.n == 1 else 's'} paired (at least 2 are needed)"
        share = self.n / max(self.candidate_total, self.n)
        if share < min_fraction:
            return (
                f"not comparable: {self.n} of the candidate's {self.candidate_total} prompts paired with the"
                f" baseline by input ({share:.0%}; at least {min_fraction:.0%} must)"
            )
        return None

    def describe(self) -> str:
        """One line for a report: how many paired, and how many were in one run only or left out."""
        parts = [f"{self.n} paired"]
        if self.only_candidate:
            parts.append(f"{self.only_candidate} only in the candidate")
        if self.only_baseline:
            parts.append(f"{self.only_baseline} only in the baseline")
        if self.left_out:
            parts.append(f"{self.left_out} non-finite value{'' if self.left_out == 1 else 's'} left out")
        return ", ".join(parts)


def pair_by_input(candidate: Iterable[tuple[Hashable, V]], baseline: Iterable[tuple[Hashable, V]]) -> Pairing[V]:
    """Pair ``(key, value)`` items of two runs by key; the k-th occurrence of a key pairs with the k-th.

    A key is whatever identifies a prompt across runs: callers use ``(test case, input text)``. NaN and infinite
    values are left out (and counted in ``left_out``): such a prompt pairs with nothing, nor does its partner.
    """
    finite = math.isfinite  # True for booleans too
    waiting: dict[Hashable, list[V]] = {}
    for key, value in baseline:
        slot = waiting.get(key)
        if slot is None:
            waiting[key] = [value]
        else:
            slot.append(value)
    taken: dict[Hashable, int] = {}
    pairs: list[tuple[V, V]] = []
    only_candidate = left_out = total = 0
    for key, value in candidate:
        total += 1
        slot = waiting.get(key)
        used = taken.get(key, 0)
        if slot is None or used >= len(slot):
            if finite(value):
                only_candidate += 1
            else:
                left_out += 1
            continue
        taken[key] = used + 1
        partner = slot[used]
        if finite(value) and finite(partner):
            pairs.append((value, partner))
        else:
            left_out += (not finite(value)) + (not finite(partner))
    only_baseline = 0
    for key, slot in waiting.items():
        for value in slot[taken.get(key, 0) :]:
            if finite(value):
                only_baseline += 1
            else:
                left_out += 1
    return Pairing(
        pairs=tuple(pairs),
        only_candidate=only_candidate,
        only_baseline=only_baseline,
        left_out=left_out,
        candidate_total=total,
    )
