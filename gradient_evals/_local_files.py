"""Reading a small local file that may be hostile (a configuration, a schema, a list of inputs): bounded in size
before anything is decoded, and every way it can fail one :class:`LocalFileError` that the caller words in its own
error type.
"""

from __future__ import annotations

import os
from typing import Literal

__all__ = ["LocalFileError", "read_bounded", "read_bounded_text"]

Problem = Literal["missing", "unreadable", "too large", "not UTF-8"]


class LocalFileError(Exception):
    """Why the file cannot be used: ``problem``, and ``detail`` (the system's reason for ``missing`` and
    ``unreadable``, the offending byte and its line for ``not UTF-8``, the limit for ``too large``)."""

    def __init__(self, problem: Problem, detail: str) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem: Problem = problem
        self.detail = detail

    def describe(self, subject: str) -> str:
        """The problem as a sentence about ``subject`` (``"it"``, or the file's quoted path)."""
        if self.problem == "missing":
            return f"{subject} does not exist"
        if self.problem == "unreadable":
            return f"cannot read {subject}: {self.detail}"
        if self.problem == "too large":
            return f"{subject} is larger than {self.detail}"
        return f"{subject} is not UTF-8 text ({self.detail})"


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The file's bytes, read no further than one byte past ``limit``: a larger file is refused unread."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError as exc:
        raise LocalFileError("missing", exc.strerror or "no such file") from None
    except OSError as exc:
        raise LocalFileError("unreadable", exc.strerror or type(exc).__name__) from None
    if len(data) > limit:
        raise LocalFileError("too large", _size(limit))
    return data


def read_bounded_text(path: str | os.PathLike[str], limit: int, *, encoding: str = "utf-8") -> str:
    """The file's text (``utf-8``, or ``utf-8-sig`` to drop a byte-order mark), read as :func:`read_bounded`."""
    data = read_bounded(path, limit)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LocalFileError("not UTF-8", f"byte 0x{data[exc.start]:02x} on line {line}") from None


def _size(limit: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit} bytes"
