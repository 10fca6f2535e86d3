"""``gradient-evals test-cases ...``: evaluation test cases."""

from __future__ import annotations

from .._args import Subcommands, add_command, add_group, positive_int
from .._context import EXIT_OK, Context
from .._render import dump_json
from .._views import run_rows

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``test-cases`` and its commands."""
    test_cases = add_group(commands, "test-cases", "evaluation test cases")
    runs = add_command(test_cases, "runs", list_runs, "list the runs of a test case")
    runs.add_argument("test_case", metavar="UUID")
    runs.add_argument("--version", type=positive_int, help="only runs of this test case version")


def list_runs(ctx: Context) -> int:
    """``test-cases runs``: the runs of a test case."""
    with ctx.client() as client:
        runs = client.evaluation_test_cases.list_evaluation_runs(
            ctx.args.test_case, evaluation_test_case_version=ctx.args.version
        )
    if ctx.json:
        dump_json(runs, ctx.stdout)
    else:
        ctx.out(run_rows(runs) if runs else "no runs")
    return EXIT_OK
