"""A word-level difference of two answers, as plain segments a renderer escapes and styles.

Words are runs of non-space characters; the whitespace between them stays with the word before it, so joining a
side's segments gives that side's text back. The texts are cleaned and clipped before they are compared, which
bounds the work (difflib's matcher is quadratic in the worst case) whatever an agent answered.
"""

from __future__ import annotations

import difflib
import re
from typing import Final, Literal

import attrs

from ._format import clean

__all__ = ["DIFF_LIMIT", "Segment", "word_diff"]

DIFF_LIMIT: Final = 4000
"""Characters of each answer compared; the rest is cut (and marked as cut)."""

_WORD: Final = re.compile(r"\S+\s*|\s+")


@attrs.frozen(kw_only=True)
class Segment:
    """A piece of one side: ``same`` on both sides, ``removed`` (baseline only) or ``added`` (now only)."""

    kind: Literal["same", "removed", "added"]
    text: str


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _clip(text: object) -> str:
    value = clean(text)
    return value if len(value) <= DIFF_LIMIT else value[:DIFF_LIMIT] + " \u2026"


def word_diff(before: object, after: object) -> tuple[list[Segment], list[Segment]]:
    """The baseline's answer and today's as segments: what both share, what was removed, what was added."""
    old, new = _words(_clip(before)), _words(_clip(after))
    matcher = difflib.SequenceMatcher(a=[w.strip() for w in old], b=[w.strip() for w in new], autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(Segment(kind="same", text="".join(old[i1:i2])))
            right.append(Segment(kind="same", text="".join(new[j1:j2])))
            continue
        if i2 > i1:
            left.append(Segment(kind="removed", text="".join(old[i1:i2])))
        if j2 > j1:
            right.append(Segment(kind="added", text="".join(new[j1:j2])))
    return left, right
