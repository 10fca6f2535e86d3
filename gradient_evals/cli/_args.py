"""Building blocks of the parser shared by the command modules: argument types, option groups, ``add_command``.

A command module calls :func:`add_command` (or :func:`add_group` for a resource with subcommands) from its
``register(commands)`` function; every command then accepts the common options (``--json``, ``--token``,
``--base-url``) after its name too, and shows the exit-code table in its ``--help``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TypeAlias

from ._context import EXIT_CODES, EXIT_GATE_FAILED, EXIT_RUN_FAILED, PROG

if TYPE_CHECKING:
    from ._context import Context

__all__ = [
    "EPILOG",
    "Handler",
    "Subcommands",
    "add_command",
    "add_gate_options",
    "add_group",
    "add_metric_values",
    "add_wait_options",
    "command_path",
    "exit_code_table",
    "int_at_least",
    "metric_value",
    "non_negative_int",
    "pairs",
    "positive_float",
    "positive_int",
]

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler: TypeAlias = "Callable[[Context], int]"

_FORMATTER: Final = argparse.RawDescriptionHelpFormatter
_RETURNED_BY: Final = {
    EXIT_GATE_FAILED: frozenset({"evaluate", "runs wait", "runs summary", "runs compare", "demo"}),
    EXIT_RUN_FAILED: frozenset({"evaluate", "runs create", "runs wait", "runs summary", "runs watch", "demo"}),
}
"""The commands that may exit with a code not every command can return (a gate, a run that failed or timed out);
every command may exit 0, 2, 3, 130 and 141."""


def exit_code_table(command: str) -> str:
    """The ``exit codes:`` part of ``command``'s ``--help`` (``"runs wait"``): only the codes it can return."""
    rows = [(c, m) for c, m in EXIT_CODES if c not in _RETURNED_BY or command in _RETURNED_BY[c]]
    return "exit codes:\n" + "".join(f"  {code:>3}  {meaning}\n" for code, meaning in rows)


_NOTES: Final = """
The access token comes from --token or the DIGITALOCEAN_ACCESS_TOKEN environment variable; it is never printed.
Progress is drawn on stderr only when stderr is a terminal; --json makes stdout machine-readable.
"""
EPILOG: Final = "exit codes:\n" + "".join(f"  {code:>3}  {meaning}\n" for code, meaning in EXIT_CODES) + _NOTES
"""The top-level ``--help``'s epilog: every exit code of the command line."""


def command_path(parser: argparse.ArgumentParser) -> str:
    """A subcommand's words after the program's name (``"runs wait"``), from its ``prog``."""
    return parser.prog.removeprefix(PROG).strip()


def metric_value(text: str) -> tuple[str, float]:
    """Parse ``METRIC=NUMBER`` (argparse type)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected METRIC=NUMBER, got {text!r}")
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number after '=' in {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number in {text!r}")
    return name.strip(), value


def pairs(items: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Repeated ``METRIC=NUMBER`` options as a mapping (the last one of a metric wins)."""
    return dict(items)


def positive_float(text: str) -> float:
    """A positive, finite number of seconds (argparse type)."""
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


def common_options() -> argparse.ArgumentParser:
    """Options accepted both before and after the command (``--json runs get X`` or ``runs get X --json``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
    common.add_argument("--token", default=argparse.SUPPRESS, help="API token (default: $DIGITALOCEAN_ACCESS_TOKEN)")
    common.add_argument(
        "--base-url", default=argparse.SUPPRESS, help="API root (default: $GRADIENT_BASE_URL or the public API)"
    )
    return common


_COMMON: Final = common_options()


def add_command(group: Subcommands, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``group``, run by ``handler``; returns its parser for its own options."""
    sub = group.add_parser(name, help=help_text, description=help_text, parents=[_COMMON], formatter_class=_FORMATTER)
    sub.epilog = exit_code_table(command_path(sub)) + _NOTES
    sub.set_defaults(handler=handler, command_parser=sub)
    return sub


def add_group(commands: Subcommands, name: str, help_text: str) -> Subcommands:
    """Add a group of commands (``runs``, ``test-cases``) and return the group to add its commands to."""
    parser = commands.add_parser(name, help=help_text, description=help_text)
    dest = name.replace("-", "_") + "_command"
    return parser.add_subparsers(dest=dest, metavar="COMMAND", required=True)


def add_wait_options(parser: argparse.ArgumentParser) -> None:
    """``--timeout`` and ``--poll-interval`` of a command that waits for runs."""
    parser.add_argument("--timeout", type=positive_float, default=600.0, help="overall seconds to wait (default 600)")
    parser.add_argument("--poll-interval", type=positive_float, default=2.0, help="first poll gap (default 2 s)")


def add_metric_values(
    parser: argparse.ArgumentParser, flag: str, help_text: str, *, metavar: str = "METRIC=VALUE"
) -> None:
    """A repeatable ``--flag METRIC=VALUE`` option, collected as a list of ``(metric, value)`` pairs."""
    parser.add_argument(flag, action="append", type=metric_value, default=[], metavar=metavar, help=help_text)


def add_gate_options(parser: argparse.ArgumentParser) -> None:
    """``--fail-under`` and ``--pass-threshold`` of a command that gates on a run's scores."""
    add_metric_values(
        parser,
        "--fail-under",
        "exit 1 unless the metric's score (mean, or pass rate in %%) is at least VALUE (repeatable)",
    )
    add_metric_values(
        parser,
        "--pass-threshold",
        "count a prompt as passing this numeric metric at a value >= VALUE (gives it a pass rate)",
    )
