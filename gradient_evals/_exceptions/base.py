"""The root of the hierarchy, and the errors that no single request answered: the client's setup and state,
a file's contents, a whole call's deadline, a run's outcome, several failures at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..types import EvaluationRun

__all__ = [
    "ArgumentTypeError",
    "ClientStateError",
    "ConfigurationError",
    "DeadlineExceeded",
    "EvaluationRunFailed",
    "EvaluationRunTimeout",
    "ExportError",
    "GradientEvalsError",
    "InvalidArgumentError",
    "InvalidDatasetError",
    "MultipleErrors",
    "PaginationError",
    "RepeatsError",
]


class GradientEvalsError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidArgumentError(GradientEvalsError, ValueError):
    """An argument the SDK refuses before sending anything: a malformed UUID, a NaN or negative bound, an empty
    name, a page size out of range. The message names the argument and the value's problem; also a ``ValueError``.
    """


class ArgumentTypeError(GradientEvalsError, TypeError):
    """An argument of a type the SDK does not take (a number where a mapping goes, a blocking ``httpx.Client``),
    refused before sending anything. The message names the argument and the type given; also a ``TypeError``."""


class ConfigurationError(GradientEvalsError, ValueError):
    """The client cannot be set up as asked: no access token, a malformed base URL, plain HTTP to a remote host."""


class ClientStateError(GradientEvalsError, RuntimeError):
    """The client cannot be used here: it was closed, it was made in the parent of a forked process, or it is
    bound to another event loop than the one calling it; or a stream is used out of turn (entered twice, read
    before ``async with``). The message says which and what to do instead."""


class MultipleErrors(GradientEvalsError):
    """Several steps that ran at once failed. ``errors`` holds every failure, in the order they happened.

    One failure is always raised as itself; this error is raised only when there are two or more, so a caller
    never meets a bare ``ExceptionGroup``.
    """

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.errors: tuple[BaseException, ...] = tuple(errors)
        first = self.errors[0] if self.errors else None
        detail = "" if first is None else f"; the first: {type(first).__name__}: {first}"
        super().__init__(f"{len(self.errors)} errors{detail}")


class DeadlineExceeded(GradientEvalsError, TimeoutError):
    """A whole call (such as ``evaluate``) ran past its ``timeout``. ``step`` names what it was doing then."""

    def __init__(self, message: str, *, step: str) -> None:
        super().__init__(message)
        self.step = step


class RepeatsError(GradientEvalsError, ValueError):
    """Repeats asked for that cannot be run: a ``repeats`` that is not a whole number from 1 to 10, more runs
    planned than ``max_runs`` allows, or a ``quarantine`` file that does not exist or is not UTF-8. Raised before
    anything is uploaded or created; the message starts with the setting's name."""


class PaginationError(GradientEvalsError):
    """The server's paging could not be followed safely (a page that repeats or does not advance)."""

    def __init__(self, message: str, *, page: int | None = None) -> None:
        super().__init__(message)
        self.page = page


class ExportError(GradientEvalsError, OSError):
    """An export could not write its file: a directory at the path, a missing folder, no permission, a full disk.

    ``path`` is the destination asked for. The message names it and the reason, never the temporary file the
    export writes first; ``errno`` and ``strerror`` are those of the failed operation, when there was one.
    """

    def __init__(self, message: str, *, path: str, errno: int | None = None, strerror: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.errno = errno
        self.strerror = strerror

    def __str__(self) -> str:
        # OSError would format "[Errno n] ..." from the attributes; the message already says it in words.
        return self.message


class InvalidDatasetError(GradientEvalsError, ValueError):
    """A dataset file is not a valid dataset CSV: invalid UTF-8 or CSV, a bad header, a ragged row, a limit passed.

    ``dataset`` names it (a path, or the dataset's UUID), ``line`` is the line of the file where the problem is
    when known, and ``row`` the data row (1 for the first row after the header).
    """

    def __init__(self, message: str, *, dataset: str, line: int | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.line = line
        self.row = row


class EvaluationRunTimeout(GradientEvalsError, TimeoutError):
    """Waiting for an evaluation run to finish ran past its deadline. ``run`` is the last state seen."""

    def __init__(self, message: str, *, run_uuid: str, run: EvaluationRun | None = None) -> None:
        super().__init__(message)
        self.run_uuid = run_uuid
        self.run = run


class EvaluationRunFailed(GradientEvalsError):
    """An evaluation run ended FAILED or CANCELLED. ``run`` is its final state."""

    def __init__(self, message: str, *, run: EvaluationRun) -> None:
        super().__init__(message)
        self.run = run
