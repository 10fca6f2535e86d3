"""The commands of ``gradient-evals``; each takes a :class:`Context` and returns an exit code."""

from __future__ import annotations

import contextlib
import tempfile
import uuid as uuid_module
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..types import EvaluationRun, EvaluationRunStatus, RunComparison, RunSummary, Verdict
from ..workflows.export import CsvEncoder, jsonl_text, metric_name_of
from ._main import EXIT_GATE_FAILED, EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, CommandError, Context
from ._output import (
    DownloadProgress,
    StatusProgress,
    dump_json,
    format_number,
    format_rate,
    render_table,
    status_name,
    to_jsonable,
)

if TYPE_CHECKING:
    from .._sync import GradientEvals

__all__ = [
    "cmd_demo",
    "cmd_emulator",
    "cmd_runs_compare",
    "cmd_runs_create",
    "cmd_runs_get",
    "cmd_runs_results",
    "cmd_runs_summary",
    "cmd_runs_wait",
    "cmd_test_case_runs",
]

_FAILED = frozenset({EvaluationRunStatus.FAILED, EvaluationRunStatus.CANCELLED})


@contextlib.contextmanager
def _client(ctx: Context) -> Iterator[GradientEvals]:
    client: GradientEvals = ctx.client()  # type: ignore[assignment]
    try:
        yield client
    finally:
        client.close()


def _pairs(items: Sequence[tuple[str, float]]) -> dict[str, float]:
    return dict(items)


def _gate_line(verdict: Verdict) -> str:
    return "quality gate failed: " + "; ".join(verdict.reasons)


# -- rendering ---------------------------------------------------------------------------------------------


def _run_rows(runs: Sequence[EvaluationRun]) -> str:
    rows = []
    for run in runs:
        star = run.star_metric_result
        star_text = "-"
        if star is not None and star.value is not None:
            value = star.value if isinstance(star.value, str) else format_number(star.value)
            star_text = f"{star.metric_name or 'star'}={value}"
        rows.append(
            (
                run.evaluation_run_uuid,
                run.run_name,
                status_name(run.status),
                run.agent_name or run.agent_deployment_name or run.agent_uuid,
                star_text,
                "-" if run.pass_status is None else ("yes" if run.pass_status else "no"),
            )
        )
    return render_table(["RUN", "NAME", "STATUS", "AGENT", "STAR METRIC", "PASS"], rows)


def _run_detail(run: EvaluationRun) -> str:
    def when(value: Any) -> str:
        return "-" if value is None else value.isoformat()

    lines = [
        ("run", run.evaluation_run_uuid),
        ("name", run.run_name),
        ("status", status_name(run.status)),
        ("test case", f"{run.test_case_name or '-'} ({run.test_case_uuid}) version {run.test_case_version}"),
        ("agent", f"{run.agent_name or run.agent_deployment_name or '-'} ({run.agent_uuid or '-'})"),
        ("queued", when(run.queued_at)),
        ("started", when(run.started_at)),
        ("finished", when(run.finished_at)),
        ("passed", "-" if run.pass_status is None else ("yes" if run.pass_status else "no")),
    ]
    if run.error_description:
        lines.append(("error", run.error_description))
    width = max(len(k) for k, _ in lines)
    text = "".join(f"{k.ljust(width)}  {'-' if v is None else v}\n" for k, v in lines)
    if run.run_level_metric_results:
        rows = []
        for result in run.run_level_metric_results:
            value = result.value
            shown = value if isinstance(value, str) else format_number(value)
            rows.append((metric_name_of(result), shown, result.error_description or ""))
        text += "\n" + render_table(["METRIC", "VALUE", "ERROR"], rows)
    return text


def _summary_table(summary: RunSummary) -> str:
    rows = []
    for m in summary.metrics.values():
        rows.append(
            (
                m.name,
                m.count,
                m.errors,
                format_number(m.mean),
                format_number(m.min),
                format_number(m.max),
                format_rate(m.pass_rate),
                "-" if m.failed is None else m.failed,
            )
        )
    table = render_table(
        ["METRIC", "SCORED", "ERRORS", "MEAN", "MIN", "MAX", "PASS RATE", "FAILED"], rows, right=range(1, 8)
    )
    return f"{summary.prompt_count} prompts in run {summary.evaluation_run_uuid}\n{table}"


def _comparison_text(result: RunComparison, show: int) -> str:
    rows = []
    for m in result.metrics.values():
        base = None if m.base is None else m.base.score
        cand = None if m.candidate is None else m.candidate.score
        delta = m.delta
        rows.append(
            (
                m.name,
                format_number(base),
                format_number(cand),
                "-" if delta is None else f"{delta:+.4g}",
                m.regressed,
            )
        )
    text = (
        f"base {result.base.evaluation_run_uuid} vs candidate {result.candidate.evaluation_run_uuid}: "
        f"{result.matched} prompts matched, {result.unmatched_base} only in base, "
        f"{result.unmatched_candidate} only in candidate\n"
    )
    text += render_table(["METRIC", "BASE", "CANDIDATE", "DELTA", "REGRESSED"], rows, right=range(1, 5))
    if result.regressions and show:
        worst = sorted(result.regressions, key=lambda r: r.delta)[:show]
        text += f"\nworst regressions ({len(result.regressions)} in all):\n"
        text += render_table(
            ["METRIC", "PROMPT", "BASE", "CANDIDATE", "INPUT"],
            [
                (
                    r.metric,
                    r.candidate_prompt_id,
                    format_number(r.base_value),
                    format_number(r.candidate_value),
                    _clip(r.input, 60),
                )
                for r in worst
            ],
        )
    verdict = "PASSED" if result.passed else "FAILED: " + "; ".join(result.verdict.reasons)
    return text + f"\nverdict: {verdict}\n"


def _clip(text: str | None, width: int) -> str:
    if text is None:
        return "-"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# -- runs --------------------------------------------------------------------------------------------------


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


def cmd_runs_create(ctx: Context) -> int:
    args = ctx.args
    if not args.agent and not args.deployment:
        raise CommandError("give at least one --agent UUID or --deployment NAME", EXIT_USAGE)
    with _client(ctx) as client:
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
        ctx.out(_run_rows(runs))
    failed = [r for r in runs if r.status in _FAILED]
    if failed:
        names = ", ".join(f"{r.evaluation_run_uuid} {status_name(r.status)}" for r in failed)
        ctx.note(f"gradient-evals: run failed: {names}")
        return EXIT_RUN_FAILED
    return EXIT_OK


def cmd_runs_get(ctx: Context) -> int:
    with _client(ctx) as client:
        run = client.evaluation_runs.retrieve(ctx.args.run)
    if ctx.json:
        dump_json(run, ctx.stdout)
    else:
        ctx.out(_run_detail(run))
    return EXIT_OK


def _summarize(ctx: Context, client: GradientEvals, run_uuid: str) -> RunSummary:
    per_page = 100
    with DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label="results", per_page=per_page) as progress:
        return client.evaluation_runs.summarize(
            run_uuid,
            pass_thresholds=_pairs(ctx.args.pass_threshold),
            per_page=per_page,
            on_progress=progress,
        )


def cmd_runs_wait(ctx: Context) -> int:
    args = ctx.args
    gate = _pairs(args.fail_under)
    with _client(ctx) as client:
        [run] = _wait_all(ctx, client, [args.run])
        summary = _summarize(ctx, client, args.run) if gate and run.status not in _FAILED else None
    verdict = summary.check(gate) if summary is not None else None
    if ctx.json:
        dump_json({"run": run, "summary": summary, "verdict": verdict}, ctx.stdout)
    else:
        ctx.out(f"{run.evaluation_run_uuid}: {status_name(run.status)}")
        if summary is not None:
            ctx.out(_summary_table(summary))
    if run.status in _FAILED:
        detail = f": {run.error_description}" if run.error_description else ""
        ctx.note(f"gradient-evals: run failed: {run.evaluation_run_uuid} ended {status_name(run.status)}{detail}")
        return EXIT_RUN_FAILED
    if verdict is not None and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK


def cmd_runs_summary(ctx: Context) -> int:
    gate = _pairs(ctx.args.fail_under)
    with _client(ctx) as client:
        summary = _summarize(ctx, client, ctx.args.run)
    verdict = summary.check(gate) if gate else None
    if ctx.json:
        dump_json({"summary": summary, "verdict": verdict}, ctx.stdout)
    else:
        ctx.out(_summary_table(summary))
    if verdict is not None and not verdict.passed:
        ctx.note(f"gradient-evals: {_gate_line(verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK


def cmd_runs_results(ctx: Context) -> int:
    args = ctx.args
    fmt = args.format or ("jsonl" if ctx.json else "table")
    if fmt == "table" and args.output:
        raise CommandError("--output needs --format jsonl or csv", EXIT_USAGE)
    with _client(ctx) as client:
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


def _stream_results(ctx: Context, pages: Iterator[Any], fmt: str, run_uuid: str, progress: DownloadProgress) -> None:
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
                cells.append(_clip(prompt.input, 60))
                rows.append(cells)
            table = render_table(["PROMPT", *(m.upper() for m in metrics), "INPUT"], rows)
            # One header for the whole stream: later pages print their rows only.
            ctx.stdout.write(table if done == len(page.prompts) else table.split("\n", 2)[2])
        ctx.stdout.flush()
    if fmt == "csv":
        ctx.stdout.write(encoder.finish())


def cmd_runs_compare(ctx: Context) -> int:
    args = ctx.args
    thresholds = _pairs(args.threshold)
    min_scores = _pairs(args.min_score)
    if args.tolerance < 0:
        raise CommandError("--tolerance must be >= 0", EXIT_USAGE)
    with _client(ctx) as client:
        label = "comparing"
        with DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label=label, per_page=100) as progress:
            result = client.evaluation_runs.compare(
                args.base,
                args.candidate,
                thresholds=thresholds,
                min_scores=min_scores,
                tolerance=args.tolerance,
                pass_thresholds=_pairs(args.pass_threshold),
                on_progress=progress,
            )
    if ctx.json:
        payload = to_jsonable(result)
        payload["regressions"] = payload["regressions"][: max(args.show, 0)] if args.show else payload["regressions"]
        dump_json(payload, ctx.stdout)
    else:
        ctx.out(_comparison_text(result, args.show))
    gated = args.fail_on_regression or bool(thresholds) or bool(min_scores)
    if gated and not result.passed:
        ctx.note(f"gradient-evals: {_gate_line(result.verdict)}")
        return EXIT_GATE_FAILED
    return EXIT_OK


def cmd_test_case_runs(ctx: Context) -> int:
    with _client(ctx) as client:
        runs = client.evaluation_test_cases.list_evaluation_runs(
            ctx.args.test_case, evaluation_test_case_version=ctx.args.version
        )
    if ctx.json:
        dump_json(runs, ctx.stdout)
    else:
        ctx.out(_run_rows(runs) if runs else "no runs")
    return EXIT_OK


# -- emulator and demo -------------------------------------------------------------------------------------


def cmd_emulator(ctx: Context) -> int:
    from ..testing._cli import serve_emulator

    args = ctx.args
    return serve_emulator(
        port=args.port,
        host=args.host,
        runs=args.runs,
        prompts=args.prompts,
        latency=args.latency,
        seed=args.seed,
        stdout=ctx.stdout,
    )


def cmd_demo(ctx: Context) -> int:
    from .._sync import GradientEvals
    from ..testing import FakeGradientServer

    args = ctx.args
    say = ctx.note if ctx.json else ctx.out
    output = Path(args.output) if args.output else Path(tempfile.mkdtemp(prefix="gradient-evals-demo-"))
    output.mkdir(parents=True, exist_ok=True)
    agents = [str(uuid_module.uuid4()), str(uuid_module.uuid4())]
    per_page = 100
    report: dict[str, Any] = {"runs": [], "exports": []}
    with FakeGradientServer(run_duration=args.duration, seed=1) as server:
        test_case = server.add_test_case(prompts=args.prompts, name="support-bot-regression")
        say(f"emulator listening on {server.base_url} (local; no token or network needed)")
        say(f"test case {test_case}: {args.prompts} prompts; evaluating 2 agents")
        with GradientEvals(server.token, base_url=server.base_url) as client:
            with StatusProgress(ctx.stderr, tty=ctx.stderr_tty) as progress:
                runs = client.evaluation_runs.create_and_wait(
                    test_case_uuid=test_case,
                    agent_uuids=agents,
                    run_name="demo",
                    timeout=max(60.0, args.duration * 10),
                    poll_interval=0.5,
                    max_poll_interval=2.0,
                    on_update=progress.update,
                )
            say(_run_rows(runs))
            for run in runs:
                run_uuid = run.evaluation_run_uuid or ""
                path = output / f"{run_uuid}.jsonl"
                label = f"run {run_uuid[:8]}"
                with DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label=label, per_page=per_page) as dl:
                    count = client.evaluation_runs.export(run_uuid, path, per_page=per_page, on_progress=dl)
                say(f"{label}: streamed {count} prompt results in {dl.pages} pages -> {path}")
                summary = client.evaluation_runs.summarize(
                    run_uuid, pass_thresholds={"correctness": 70}, per_page=per_page
                )
                say(_summary_table(summary))
                report["runs"].append({"run": run, "summary": summary})
                report["exports"].append({"path": str(path), "prompts": count})
            comparison = client.evaluation_runs.compare(
                runs[0].evaluation_run_uuid or "", runs[1].evaluation_run_uuid or "", tolerance=5.0
            )
            say(_comparison_text(comparison, 5))
            report["comparison"] = comparison
    say("pass rate of correctness counts a prompt as passing at a score >= 70 (the run's star-metric threshold)")
    say(f"full exports (JSON Lines, one object per prompt) are in {output}")
    if ctx.json:
        dump_json(report, ctx.stdout)
    return EXIT_OK
