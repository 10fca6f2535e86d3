"""``gradient-evals runs ...``: create, get, wait for, read, summarize and compare evaluation runs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ...types import EvaluationRun, ResultsPage, RunSummary, Verdict
from ...workflows.export import CsvEncoder, jsonl_text, metric_name_of
from .._args import (
    Subcommands,
    add_command,
    add_gate_options,
    add_group,
    add_wait_options,
    metric_value,
    non_negative_int,
    pairs,
    positive_int,
)
from .._context import EXIT_GATE_FAILED, EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, CommandError, Context
from .._render import (
    DownloadProgress,
    StatusProgress,
    clip,
    comparison_text,
    dump_json,
    format_number,
    render_table,
    run_detail,
    run_rows,
    status_name,
    summary_table,
    to_jsonable,
)

if TYPE_CHECKING:
    from ..._sync import GradientEvals

__all__ = ["register"]

def register(commands: Subcommands) -> None:
    """Add ``runs`` and its commands."""
    runs = add_group(commands, "runs", "evaluation runs")

    create = add_command(runs, "create", create_runs, "start runs of a test case: one per agent")
    create.add_argument("--test-case", required=True, metavar="UUID", help="the test case to run")
    create.add_argument("--agent", action="append", default=[], metavar="UUID", help="an agent UUID (repeatable)")
    create.add_argument(
        "--deployment", action="append", default=[], metavar="NAME", help="an agent deployment name (repeatable)"
    )
    create.add_argument("--name", help="the run name")
    create.add_argument("--wait", action="store_true", help="wait for the runs to finish")
    add_wait_options(create)

    get = add_command(runs, "get", get_run, "show one run")
    get.add_argument("run", metavar="UUID")

    wait = add_command(runs, "wait", wait_for_run, "wait for a run to finish, optionally gate on its scores")
    wait.add_argument("run", metavar="UUID")
    add_wait_options(wait)
    add_gate_options(wait)

    results = add_command(runs, "results", run_results, "every prompt result of a run")
    results.add_argument("run", metavar="UUID")
    results.add_argument("--format", choices=["table", "jsonl", "csv"], default=None, help="default: table")
    results.add_argument("--output", metavar="FILE", help="write to FILE (jsonl or csv) instead of stdout")
    results.add_argument("--per-page", type=positive_int, default=100, help="prompts per request (default 100)")

    summary = add_command(runs, "summary", summarize_run, "per-metric statistics of a run")
    summary.add_argument("run", metavar="UUID")
    add_gate_options(summary)

    compare = add_command(runs, "compare", compare_runs, "compare a candidate run with a base run")
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


def _gate_line(verdict: Verdict) -> str:
    return "quality gate failed: " + "; ".join(verdict.reasons)


def _wait_all(ctx: Context, client: GradientEvals, run_uuids: Sequence[str]) -> list[EvaluationRun]:
    args = ctx.args
    finals: list[EvaluationRun] = []
    with StatusProgress(ctx.stderr, tty=ctx.stderr_tty) as progress:
        for run_uuid in run_uuids:
            # One run after the other shares the deadline: the later ones are usually done by then.
            finals.append(
                client.evaluation_runs.wait(
                    run_uuid, timeout=args.timeout, poll_interval=args.poll_interval, on_update=progress.update
                )
            )
    return finals


def create_runs(ctx: Context) -> int:
    """``runs create``: print the new runs' UUIDs, or with ``--wait`` their final states."""
    args = ctx.args
    if not args.agent and not args.deployment:
        raise CommandError("give at least one --agent UUID or --deployment NAME", EXIT_USAGE)
    with ctx.client() as client:
        if not args.wait:
            created = client.evaluation_runs.create(
                test_case_uuid=args.test_case,
                agent_uuids=args.agent or None,
                agent_deployment_names=args.deployment or None,
                run_name=args.name,
            )
            if ctx.json:
                dump_json({"evaluation_run_uuids": created.evaluation_run_uuids}, ctx.stdout)
            else:
                for run_uuid in created.evaluation_run_uuids:
                    ctx.out(run_uuid)
            return EXIT_OK
        with StatusProgress(ctx.stderr, tty=ctx.stderr_tty) as progress:
            runs = client.evaluation_runs.create_and_wait(
                test_case_uuid=args.test_case,
                agent_uuids=args.agent or None,
                agent_deployment_names=args.deployment or None,
                run_name=args.name,
                timeout=args.timeout,
                poll_interval=args.poll_interval,
                on_update=progress.update,
            )
    if ctx.json:
        dump_json(runs, ctx.stdout)
    else:
        ctx.out(run_rows(runs))
    failed = [r for r in runs if r.is_failed]
    if failed:
        names = ", ".join(f"{r.evaluation_run_uuid} {status_name(r.status)}" for r in failed)
        ctx.note(f"gradient-evals: run failed: {names}")
        return EXIT_RUN_FAILED
    return EXIT_OK


def get_run(ctx: Context) -> int:
    """``runs get``: one run."""
    with ctx.client() as client:
        run = client.evaluation_runs.retrieve(ctx.args.run)
    if ctx.json:
        dump_json(run, ctx.stdout)
    else:
        ctx.out(run_detail(run))
    return EXIT_OK


def _summarize(ctx: Context, client: GradientEvals, run_uuid: str) -> RunSummary:
    per_page = 100
    with DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label="results", per_page=per_page) as progress:
        return client.evaluation_runs.summarize(
            run_uuid,
            pass_thresholds=pairs(ctx.args.pass_threshold),
            per_page=per_page,
            on_progress=progress,
        )


def wait_for_run(ctx: Context) -> int:
    """``runs wait``: wait for a run to finish, then gate on its scores if asked."""
    args = ctx.args
    gate = pairs(args.fail_under)
    with ctx.client() as client:
        [run] = _wait_all(ctx, client, [args.run])
        summary = _summarize(ctx, client, args.run) if gate and not run.is_failed else None
    verdict = summary.check(gate) if summary is not None else None
    if ctx.json:
        dump_json({"run": run, "summary": summary, "verdict": verdict}, ctx.stdout)
    else:
        ctx.out(f"{run.evaluation_run_uuid}: {status_name(run.status)}")
        if summary is not None:
            ctx.out(summary_table(summary))
    if run.is_failed:
        detail = f": {run.error_description}" if run.error_description else ""
        ctx.note(f"gradient-evals: run failed: {run.evaluation_run_uuid} ended {status_name(run.status)}{detail}")
        return EXIT_RUN_FAILED
    if verdict is not None and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK


def summarize_run(ctx: Context) -> int:
    """``runs summary``: per-metric statistics, gated with ``--fail-under``."""
    gate = pairs(ctx.args.fail_under)
    with ctx.client() as client:
        summary = _summarize(ctx, client, ctx.args.run)
    verdict = summary.check(gate) if gate else None
    if ctx.json:
        dump_json({"summary": summary, "verdict": verdict}, ctx.stdout)
    else:
        ctx.out(summary_table(summary))
    if verdict is not None and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK


def run_results(ctx: Context) -> int:
    """``runs results``: every prompt result, streamed to stdout or written to ``--output``."""
    args = ctx.args
    fmt = args.format or ("jsonl" if ctx.json else "table")
    if fmt == "table" and args.output:
        raise CommandError("--output needs --format jsonl or csv", EXIT_USAGE)
    with ctx.client() as client:
        progress = DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label="results", per_page=args.per_page)
        if args.output:
            with progress:
                count = client.evaluation_runs.export(
                    args.run,
                    args.output,
                    format="csv" if fmt == "csv" else "jsonl",
                    per_page=args.per_page,
                    on_progress=progress,
                )
            if ctx.json:
                dump_json({"path": str(args.output), "prompts": count, "format": fmt}, ctx.stdout)
            else:
                ctx.out(f"wrote {count} prompts to {args.output}")
            return EXIT_OK
        with progress, client.evaluation_runs.iter_results(args.run, per_page=args.per_page) as results:
            _stream_results(ctx, results.pages(), fmt, args.run, progress)
    return EXIT_OK


def _table_rows(page: ResultsPage, metrics: Sequence[str]) -> list[list[object]]:
    rows = []
    for prompt in page.prompts:
        cells: list[object] = [prompt.prompt_id]
        for name in metrics:
            result = prompt.metric(name)
            if result is None:
                cells.append("-")
            elif result.is_error:
                cells.append("error")
            else:
                value = result.value
                cells.append(value if isinstance(value, str) else format_number(value))
        cells.append(clip(prompt.input, 60))
        rows.append(cells)
    return rows


def _stream_results(
    ctx: Context, pages: Iterator[ResultsPage], fmt: str, run_uuid: str, progress: DownloadProgress
) -> None:
    done = 0
    encoder = CsvEncoder(run_uuid)
    metrics: list[str] | None = None
    for page in pages:
        done += len(page.prompts)
        progress(done, page.meta.total)
        if fmt == "jsonl":
            ctx.stdout.write(jsonl_text(page.prompts, run_uuid))
        elif fmt == "csv":
            ctx.stdout.write(encoder.encode(page.prompts))
        else:
            if metrics is None:
                names = {metric_name_of(r) for p in page.prompts for r in p.prompt_level_metric_results}
                metrics = sorted(n for n in names if n is not None)
            table = render_table(["PROMPT", *(m.upper() for m in metrics), "INPUT"], _table_rows(page, metrics))
            # One header for the whole stream: later pages print their rows only.
            ctx.stdout.write(table if done == len(page.prompts) else table.split("\n", 2)[2])
        ctx.stdout.flush()
    if fmt == "csv":
        ctx.stdout.write(encoder.finish())


def compare_runs(ctx: Context) -> int:
    """``runs compare``: a candidate run against a base run, gated on request."""
    args = ctx.args
    thresholds = pairs(args.threshold)
    min_scores = pairs(args.min_score)
    if args.tolerance < 0:
        raise CommandError("--tolerance must be >= 0", EXIT_USAGE)
    progress = DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label="comparing", per_page=100)
    with ctx.client() as client, progress:
        result = client.evaluation_runs.compare(
            args.base,
            args.candidate,
            thresholds=thresholds,
            min_scores=min_scores,
            tolerance=args.tolerance,
            pass_thresholds=pairs(args.pass_threshold),
            on_progress=progress,
        )
    if ctx.json:
        payload = to_jsonable(result)
        payload["regressions"] = payload["regressions"][: max(args.show, 0)] if args.show else payload["regressions"]
        dump_json(payload, ctx.stdout)
    else:
        ctx.out(comparison_text(result, args.show))
    gated = args.fail_on_regression or bool(thresholds) or bool(min_scores)
    if gated and not result.passed:
        ctx.note(f"gradient-evals: {_gate_line(result.verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK
