"""``gradient-evals models compare``: candidate models on one dataset, each against the first, from a shell."""

from __future__ import annotations

from pathlib import Path

from ...resources.evaluation_metrics import looks_like_uuid
from ...results import ModelComparison
from ...types import ModelEvaluationRun
from ...workflows._files import write_text_atomically
from ...workflows.model_runs import ModelRunTimeout
from .._args import Subcommands, add_command, positive_float
from .._context import EXIT_GATE_FAILED, EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, CommandError, Context
from .._render import StatusProgress, dump_json, render_table

__all__ = ["register_compare"]


def register_compare(models: Subcommands) -> None:
    """Add ``models compare`` to the ``models`` group."""
    compare = add_command(models, "compare", compare_models, "evaluate candidate models on one dataset and compare")
    compare.add_argument("--dataset", required=True, metavar="FILE_OR_UUID", help="a CSV file to upload, or a UUID")
    compare.add_argument(
        "--candidate", action="append", required=True, metavar="MODEL", help="a model slug or UUID (2 or more)"
    )
    compare.add_argument("--judge", required=True, metavar="UUID", help="the judge model's UUID")
    compare.add_argument("--metric", action="append", required=True, metavar="NAME", help="a metric (repeatable)")
    compare.add_argument(
        "--max-regression", type=float, default=0.0, metavar="POINTS", help="worsening allowed against the first"
    )
    compare.add_argument("--timeout", type=positive_float, default=3600.0, help="seconds to wait (default 3600)")
    compare.add_argument("--poll-interval", type=positive_float, default=2.0, help="first poll gap (default 2 s)")
    compare.add_argument("--markdown", type=Path, metavar="FILE", help="also write the comparison as Markdown")
    compare.add_argument("--html", type=Path, metavar="FILE", help="also write the comparison as an HTML page")


def _failed(comparison: ModelComparison) -> list[str]:
    return [
        f"{model.label}: {metric}"
        for model in comparison.models[1:]
        for metric, statistic in model.comparisons.items()
        if statistic.outcome == "failed"
    ]


def compare_models(ctx: Context) -> int:
    """``models compare``: exit 0 when no candidate is worse than the first beyond the margin, 1 when one is."""
    from ...reports.models import model_rows, render_model_html, render_model_markdown

    args = ctx.args
    dataset: object = Path(args.dataset)
    if not Path(args.dataset).is_file():
        if not looks_like_uuid(args.dataset):
            raise CommandError(f"--dataset {args.dataset!r} is neither a file nor a dataset UUID", EXIT_USAGE)
        dataset = args.dataset
    with ctx.client() as client, StatusProgress(ctx.stderr, tty=ctx.stderr_tty) as progress:

        def note(model: str, run: ModelEvaluationRun) -> None:
            progress.update(_Named(model, run))

        try:
            comparison = client.compare_models(
                dataset=dataset,
                candidates=args.candidate,
                judge=args.judge,
                metrics=args.metric,
                max_regression=args.max_regression,
                timeout=args.timeout,
                poll_interval=args.poll_interval,
                on_progress=note,
            )
        except ModelRunTimeout as exc:
            raise CommandError(f"timed out: {exc}", EXIT_RUN_FAILED) from None
    if args.markdown is not None:
        write_text_atomically(args.markdown, render_model_markdown(comparison))
    if args.html is not None:
        write_text_atomically(args.html, render_model_html(comparison))
    if ctx.json:
        dump_json(comparison, ctx.stdout)
    else:
        headers, rows = model_rows(comparison)
        ctx.out(render_table(headers, rows))
    failed = _failed(comparison)
    if failed:
        ctx.note("gradient-evals: worse than the first model: " + "; ".join(failed))
        return EXIT_GATE_FAILED
    return EXIT_OK


class _Named:
    """A model run as the status view shows runs: by the candidate's name."""

    def __init__(self, model: str, run: ModelEvaluationRun) -> None:
        self.evaluation_run_uuid = model
        self.status = run.status
