"""``gradient-evals runs ...``: create, get, wait for, read, summarize and compare evaluation runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ...results import RunSummary, Verdict
from ...types import EvaluationRun
from ...workflows.gates import REGRESSION_TESTS
from .._args import (
    Subcommands,
    add_command,
    add_gate_options,
    add_group,
    add_metric_values,
    add_wait_options,
    non_negative_int,
    pairs,
)
from .._context import (
    EXIT_GATE_FAILED,
    EXIT_OK,
    EXIT_RUN_FAILED,
    EXIT_USAGE,
    CommandError,
    Context,
)
from .._flags import speaking_flags
from .._render import (
    DownloadProgress,
    StatusProgress,
    dump_json,
    escape_text,
    status_name,
    to_jsonable,
)
from .._views import comparison_text, run_detail, run_rows, summary_table, worst_regressions
from ._runs_live import register_history, register_watch
from ._runs_results import register_results

if TYPE_CHECKING:
    from ..._sync import GradientEvals

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``runs`` and its commands."""
    runs = add_group(commands, "runs", "evaluation runs")

    create = add_command(runs, "create", create_runs, "start runs of a test case: one per agent")
    create.add_argument("--test-case", required=True, metavar="NAME|UUID", help="the test case to run")
    create.add_argument(
        "--agent", action="append", default=[], metavar="NAME|UUID", help="an agent, by name or UUID (repeatable)"
    )
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

    register_results(runs)

    summary = add_command(runs, "summary", summarize_run, "per-metric statistics of a run")
    summary.add_argument("run", metavar="UUID")
    add_gate_options(summary)
    summary.add_argument(
        "--wait", action="store_true", help="wait for the run to finish first (a gate fails on an unfinished run)"
    )
    add_wait_options(summary)

    register_watch(runs)
    register_history(runs)

    compare = add_command(runs, "compare", compare_runs, "compare a candidate run with a base run")
    compare.add_argument("base", metavar="BASE")
    compare.add_argument("candidate", metavar="CANDIDATE")
    compare.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit 1 when the verdict fails (with no --threshold/--min-score: any score drop beyond --tolerance)",
    )
    add_metric_values(
        compare,
        "--threshold",
        "allowed change of a score: correctness=-2 lets it drop 2 points at most (repeatable; gates)",
        metavar="METRIC=DELTA",
    )
    add_metric_values(compare, "--min-score", "the candidate's score must be at least VALUE (repeatable; gates)")
    compare.add_argument("--tolerance", type=float, default=0.0, help="per-prompt and default-gate slack")
    compare.add_argument(
        "--regression-test",
        choices=REGRESSION_TESTS,
        default="paired",
        help="decide a worsening on the prompts paired by input (paired, the default) or on the two scores (point)",
    )
    compare.add_argument(
        "--require-conclusive",
        action="store_true",
        help="fail a worsening the paired prompts cannot decide (its 95%% interval straddles the allowed worsening)",
    )
    add_metric_values(compare, "--pass-threshold", "count a prompt as passing at a value >= VALUE (repeatable)")
    compare.add_argument(
        "--show",
        type=non_negative_int,
        default=10,
        help="worst regressed prompts to list (default 10; with --json, 0 lists them all)",
    )


def _gate_line(verdict: Verdict) -> str:
    return "quality gate failed: " + "; ".join(escape_text(reason) for reason in verdict.reasons)


def _label(run: EvaluationRun) -> str:
    """A run's UUID as the server sent it, safe on one line."""
    return escape_text(str(run.evaluation_run_uuid))


def _ended(run: EvaluationRun) -> str:
    detail = f": {escape_text(run.error_description)}" if run.error_description else ""
    return f"{_label(run)} ended {status_name(run.status)}{detail}"


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
        raise CommandError("give at least one --agent NAME|UUID or --deployment NAME", EXIT_USAGE)
    # Names are resolved (a read each) before anything is created; every argument error speaks of the options.
    with speaking_flags({"run_name": "--name"}), ctx.client() as client:
        test_case = client.evaluation_test_cases.resolve(args.test_case)
        agents = client.agents.resolve_all(args.agent) if args.agent else None
        if not args.wait:
            created = client.evaluation_runs.create(
                test_case_uuid=test_case,
                agent_uuids=agents,
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
                test_case_uuid=test_case,
                agent_uuids=agents,
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
        names = ", ".join(f"{_label(r)} {status_name(r.status)}" for r in failed)
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
        ctx.out(f"{_label(run)}: {status_name(run.status)}")
        if summary is not None:
            ctx.out(summary_table(summary))
    if run.is_failed:
        ctx.note(f"gradient-evals: run failed: {_ended(run)}")
        return EXIT_RUN_FAILED
    if verdict is not None and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK


_WAIT_HINT: Final = "; pass --wait to gate on the finished run"


def _unfinished(run: EvaluationRun, summary: RunSummary, hint: str = _WAIT_HINT) -> str:
    return (
        f"run {_label(run)} has not finished ({status_name(run.status)}): "
        f"only {summary.prompt_count} prompts are scored so far{hint}"
    )


def summarize_run(ctx: Context) -> int:
    """``runs summary``: per-metric statistics, gated with ``--fail-under`` on a finished run only."""
    args = ctx.args
    gate = pairs(args.fail_under)
    with ctx.client() as client:
        # The status is read before the results: a run seen finished before reading has final results, while
        # one that finishes during the reading may have been summarized from part of them.
        run: EvaluationRun | None = None
        if args.wait:
            [run] = _wait_all(ctx, client, [args.run])
        elif gate:
            run = client.evaluation_runs.retrieve(args.run)
        summary = _summarize(ctx, client, args.run)
    verdict = summary.check(gate) if gate else None
    unfinished = run is not None and not run.is_terminal
    if verdict is not None and run is not None and unfinished:
        verdict = Verdict(passed=False, reasons=(_unfinished(run, summary), *verdict.reasons))
    if ctx.json:
        dump_json({"summary": summary, "verdict": verdict}, ctx.stdout)
    else:
        ctx.out(summary_table(summary))
    if run is not None and run.is_failed:  # read to gate on, or waited for: as `runs wait` does
        ctx.note(f"gradient-evals: run failed: {_ended(run)}")
        return EXIT_RUN_FAILED
    if verdict is not None and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    if summary.run is not None and not summary.run.is_terminal:
        ctx.note(f"gradient-evals: note: {_unfinished(summary.run, summary)}")
    return EXIT_OK


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
            regression_test=args.regression_test,
            require_conclusive=args.require_conclusive,
        )
    verdict = result.verdict
    gated = args.fail_on_regression or bool(thresholds) or bool(min_scores)
    sides = (result.base, result.candidate)
    problems = [_unfinished(side.run, side, "") for side in sides if side.run and not side.run.is_terminal]
    if result.matched == 0:
        problems.append(f"no prompt of {args.candidate} matched one of {args.base} (by prompt id or input)")
    for problem in problems:  # partial or empty comparisons fail a gate, and are never passed over in silence
        if gated:
            verdict = Verdict(passed=False, reasons=(problem, *verdict.reasons), notes=verdict.notes)
        else:
            ctx.note(f"gradient-evals: warning: {problem}")
    worst = worst_regressions(result, args.show or None)
    if ctx.json:
        payload = to_jsonable(result)
        payload["regressions"] = to_jsonable(worst)
        payload["regression_count"] = len(result.regressions)
        payload["verdict"] = to_jsonable(verdict)
        dump_json(payload, ctx.stdout)
    else:
        ctx.out(comparison_text(result, worst if args.show else [], verdict))
    if gated and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK
