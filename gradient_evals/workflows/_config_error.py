"""The error of a suite configuration that cannot be used, naming the file, the suite and the key."""

from __future__ import annotations

from pathlib import Path

from .._exceptions import GradientEvalsError
from ._files import PathLike

__all__ = ["ConfigError"]


class ConfigError(GradientEvalsError, ValueError):
    """A suite configuration that cannot be used; the message names the file, the suite and the key."""

    def __init__(self, message: str, *, path: PathLike, suite: str | None = None, key: str | None = None) -> None:
        path = Path(path)
        where = str(path)
        if suite is not None:
            where += f": suite {suite!r}"
        if key is not None:
            where += f", key {key!r}" if suite is not None else f": key {key!r}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.suite = suite
        self.key = key
