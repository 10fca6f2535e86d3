"""``gradient-evals demo``: the whole workflow, end to end, on a local emulator (no token, no network)."""

from __future__ import annotations

import tempfile
import uuid as uuid_module
from pathlib import Path
from typing import Any

from .._args import Subcommands, add_command, positive_float, positive_int
from .._context import EXIT_OK, Context
from .._render import DownloadProgress, StatusProgress, dump_json
from .._views import comparison_text, run_rows, summary_table, worst_regressions

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``demo``."""
    demo = add_command(
        commands, "demo", run_demo, "evaluate two agents on a local emulator, end to end (no token needed)"
    )
    demo.add_argument("--prompts", type=positive_int, default=300, help="prompts in the test case (default 300)")
    demo.add_argument("--duration", type=positive_float, default=3.0, help="seconds each run takes (default 3)")
    demo.add_argument("--output", help="directory for the JSONL exports (default: a new temporary directory)")


def run_demo(ctx: Context) -> int:
    """``demo``: create two runs, wait, export, summarize and compare them on an emulator."""
    from ..._sync import GradientEvals
    from ...testing import FakeGradientServer

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
            say(run_rows(runs))
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
                say(summary_table(summary))
                report["runs"].append({"run": run, "summary": summary})
                report["exports"].append({"path": str(path), "prompts": count})
            comparison = client.evaluation_runs.compare(
                runs[0].evaluation_run_uuid or "", runs[1].evaluation_run_uuid or "", tolerance=5.0
            )
            say(comparison_text(comparison, worst_regressions(comparison, 5), comparison.verdict))
            report["comparison"] = comparison
    say("pass rate of correctness counts a prompt as passing at a score >= 70 (the run's star-metric threshold)")
    say(f"full exports (JSON Lines, one object per prompt) are in {output}")
    if ctx.json:
        dump_json(report, ctx.stdout)
    return EXIT_OK
