"""A word-level difference of two answers, as plain segments a renderer escapes and styles.

Words are runs of non-space characters; the whitespace between them stays with the word before it, so joining a
side's segments gives that side's text back. The texts are cleaned and clipped before they are compared, and the
comparison (Myers' shortest edit script) stops after
:data:`DIFF_WORK` steps: its cost grows with the number of changed words, so two long answers that share little
would otherwise cost seconds each. Past the budget both answers are given back whole, unmarked, and the result
says so (``compared`` is false).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Final, Literal

import attrs

from ._format import clean

__all__ = ["DIFF_LIMIT", "DIFF_WORK", "Segment", "WordDiff", "word_diff"]

DIFF_LIMIT: Final = 4000
"""Characters of each answer compared; the rest is cut (and marked as cut)."""
DIFF_WORK: Final = 40_000
"""Steps the comparison of one pair of answers may take (a diagonal tried, or a shared word followed); past it
the two answers are shown whole, without marks."""

_WORD: Final = re.compile(r"\S+\s*|\s+")
_Kind = Literal["same", "removed", "added"]


@attrs.frozen(kw_only=True)
class Segment:
    """A piece of one side: ``same`` on both sides, ``removed`` (baseline only) or ``added`` (now only)."""

    kind: _Kind
    text: str


@attrs.frozen(kw_only=True)
class WordDiff:
    """Both sides as segments. ``compared`` is false when the comparison ran out of :data:`DIFF_WORK`: each side
    is then one ``same`` segment holding the whole (clipped) answer. ``work`` is the steps spent."""

    before: list[Segment]
    after: list[Segment]
    compared: bool
    work: int


class _OverBudget(Exception):
    """The comparison would take more than its budget of steps."""


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _clip(text: object) -> str:
    value = clean(text)
    return value if len(value) <= DIFF_LIMIT else value[:DIFF_LIMIT] + " \u2026"


class _Myers:
    """Myers' O((N+M)D) shortest edit script between two sequences of word codes, counting every step."""

    def __init__(self, a: Sequence[int], b: Sequence[int], budget: int) -> None:
        self.a, self.b, self.budget, self.work = a, b, budget, 0

    def _spend(self, steps: int) -> None:
        self.work += steps
        if self.work > self.budget:
            raise _OverBudget

    def _forward(self) -> list[list[int]]:
        """The furthest x reached on each diagonal k (-d..d), after each round d, until both ends are reached."""
        a, b = self.a, self.b
        n, m = len(a), len(b)
        offset = n + m + 1
        v = [0] * (2 * offset + 1)
        trace: list[list[int]] = []
        for d in range(n + m + 1):
            self._spend(d + 1)
            for k in range(-d, d + 1, 2):
                if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                    x = v[offset + k + 1]
                else:
                    x = v[offset + k - 1] + 1
                y = x - k
                start = x
                while x < n and y < m and a[x] == b[y]:
                    x += 1
                    y += 1
                self._spend(x - start)
                v[offset + k] = x
                if x >= n and y >= m:
                    trace.append(v[offset - d : offset + d + 1])
                    return trace
            trace.append(v[offset - d : offset + d + 1])
        return trace  # pragma: no cover - round n + m always reaches both ends

    def script(self) -> list[_Kind]:
        """Each step from the start: a word both share, one ``removed`` from ``a`` or one ``added`` from ``b``."""
        trace = self._forward()
        x, y = len(self.a), len(self.b)
        steps: list[_Kind] = []
        for d in range(len(trace) - 1, 0, -1):
            previous = trace[d - 1]  # diagonal k is at previous[k + d - 1]
            k = x - y
            down = k == -d or (k != d and previous[k + d - 2] < previous[k + d])
            prev_k = k + 1 if down else k - 1
            prev_x = previous[prev_k + d - 1]
            prev_y = prev_x - prev_k
            mid_x = prev_x if down else prev_x + 1
            steps += ["same"] * (x - mid_x)
            steps.append("added" if down else "removed")
            x, y = prev_x, prev_y
        steps += ["same"] * x
        steps.reverse()
        return steps


def _side(marks: list[_Kind], words: list[str]) -> list[Segment]:
    """Consecutive words of one kind joined into one segment."""
    return [
        Segment(kind=kind, text="".join(word for _, word in run))
        for kind, run in itertools.groupby(zip(marks, words, strict=True), key=lambda pair: pair[0])
    ]


def word_diff(before: object, after: object, *, budget: int = DIFF_WORK) -> WordDiff:
    """The baseline's answer and today's as segments: what both share, what was removed, what was added; or both
    whole and unmarked when comparing them would take more than ``budget`` steps."""
    old, new = _words(_clip(before)), _words(_clip(after))
    codes: dict[str, int] = {}
    myers = _Myers(
        [codes.setdefault(w.strip(), len(codes)) for w in old],
        [codes.setdefault(w.strip(), len(codes)) for w in new],
        budget,
    )
    if not set(myers.a) & set(myers.b):  # nothing shared (also one side empty): no search needed
        return WordDiff(
            before=_side(["removed"] * len(old), old), after=_side(["added"] * len(new), new), compared=True, work=0
        )
    try:
        steps = myers.script()
    except _OverBudget:
        return WordDiff(
            before=_side(["same"] * len(old), old),
            after=_side(["same"] * len(new), new),
            compared=False,
            work=myers.work,
        )
    left = _side([s for s in steps if s != "added"], old)
    right = _side([s for s in steps if s != "removed"], new)
    return WordDiff(before=left, after=right, compared=True, work=myers.work)
