"""``gradient-evals test-cases ...``: evaluation test cases."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ...resources.evaluation_metrics import looks_like_uuid
from ...types import EvaluationTestCase, StarMetric
from .._args import Subcommands, add_command, add_group, int_at_least, positive_int
from .._context import EXIT_OK, EXIT_USAGE, CommandError, Context
from .._flags import speaking_flags
from .._render import dump_json, format_number, render_table
from .._views import clip, run_rows
from .metrics import metric_rows, show

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``test-cases`` and its commands."""
    test_cases = add_group(commands, "test-cases", "evaluation test cases")
    runs = add_command(test_cases, "runs", list_runs, "list the runs of a test case")
    runs.add_argument("test_case", metavar="UUID")
    runs.add_argument("--version", type=positive_int, help="only runs of this test case version")

    listing = add_command(test_cases, "list", list_test_cases, "every test case (or a workspace's)")
    listing.add_argument("--workspace", metavar="UUID", help="only the test cases of this workspace")

    get = add_command(test_cases, "get", get_test_case, "show a test case: its dataset, metrics and star metric")
    get.add_argument("test_case", metavar="UUID")
    get.add_argument("--version", type=positive_int, help="this version instead of the latest")

    create = add_command(test_cases, "create", create_test_case, "create a test case; prints its UUID")
    create.add_argument("--name", required=True)
    create.add_argument("--dataset", required=True, metavar="UUID", help="the dataset to evaluate on")
    create.add_argument("--description")
    create.add_argument("--workspace", metavar="UUID")
    create.add_argument("--agent-workspace-name", metavar="NAME")
    _metric_options(create, required=True)

    update = add_command(test_cases, "update", update_test_case, "change a test case: makes a new version")
    update.add_argument("test_case", metavar="UUID")
    update.add_argument("--name")
    update.add_argument("--dataset", metavar="UUID")
    update.add_argument("--description")
    _metric_options(update, required=False)


def _metric_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--metric",
        action="append",
        default=None,
        required=required,
        metavar="NAME_OR_UUID",
        help="a metric to score, by name (any case) or UUID (repeatable)",
    )
    parser.add_argument("--star-metric", metavar="NAME_OR_UUID", help="the metric that decides whether a run passes")
    threshold = parser.add_mutually_exclusive_group()
    threshold.add_argument(
        "--threshold-pct", type=int_at_least(0), metavar="N", help="the star metric's success threshold, 0-100 %%"
    )
    threshold.add_argument("--threshold", type=float, metavar="VALUE", help="the star metric's success threshold")


def _star(args: argparse.Namespace) -> StarMetric | None:
    if args.star_metric is None:
        if args.threshold_pct is not None or args.threshold is not None:
            raise CommandError("--threshold-pct and --threshold need --star-metric", EXIT_USAGE)
        return None
    if args.threshold_pct is not None and args.threshold_pct > 100:
        raise CommandError(f"--threshold-pct must be from 0 to 100, got {args.threshold_pct}", EXIT_USAGE)
    ref: str = args.star_metric
    by_uuid = looks_like_uuid(ref)
    return StarMetric(
        metric_uuid=ref if by_uuid else None,
        name=None if by_uuid else ref,
        success_threshold_pct=args.threshold_pct,
        success_threshold=args.threshold,
    )


def test_case_rows(cases: Sequence[EvaluationTestCase]) -> str:
    """Test cases as a table, one line each."""
    rows = [
        (
            clip(c.name, 32),
            c.test_case_uuid,
            c.version,
            len(c.metrics),
            None if c.star_metric is None else clip(c.star_metric.name or c.star_metric.metric_uuid, 24),
            c.total_runs,
        )
        for c in cases
    ]
    return render_table(["NAME", "UUID", "VERSION", "METRICS", "STAR METRIC", "RUNS"], rows, right=(2, 3, 5))


def test_case_detail(case: EvaluationTestCase) -> str:
    """One test case: its fields, then its metrics as a table."""
    star = case.star_metric
    threshold = "-"
    if star is not None and star.success_threshold_pct is not None:
        threshold = f"{star.success_threshold_pct}%"
    elif star is not None and star.success_threshold is not None:
        threshold = format_number(star.success_threshold)
    dataset = case.dataset
    rows = [
        ("test case", case.test_case_uuid),
        ("name", clip(case.name, 80)),
        ("version", case.version),
        ("description", clip(case.description, 80)),
        ("dataset", f"{clip(case.dataset_name, 40)} ({case.dataset_uuid})"),
        ("rows", None if dataset is None else dataset.row_count),
        ("star metric", None if star is None else f"{clip(star.name, 40)} ({star.metric_uuid}), threshold {threshold}"),
        ("runs", case.total_runs),
    ]
    return render_table(["FIELD", "VALUE"], rows) + "\n" + metric_rows(case.metrics)


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


def list_test_cases(ctx: Context) -> int:
    """``test-cases list``."""
    with ctx.client() as client:
        if ctx.args.workspace is None:
            cases = client.evaluation_test_cases.list()
        else:
            cases = client.evaluation_test_cases.list_by_workspace(ctx.args.workspace)
    show(ctx, cases, test_case_rows(cases) if cases else "no test cases")
    return EXIT_OK


def get_test_case(ctx: Context) -> int:
    """``test-cases get``."""
    with ctx.client() as client:
        case = client.evaluation_test_cases.retrieve(ctx.args.test_case, evaluation_test_case_version=ctx.args.version)
    show(ctx, case, test_case_detail(case))
    return EXIT_OK


def create_test_case(ctx: Context) -> int:
    """``test-cases create``: metric names are resolved through the catalog before anything is created."""
    args = ctx.args
    star = _star(args)
    with speaking_flags(), ctx.client() as client:
        uuid = client.evaluation_test_cases.create(
            name=args.name,
            dataset_uuid=args.dataset,
            metrics=args.metric,
            star_metric=star,
            description=args.description,
            workspace_uuid=args.workspace,
            agent_workspace_name=args.agent_workspace_name,
        )
    show(ctx, {"test_case_uuid": uuid}, uuid)
    return EXIT_OK


# Like create_test_case, a flag-for-argument call: the two commands pass different arguments of the API.
def update_test_case(ctx: Context) -> int:
    """``test-cases update``: prints the new version."""
    args = ctx.args
    star = _star(args)
    with speaking_flags(), ctx.client() as client:
        updated = client.evaluation_test_cases.update(
            args.test_case,
            name=args.name,
            description=args.description,
            dataset_uuid=args.dataset,
            metrics=args.metric,
            star_metric=star,
        )
    show(ctx, updated, f"{updated.test_case_uuid} is now at version {updated.version}")
    return EXIT_OK
