"""Reading a hand-written TOML file that may be hostile: bounded in size and in nesting before it is parsed.

``tomllib`` parses nested arrays and inline tables by recursion, so a file nested thousands deep either raises
``RecursionError`` or, where a program raised the recursion limit, runs out of the C stack. The nesting is
therefore measured on the text first (brackets and braces outside strings and comments: an upper bound of the
real nesting, table headers counting one or two), and a file deeper than :data:`MAX_NESTING` is refused unparsed.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Final

from .._local_files import LocalFileError, read_bounded_text

__all__ = ["MAX_BYTES", "MAX_NESTING", "TomlFileError", "read_toml"]

MAX_BYTES: Final = 1024 * 1024
"""A configuration larger than this is refused unread: it is no hand-written list of suites."""
MAX_NESTING: Final = 64
"""Arrays and inline tables nested deeper than this are refused before parsing."""

_QUOTES: Final = ('"""', "'''", '"', "'")
_SIGNIFICANT: Final = re.compile(r"[#\"'\[\]{}]")


class TomlFileError(ValueError):
    """The file cannot be used; the message says why (the caller names the file)."""


def read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML, or a :class:`TomlFileError`: unreadable, too large, not UTF-8, too deep, not TOML."""
    try:
        text = read_bounded_text(path, MAX_BYTES)
    except LocalFileError as exc:
        raise TomlFileError(exc.describe("it")) from None
    if _nesting(text) > MAX_NESTING:
        raise TomlFileError(f"not valid TOML here: its arrays or tables nest too deeply (more than {MAX_NESTING})")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError(f"not valid TOML: {exc}") from None
    except RecursionError:  # a recursion limit lowered below what MAX_NESTING needs
        raise TomlFileError("not valid TOML here: its arrays or tables nest too deeply") from None


def _nesting(text: str) -> int:
    """The deepest run of open ``[``/``{`` outside strings and comments (unbalanced text is tomllib's to refuse)."""
    depth = deepest = 0
    found = _SIGNIFICANT.search(text)
    while found is not None:
        at, char = found.start(), found.group()
        if char == "#":
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline
        elif char in "\"'":
            at = _after_string(text, at) - 1
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
        found = _SIGNIFICANT.search(text, at + 1)
    return deepest


def _after_string(text: str, at: int) -> int:
    """The index just past the string starting at ``at`` (the end of the text when it is not closed)."""
    quote = next(q for q in _QUOTES if text.startswith(q, at))
    escapes = quote[0] == '"'
    at += len(quote)
    while at < len(text):
        if escapes and text[at] == "\\":
            at += 2
            continue
        if text.startswith(quote, at):
            at += len(quote)
            if len(quote) == 3:  # a multi-line string may end with one or two quotes of its own before the three
                extra = 0
                while extra < 2 and text.startswith(quote[0], at):
                    at, extra = at + 1, extra + 1
            return at
        if len(quote) == 1 and text[at] == "\n":  # a one-line string ends at the line's end in any case
            return at
        at += 1
    return at
