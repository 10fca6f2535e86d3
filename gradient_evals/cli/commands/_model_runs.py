"""``gradient-evals models runs ...`` and ``models metrics``: model evaluation runs from a shell."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..._validation import check_uuid
from ...resources.evaluation_metrics import looks_like_uuid, match_metric
from ...types import EvaluationMetric, ModelEvaluationRun, ModelEvaluationRunSummary
from ...workflows.model_runs import ModelRunTimeout
from .._args import Subcommands, add_command, add_group, positive_float
from .._context import EXIT_OK, EXIT_RUN_FAILED, CommandError, Context
from .._render import RowProgress, dump_json, render_table, status_name
from .._views import clip

__all__ = ["register_runs"]

_PREFIX = "MODEL_EVALUATION_RUN_"


def register_runs(models: Subcommands) -> None:
    """Add ``models runs ...`` and ``models metrics`` to the ``models`` group."""
    add_command(models, "metrics", list_metrics, "the metrics a model evaluation scores with")
    runs = add_group(models, "runs", "model evaluation runs")
    listing = add_command(runs, "list", list_runs, "every run: name, UUID, status, candidate, rows done")
    listing.add_argument("--status", action="append", default=[], help="only runs of this status (repeatable)")
    listing.add_argument("--search", help="only runs whose name or candidate contains this text")
    for name, handler, text in (
        ("get", get_run, "one run in full, with its summary once finished"),
        ("cancel", cancel_run, "cancel a run in progress"),
        ("delete", delete_run, "delete a finished run"),
        ("results", run_results, "a finished run's per-row results"),
    ):
        command = add_command(runs, name, handler, text)
        command.add_argument("run", metavar="UUID")
    create = add_command(runs, "create", create_run, "start a model evaluation run (and wait for it with --wait)")
    create.add_argument("--dataset", required=True, metavar="FILE_OR_UUID", help="a CSV file to upload, or a UUID")
    create.add_argument("--candidate", required=True, metavar="MODEL", help="the candidate model's slug or UUID")
    create.add_argument("--judge", required=True, metavar="UUID", help="the judge model's UUID")
    create.add_argument("--metric", action="append", required=True, metavar="NAME", help="a metric (repeatable)")
    create.add_argument("--name", help="the run's name")
    create.add_argument("--wait", action="store_true", help="wait for the run, with a live bar of rows done")
    create.add_argument("--timeout", type=positive_float, default=1800.0, help="seconds to wait (default 1800)")


def _summary_rows(runs: Sequence[ModelEvaluationRunSummary | ModelEvaluationRun]) -> str:
    rows = []
    for run in runs:
        progress = run.progress
        done = "-" if progress is None else f"{progress.judge_rows_evaluated or 0}/{progress.total_rows or 0}"
        status = status_name(run.status).removeprefix(_PREFIX).lower()
        rows.append((clip(run.name, 32), run.eval_run_uuid, status, clip(run.candidate_model_name, 30), done))
    return render_table(["NAME", "UUID", "STATUS", "CANDIDATE", "ROWS"], rows)


def list_metrics(ctx: Context) -> int:
    """``models metrics``."""
    with ctx.client() as client:
        metrics = client.model_evaluation_metrics.list()
    if ctx.json:
        dump_json(list(metrics), ctx.stdout)
        return EXIT_OK
    rows = [
        (
            clip(m.metric_name, 30),
            m.metric_uuid,
            status_name(m.metric_value_type).removeprefix("METRIC_VALUE_TYPE_").lower(),
            clip(m.description, 60),
        )
        for m in metrics
    ]
    ctx.out(render_table(["NAME", "UUID", "VALUE", "DESCRIPTION"], rows) if rows else "no metrics")
    return EXIT_OK


def list_runs(ctx: Context) -> int:
    """``models runs list``: every run, through every page."""
    with ctx.client() as client:
        runs = list(client.model_evaluation_runs.iter(statuses=ctx.args.status or None, search=ctx.args.search))
    if ctx.json:
        dump_json(runs, ctx.stdout)
    else:
        ctx.out(_summary_rows(runs) if runs else "no model evaluation runs")
    return EXIT_OK


def get_run(ctx: Context) -> int:
    """``models runs get UUID``."""
    with ctx.client() as client:
        run = client.model_evaluation_runs.retrieve(ctx.args.run)
    _print_run(ctx, run)
    return EXIT_OK


def _print_run(ctx: Context, run: ModelEvaluationRun) -> None:
    if ctx.json:
        dump_json(run, ctx.stdout)
        return
    ctx.out(_summary_rows([run]))
    summary = run.result_summary
    if summary is not None:
        metrics = [
            (clip(m.metric_name, 30), m.pass_count, m.fail_count, m.pass_percent) for m in summary.metric_summaries
        ]
        ctx.out(render_table(["METRIC", "PASSED", "FAILED", "PASS %"], metrics))
        ctx.out(f"overall score: {summary.overall_score_percent}%")


def cancel_run(ctx: Context) -> int:
    """``models runs cancel UUID``."""
    with ctx.client() as client:
        run = client.model_evaluation_runs.cancel(ctx.args.run)
    ctx.out(f"cancelled {ctx.args.run}: {status_name(run.status).removeprefix(_PREFIX).lower()}")
    return EXIT_OK


def delete_run(ctx: Context) -> int:
    """``models runs delete UUID``."""
    with ctx.client() as client:
        client.model_evaluation_runs.delete(ctx.args.run)
    ctx.out(f"deleted {ctx.args.run}")
    return EXIT_OK


def run_results(ctx: Context) -> int:
    """``models runs results UUID``: one line per row (``--json``: every field)."""
    with ctx.client() as client:
        rows = client.model_evaluation_runs.results(ctx.args.run)
    if ctx.json:
        dump_json(rows, ctx.stdout)
        return EXIT_OK
    names = sorted({r.metric_name or "?" for row in rows for r in row.metric_results})
    table = []
    for row in rows:
        values = {
            r.metric_name or "?": r.number_value if r.number_value is not None else r.string_value
            for r in row.metric_results
        }
        table.append((clip(row.input, 40), clip(row.output, 40), *(values.get(n) for n in names)))
    ctx.out(render_table(["INPUT", "OUTPUT", *names], table) if rows else "no rows")
    return EXIT_OK


def _metric_uuids(catalog: Sequence[EvaluationMetric], names: Sequence[str]) -> list[str]:
    uuids = []
    for name in names:
        if looks_like_uuid(name):
            uuids.append(name.strip())
        else:
            uuids.append(str(match_metric(catalog, name, "--metric").metric_uuid))
    return uuids


def _progress_of(bar: RowProgress) -> Callable[[ModelEvaluationRun], None]:
    """An ``on_progress`` callback feeding ``bar``: answered plus judged rows, of twice the total."""

    def update(run: ModelEvaluationRun) -> None:
        progress = run.progress
        done = (
            0 if progress is None else (progress.candidate_rows_evaluated or 0) + (progress.judge_rows_evaluated or 0)
        )
        total = None if progress is None or not progress.total_rows else 2 * progress.total_rows
        bar(status_name(run.status).removeprefix(_PREFIX).lower(), done, total)

    return update


def create_run(ctx: Context) -> int:
    """``models runs create``: metrics by name checked and a dataset file uploaded before the run is created."""
    args = ctx.args
    judge = check_uuid(args.judge, "--judge")  # checked before a dataset is uploaded
    with ctx.client() as client:
        metric_uuids = _metric_uuids(client.model_evaluation_metrics.list(), args.metric)
        dataset = args.dataset
        if not looks_like_uuid(dataset):
            path = Path(dataset)
            if not path.is_file():
                raise CommandError(f"--dataset {dataset!r} is neither a file nor a dataset UUID", 2)
            dataset = client.model_evaluation_datasets.upload(path, name=path.name)
        run_uuid = client.model_evaluation_runs.create(
            dataset_uuid=dataset,
            candidate_model=args.candidate,
            judge_model_uuid=judge,
            metric_uuids=metric_uuids,
            name=args.name,
        )
        if not args.wait:
            ctx.out(run_uuid)
            return EXIT_OK
        try:
            with RowProgress(ctx.stderr, tty=ctx.stderr_tty, label=f"run {run_uuid}") as bar:
                run = client.model_evaluation_runs.wait(run_uuid, timeout=args.timeout, on_progress=_progress_of(bar))
        except ModelRunTimeout as exc:
            raise CommandError(f"timed out: {exc}", EXIT_RUN_FAILED) from None
    _print_run(ctx, run)
    return EXIT_OK if status_name(run.status).endswith("SUCCESSFUL") else EXIT_RUN_FAILED
