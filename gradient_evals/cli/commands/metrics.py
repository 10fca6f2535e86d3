"""``gradient-evals metrics ...``: the metric catalog and custom metrics."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ...types import EvaluationMetric
from .._args import Subcommands, add_command, add_group
from .._context import EXIT_OK, Context
from .._render import dump_json, escape_text, format_number, render_table, status_name
from .._views import clip

__all__ = ["metric_rows", "register", "show"]


def register(commands: Subcommands) -> None:
    """Add ``metrics`` and its commands."""
    metrics = add_group(commands, "metrics", "evaluation metrics: the catalog and custom metrics")
    add_command(metrics, "list", list_metrics, "every metric, built in and custom")

    create = add_command(metrics, "create-custom", create_custom, "create a custom LLM-as-judge metric")
    create.add_argument("--name", required=True, help="the metric's name")
    create.add_argument("--scoring-prompt", required=True, metavar="TEXT", help="the judge's instructions")
    create.add_argument("--description")
    create.add_argument(
        "--requires-ground-truth", action="store_true", help="every dataset row must have a ground truth"
    )
    _add_verbose(create)

    update = add_command(metrics, "update-custom", update_custom, "change a custom metric (it gets a new UUID)")
    update.add_argument("metric", metavar="UUID")
    update.add_argument("--name")
    update.add_argument("--scoring-prompt", metavar="TEXT")
    update.add_argument("--description")
    truth = update.add_mutually_exclusive_group()
    truth.add_argument("--requires-ground-truth", dest="requires_ground_truth", action="store_true", default=None)
    truth.add_argument("--no-ground-truth", dest="requires_ground_truth", action="store_false")
    _add_verbose(update)

    delete = add_command(metrics, "delete-custom", delete_custom, "delete a custom metric")
    delete.add_argument("metric", metavar="UUID")


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true", help="print the metric as a table (default: its UUID alone, for M=$(...))"
    )


def _show_created(ctx: Context, metric: EvaluationMetric) -> None:
    """The new metric: JSON with ``--json``, a table with ``--verbose``, else its bare UUID (as ``datasets upload``)."""
    if ctx.json or ctx.args.verbose:
        show(ctx, metric, metric_rows([metric]))
    else:
        ctx.out(escape_text(metric.metric_uuid or ""))


def metric_rows(metrics: Sequence[EvaluationMetric]) -> str:
    """Metrics as a table that fits a terminal: names and descriptions are clipped."""
    rows = []
    for m in metrics:
        value_range = "-"
        if m.range_min is not None and m.range_max is not None:
            value_range = f"{format_number(m.range_min)}-{format_number(m.range_max)}"
        rows.append(
            (
                clip(m.metric_name, 28),
                m.metric_uuid,
                status_name(m.category).removeprefix("METRIC_CATEGORY_").lower() or "-",
                status_name(m.metric_value_type).removeprefix("METRIC_VALUE_TYPE_").lower() or "-",
                value_range,
                "lower" if m.inverted else "higher",
                "custom" if m.is_custom else "built-in",
            )
        )
    return render_table(["NAME", "UUID", "CATEGORY", "TYPE", "RANGE", "BETTER", "SOURCE"], rows)


def show(ctx: Context, value: object, text: str) -> None:
    """``value`` as JSON with ``--json``, else ``text`` for people."""
    if ctx.json:
        dump_json(value, ctx.stdout)
    else:
        ctx.out(text)


def list_metrics(ctx: Context) -> int:
    """``metrics list``."""
    with ctx.client() as client:
        metrics = client.evaluation_metrics.list()
    show(ctx, metrics, metric_rows(metrics) if metrics else "no metrics")
    return EXIT_OK


def create_custom(ctx: Context) -> int:
    """``metrics create-custom``: prints the new metric's UUID."""
    args = ctx.args
    with ctx.client() as client:
        metric = client.custom_evaluation_metrics.create(
            metric_name=args.name,
            scoring_prompt=args.scoring_prompt,
            description=args.description,
            requires_ground_truth=args.requires_ground_truth,
        )
    _show_created(ctx, metric)
    return EXIT_OK


def update_custom(ctx: Context) -> int:
    """``metrics update-custom``: prints the metric with its new UUID."""
    # Flags map to the method's keyword arguments one for one, as in the test-case commands.
    args = ctx.args
    with ctx.client() as client:
        metric = client.custom_evaluation_metrics.update(
            args.metric,
            metric_name=args.name,
            scoring_prompt=args.scoring_prompt,
            description=args.description,
            requires_ground_truth=args.requires_ground_truth,
        )
    _show_created(ctx, metric)
    if not ctx.json:
        ctx.note(f"the metric's new UUID is {metric.metric_uuid}: use it from now on")
    return EXIT_OK


def delete_custom(ctx: Context) -> int:
    """``metrics delete-custom``."""
    with ctx.client() as client:
        client.custom_evaluation_metrics.delete(ctx.args.metric)
    show(ctx, {"deleted": ctx.args.metric}, f"deleted {ctx.args.metric}")
    return EXIT_OK
