"""What every command shares: the exit codes, :class:`CommandError`, and the :class:`Context` it runs in."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Final, TextIO

from ._render import terminal_safe

if TYPE_CHECKING:
    from .._sync import GradientEvals

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_BROKEN_PIPE",
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
EXIT_BROKEN_PIPE: Final = 141

EXIT_CODES: Final[tuple[tuple[int, str], ...]] = (
    (EXIT_OK, "success"),
    (EXIT_GATE_FAILED, "a quality gate failed (one of the gate options the command was given)"),
    (EXIT_USAGE, "usage error: bad arguments, no access token"),
    (EXIT_API_ERROR, "API, network or file error (the message names the request, status and request id)"),
    (EXIT_RUN_FAILED, "an evaluation run FAILED or was CANCELLED, or waiting for it timed out"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_BROKEN_PIPE, "stdout was closed early (piped into head, say): the output stops quietly"),
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
        return _isatty(self.stderr)

    @property
    def stdout_tty(self) -> bool:
        """Whether stdout is a terminal (data formats are escaped there only)."""
        return _isatty(self.stdout)

    def out(self, text: str = "") -> None:
        """A line (or block) of human-readable output on stdout; control characters are escaped."""
        self.stdout.write(terminal_safe(text if text.endswith("\n") else text + "\n"))

    def note(self, text: str) -> None:
        """A line for people, on stderr, so stdout stays clean for pipes; control characters are escaped."""
        self.stderr.write(terminal_safe(text) + "\n")
        self.stderr.flush()

    def client(self) -> GradientEvals:
        """A blocking client from ``--token``/``--base-url`` or the environment; use it in a ``with`` block.

        Raises :class:`CommandError` (a usage error) when there is no token, naming the command line's ways to
        give one.
        """
        from .._client import TOKEN_ENV
        from .._sync import GradientEvals

        token = getattr(self.args, "token", None)
        if token is None and not os.environ.get(TOKEN_ENV, "").strip():
            raise CommandError(
                f"no access token: pass --token or set the {TOKEN_ENV} environment variable (to try it offline, "
                '`eval "$(gradient-evals emulator --env &)"` starts a local emulator and exports its URL and token)',
                EXIT_USAGE,
            )
        return GradientEvals(token, base_url=getattr(self.args, "base_url", None))


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
