"""``gradient-evals``: the top-level parser, the dispatch, and the mapping of failures to exit codes.

No command logic lives here: the commands are in :mod:`gradient_evals.cli.commands`, one module each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .._exceptions import (
    APIError,
    APIStatusError,
    ConfigurationError,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    PaginationError,
)
from .._version import __version__
from ._args import EPILOG
from ._context import (
    EXIT_API_ERROR,
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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one-line message and the exit code of a failure."""
    if isinstance(exc, CommandError):
        return _one_line(str(exc)), exc.code
    if isinstance(exc, EvaluationRunTimeout):
        return f"timed out: {_one_line(str(exc))}", EXIT_RUN_FAILED
    if isinstance(exc, EvaluationRunFailed):
        return f"run failed: {_one_line(str(exc))}", EXIT_RUN_FAILED
    if isinstance(exc, APIStatusError):
        return f"API error: {_one_line(str(exc))}", EXIT_API_ERROR
    if isinstance(exc, APIError | PaginationError):
        return f"API error: {_one_line(str(exc))}", EXIT_API_ERROR
    if isinstance(exc, ConfigurationError):
        return _one_line(str(exc)), EXIT_USAGE
    if isinstance(exc, ValueError | TypeError):
        return f"invalid argument: {_one_line(str(exc))}", EXIT_USAGE
    if isinstance(exc, OSError):
        return f"file error: {_one_line(str(exc))}", EXIT_API_ERROR
    return f"unexpected {type(exc).__name__}: {_one_line(str(exc))}", EXIT_API_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    stdout, stderr = sys.stdout, sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.json = bool(getattr(args, "json", False))
    ctx = Context(args, stdout, stderr)
    handler: Callable[[Context], int] = args.handler
    try:
        code = handler(ctx)
    except KeyboardInterrupt:
        stderr.write(f"{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        message, code = describe_error(exc)
        stdout.flush()
        stderr.write(f"{PROG}: {message}\n")
        stderr.flush()
        return code
    stdout.flush()
    return code
