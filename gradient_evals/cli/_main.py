"""``gradient-evals``: the argument parser, the dispatch, and the mapping of failures to exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Final, TextIO

from .._exceptions import (
    APIError,
    APIStatusError,
    ConfigurationError,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    PaginationError,
)
from .._version import __version__

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_GATE_FAILED",
    "EXIT_OK",
    "EXIT_RUN_FAILED",
    "EXIT_USAGE",
    "CommandError",
    "Context",
    "main",
]

EXIT_OK: Final = 0
EXIT_GATE_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_API_ERROR: Final = 3
EXIT_RUN_FAILED: Final = 4
EXIT_INTERRUPTED: Final = 130

PROG: Final = "gradient-evals"

EPILOG: Final = """\
exit codes:
  0  success
  1  a quality gate failed (--fail-under, --threshold, --min-score, --fail-on-regression)
  2  usage error: bad arguments, no access token
  3  API, network or file error (the message names the request, status and request id)
  4  an evaluation run FAILED or was CANCELLED, or waiting for it timed out

The access token comes from --token or the DIGITALOCEAN_ACCESS_TOKEN environment variable; it is never printed.
Progress is drawn on stderr only when stderr is a terminal; --json makes stdout machine-readable.
"""


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
        isatty = getattr(self.stderr, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def out(self, text: str = "") -> None:
        self.stdout.write(text if text.endswith("\n") else text + "\n")

    def note(self, text: str) -> None:
        """A line for people, on stderr, so stdout stays clean for pipes."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def client(self) -> object:
        from .._sync import GradientEvals

        try:
            return GradientEvals(self.args.token, base_url=self.args.base_url)
        except ConfigurationError as exc:
            raise CommandError(f"{exc} (or pass --token)" if "token" in str(exc) else str(exc), EXIT_USAGE) from None


def metric_value(text: str) -> tuple[str, float]:
    """Parse ``METRIC=NUMBER`` (argparse type)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected METRIC=NUMBER, got {text!r}")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number after '=' in {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number in {text!r}")
    return name.strip(), value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {text!r}")
        return value

    return parse


positive_int = int_at_least(1)
non_negative_int = int_at_least(0)


def _common() -> argparse.ArgumentParser:
    """Options accepted both before and after the command (``--json runs get X`` or ``runs get X --json``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    common.add_argument("--token", default=argparse.SUPPRESS, help="API token (default: $DIGITALOCEAN_ACCESS_TOKEN)")
    common.add_argument(
        "--base-url", default=argparse.SUPPRESS, help="API root (default: $GRADIENT_BASE_URL or the public API)"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    from . import _commands as c

    common = _common()
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run agent evaluations on DigitalOcean Gradient AI, wait for them, and read every result.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.add_argument("--token", help="API token (default: $DIGITALOCEAN_ACCESS_TOKEN)")
    parser.add_argument("--base-url", help="API root (default: $GRADIENT_BASE_URL or https://api.digitalocean.com)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Callable[[Context], int],
        help_text: str,
    ) -> argparse.ArgumentParser:
        sub = group.add_parser(
            name, help=help_text, description=help_text, parents=[common], epilog=EPILOG, formatter_class=formatter
        )
        sub.set_defaults(handler=handler)
        return sub

    demo = add(commands, "demo", c.cmd_demo, "evaluate two agents on a local emulator, end to end (no token needed)")
    demo.add_argument("--prompts", type=positive_int, default=300, help="prompts in the test case (default 300)")
    demo.add_argument("--duration", type=positive_float, default=3.0, help="seconds each run takes (default 3)")
    demo.add_argument("--output", help="directory for the JSONL exports (default: a new temporary directory)")

    emulator = add(commands, "emulator", c.cmd_emulator, "serve the API emulator until interrupted")
    emulator.add_argument("--port", type=non_negative_int, default=0, help="TCP port (default 0: any free port)")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--runs", type=non_negative_int, default=2, help="finished runs to serve (default 2)")
    emulator.add_argument("--prompts", type=non_negative_int, default=500, help="prompts per run (default 500)")
    emulator.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the generated data")

    runs = commands.add_parser("runs", help="evaluation runs", description="evaluation runs")
    run_commands = runs.add_subparsers(dest="runs_command", metavar="COMMAND", required=True)

    create = add(run_commands, "create", c.cmd_runs_create, "start runs of a test case: one per agent")
    create.add_argument("--test-case", required=True, metavar="UUID", help="the test case to run")
    create.add_argument("--agent", action="append", default=[], metavar="UUID", help="an agent UUID (repeatable)")
    create.add_argument(
        "--deployment", action="append", default=[], metavar="NAME", help="an agent deployment name (repeatable)"
    )
    create.add_argument("--name", help="the run name")
    create.add_argument("--wait", action="store_true", help="wait for the runs to finish")
    _wait_options(create)

    get = add(run_commands, "get", c.cmd_runs_get, "show one run")
    get.add_argument("run", metavar="UUID")

    wait = add(run_commands, "wait", c.cmd_runs_wait, "wait for a run to finish, optionally gate on its scores")
    wait.add_argument("run", metavar="UUID")
    _wait_options(wait)
    _gate_options(wait)

    results = add(run_commands, "results", c.cmd_runs_results, "every prompt result of a run")
    results.add_argument("run", metavar="UUID")
    results.add_argument("--format", choices=["table", "jsonl", "csv"], default=None, help="default: table")
    results.add_argument("--output", metavar="FILE", help="write to FILE (jsonl or csv) instead of stdout")
    results.add_argument("--per-page", type=positive_int, default=100, help="prompts per request (default 100)")

    summary = add(run_commands, "summary", c.cmd_runs_summary, "per-metric statistics of a run")
    summary.add_argument("run", metavar="UUID")
    _gate_options(summary)

    compare = add(run_commands, "compare", c.cmd_runs_compare, "compare a candidate run with a base run")
    compare.add_argument("base", metavar="BASE")
    compare.add_argument("candidate", metavar="CANDIDATE")
    compare.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when the verdict fails (with no --threshold/--min-score: any score drop beyond --tolerance)",
    )
    compare.add_argument(
        "--threshold",
        action="append",
        type=metric_value,
        default=[],
        metavar="METRIC=DELTA",
        help="allowed change of a score: correctness=-2 lets it drop 2 points at most (repeatable; gates)",
    )
    compare.add_argument(
        "--min-score",
        action="append",
        type=metric_value,
        default=[],
        metavar="METRIC=VALUE",
        help="the candidate's score must be at least VALUE (repeatable; gates)",
    )
    compare.add_argument("--tolerance", type=float, default=0.0, help="per-prompt and default-gate slack")
    compare.add_argument("--pass-threshold", action="append", type=metric_value, default=[], metavar="METRIC=VALUE")
    compare.add_argument(
        "--show",
        type=non_negative_int,
        default=10,
        help="worst regressed prompts to list (default 10; with --json, 0 lists them all)",
    )

    test_cases = commands.add_parser("test-cases", help="evaluation test cases", description="evaluation test cases")
    tc_commands = test_cases.add_subparsers(dest="test_cases_command", metavar="COMMAND", required=True)
    tc_runs = add(tc_commands, "runs", c.cmd_test_case_runs, "list the runs of a test case")
    tc_runs.add_argument("test_case", metavar="UUID")
    tc_runs.add_argument("--version", type=positive_int, help="only runs of this test case version")
    return parser


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=positive_float, default=600.0, help="overall seconds to wait (default 600)")
    parser.add_argument("--poll-interval", type=positive_float, default=2.0, help="first poll gap (default 2 s)")


def _gate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-under",
        action="append",
        type=metric_value,
        default=[],
        metavar="METRIC=VALUE",
        help="exit 1 unless the metric's score (mean, or pass rate in %%) is at least VALUE (repeatable)",
    )
    parser.add_argument(
        "--pass-threshold",
        action="append",
        type=metric_value,
        default=[],
        metavar="METRIC=VALUE",
        help="count a prompt as passing this numeric metric at a value >= VALUE (gives it a pass rate)",
    )


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
