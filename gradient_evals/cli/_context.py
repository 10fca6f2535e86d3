"""What every command shares: the exit codes, :class:`CommandError`, and the :class:`Context` it runs in."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:
    from .._sync import GradientEvals

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_CODES",
    "EXIT_GATE_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RUN_FAILED",
    "EXIT_USAGE",
    "PROG",
    "CommandError",
    "Context",
]

PROG: Final = "gradient-evals"

EXIT_OK: Final = 0
EXIT_GATE_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_API_ERROR: Final = 3
EXIT_RUN_FAILED: Final = 4
EXIT_INTERRUPTED: Final = 130

EXIT_CODES: Final[tuple[tuple[int, str], ...]] = (
    (EXIT_OK, "success"),
    (EXIT_GATE_FAILED, "a quality gate failed (--fail-under, --threshold, --min-score, --fail-on-regression)"),
    (EXIT_USAGE, "usage error: bad arguments, no access token"),
    (EXIT_API_ERROR, "API, network or file error (the message names the request, status and request id)"),
    (EXIT_RUN_FAILED, "an evaluation run FAILED or was CANCELLED, or waiting for it timed out"),
)
"""Every exit code of the command line and its meaning: the one table ``--help`` and the README show."""


class CommandError(Exception):
    """A failure the command reports in one line, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


class Context:
    """What a command needs: its arguments, where to write, and a way to build the client."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> None:
        self.args = args
        self.stdout = stdout
        self.stderr = stderr
        self.json: bool = bool(getattr(args, "json", False))

    @property
    def stderr_tty(self) -> bool:
        """Whether stderr is a terminal (progress is drawn there only then)."""
        isatty = getattr(self.stderr, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def out(self, text: str = "") -> None:
        """A line (or block) of human-readable output on stdout."""
        self.stdout.write(text if text.endswith("\n") else text + "\n")

    def note(self, text: str) -> None:
        """A line for people, on stderr, so stdout stays clean for pipes."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def client(self) -> GradientEvals:
        """A blocking client from ``--token``/``--base-url`` or the environment; use it in a ``with`` block."""
        from .._exceptions import ConfigurationError
        from .._sync import GradientEvals

        try:
            return GradientEvals(getattr(self.args, "token", None), base_url=getattr(self.args, "base_url", None))
        except ConfigurationError as exc:
            raise CommandError(f"{exc} (or pass --token)" if "token" in str(exc) else str(exc), EXIT_USAGE) from None
