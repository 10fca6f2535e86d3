"""``gradient-evals``: the top-level parser, the dispatch, and the mapping of failures to exit codes.

No command logic lives here: the commands are in :mod:`gradient_evals.cli.commands`, one module each.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Final, TextIO

from .._exceptions import (
    APIError,
    ConfigurationError,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    ExportError,
    PaginationError,
    RunCreationUnknownError,
)
from .._version import __version__
from ._args import EPILOG
from ._context import (
    EXIT_API_ERROR,
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    PROG,
    CommandError,
    Context,
)
from .commands import register_all

__all__ = ["build_parser", "describe_error", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: the global options and every command module's commands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run agent evaluations on DigitalOcean Gradient AI, wait for them, and read every result.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("--token", help="API token (default: $DIGITALOCEAN_ACCESS_TOKEN)")
    parser.add_argument("--base-url", help="API root (default: $GRADIENT_BASE_URL or https://api.digitalocean.com)")
    register_all(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


_FOR_THE_COMMAND_LINE: Final = (
    ("pass access_token=... or set", "pass --token or set"),
    (
        "or pass allow_insecure_http=True if this is really what you want",
        "(plain http:// is for this machine only: localhost, 127.0.0.1, ::1)",
    ),
    ("client.evaluation_test_cases.list_evaluation_runs()", "`gradient-evals test-cases runs TEST_CASE_UUID`"),
)
"""The SDK's messages speak to Python callers; these phrases are said the command line's way instead."""


def _one_line(text: str) -> str:
    for python, command_line in _FOR_THE_COMMAND_LINE:
        text = text.replace(python, command_line)
    return " ".join(text.split())


def _creation_unknown(exc: RunCreationUnknownError) -> str:
    named = f" named {exc.run_name!r}" if exc.run_name else ""
    cause = f" ({_one_line(str(exc.cause))})" if exc.cause is not None else ""
    seen = [run.evaluation_run_uuid for run in exc.candidates if run.evaluation_run_uuid]
    candidates = f"; runs that may be its own: {', '.join(seen)}" if seen else ""
    return (
        f"creating runs of test case {exc.test_case_uuid} may have succeeded on the server, but no usable answer "
        f"came back{cause}{candidates}; do not simply retry: look for the runs{named} with "
        f"`gradient-evals test-cases runs {exc.test_case_uuid}` first"
    )


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one-line message and the exit code of a failure."""
    if isinstance(exc, CommandError):
        return _one_line(str(exc)), exc.code
    if isinstance(exc, EvaluationRunTimeout):
        return f"timed out: {_one_line(str(exc))}", EXIT_RUN_FAILED
    if isinstance(exc, EvaluationRunFailed):
        return f"run failed: {_one_line(str(exc))}", EXIT_RUN_FAILED
    if isinstance(exc, RunCreationUnknownError):
        return f"API error: {_creation_unknown(exc)}", EXIT_API_ERROR
    if isinstance(exc, APIError | PaginationError):
        return f"API error: {_one_line(str(exc))}", EXIT_API_ERROR
    if isinstance(exc, ConfigurationError):
        return _one_line(str(exc)), EXIT_USAGE
    if isinstance(exc, UnicodeError):  # text the server sent that cannot be written: data, not the arguments
        return f"cannot encode the data: {_one_line(str(exc))}", EXIT_API_ERROR
    if isinstance(exc, ValueError | TypeError):
        return f"invalid argument: {_one_line(str(exc))}", EXIT_USAGE
    if isinstance(exc, ExportError):  # its message names the path and why ("cannot write '/proc/r.html': ...")
        return _one_line(str(exc)), EXIT_API_ERROR
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        if exc.filename is not None:
            return f"cannot use {exc.filename}: {_one_line(reason)}", EXIT_API_ERROR
        return f"system error: {_one_line(reason)}", EXIT_API_ERROR
    return f"unexpected {type(exc).__name__}: {_one_line(str(exc))}", EXIT_API_ERROR


def _silence(stream: TextIO) -> None:
    """Point a closed pipe's descriptor at /dev/null, so the flush at exit does not complain about it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # not a file descriptor (a captured stream): nothing flushes it at exit
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    stdout, stderr = sys.stdout, sys.stderr
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said with the command's own usage (`evaluate --datset`), not the top level's
            owner: argparse.ArgumentParser = getattr(args, "command_parser", parser)
            owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.json = bool(getattr(args, "json", False))
    ctx = Context(args, stdout, stderr)
    handler: Callable[[Context], int] = args.handler
    try:
        code = handler(ctx)
        stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop as Unix tools do, without a word.
        _silence(stdout)
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        stderr.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        message, code = describe_error(exc)
        try:
            stdout.flush()
        except BrokenPipeError:
            _silence(stdout)
        ctx.note(f"{PROG}: {message}")
        return code
    return code
