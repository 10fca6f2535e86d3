"""``runs history`` (a test case's finished runs) and ``runs watch`` (runs followed live until they finish)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import attrs
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ...types import EvaluationRun
from ...workflows.agent_versions import version_label
from ...workflows.history import HistoryRow
from .._args import Subcommands, add_command, positive_float, positive_int
from .._context import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, CommandError, Context
from .._render import console, dump_json, escape_text, format_number, render_table, status_name

if TYPE_CHECKING:
    from ..._sync import GradientEvals

__all__ = ["history_rows", "register_history", "register_watch"]

_MAX_WATCHED: Final = 50


def register_history(runs: Subcommands) -> None:
    """Add ``runs history``."""
    history = add_command(runs, "history", runs_history, "a test case's finished runs, newest first")
    history.add_argument("--test-case", required=True, metavar="NAME_OR_UUID", help="the test case")
    history.add_argument(
        "--agent", metavar="NAME_OR_UUID", help="only this agent's runs (its UUID, deployment name or name)"
    )
    history.add_argument("--limit", type=positive_int, default=20, help="the newest N runs (default 20)")


def register_watch(runs: Subcommands) -> None:
    """Add ``runs watch``."""
    watch = add_command(runs, "watch", watch_runs, "follow runs live until they all finish")
    watch.add_argument("runs", nargs="+", metavar="RUN", help="run UUIDs")
    watch.add_argument("--timeout", type=positive_float, default=3600.0, help="seconds to watch (default 3600)")
    watch.add_argument("--poll-interval", type=positive_float, default=2.0, help="seconds between polls (default 2)")


def _value(value: float | str | None) -> str:
    return escape_text(value) if isinstance(value, str) else format_number(value)


def _spread(row: HistoryRow, metric: str) -> str:
    """A metric's value; for a repeat group, with the spread of its runs (``72.3 +-4.1``)."""
    spread = row.spread.get(metric)
    value = _value(row.metrics.get(metric))
    return value if spread is None else f"{value} +-{format_number(spread)}"


def history_rows(rows: Sequence[HistoryRow]) -> str:
    """The history as a table: one line per run (a repeat group is one line, with a RUNS column), a column per
    metric."""
    metrics = list(dict.fromkeys(name for row in rows for name in row.metrics))
    grouped = any(row.repeats > 1 for row in rows)
    headers = [
        "RUN",
        "FINISHED",
        "AGENT",
        "AGENT VERSION",
        "VERSION",
        "STATUS",
        "STAR METRIC",
        "PASS",
        *(m.upper() for m in metrics),
    ]
    body = [
        (
            row.evaluation_run_uuid,
            None if row.finished_at is None else row.finished_at.replace(microsecond=0).isoformat(),
            row.agent,
            row.agent_version or "-",
            row.test_case_version,
            status_name(row.status),
            "-" if row.star_value is None else f"{row.star_metric or 'star'}={_value(row.star_value)}",
            "-" if row.passed is None else ("yes" if row.passed else "no"),
            *(_spread(row, m) for m in metrics),
            *((row.repeats,) if grouped else ()),
        )
        for row in rows
    ]
    headers += ["RUNS"] if grouped else []
    return render_table(headers, body, right=[4, *range(8, len(headers))])


def runs_history(ctx: Context) -> int:
    """``runs history``: the finished runs of a test case, newest first."""
    args = ctx.args
    with ctx.client() as client:
        rows = client.evaluation_test_cases.list_history(args.test_case, agent=args.agent, limit=args.limit)
        # Each run's agent version by name where the agent's versions say it, else by the hash's start.
        names = client.agents.version_names([r.agent_uuid for r in rows if r.agent_uuid])
        rows = [attrs.evolve(r, agent_version=version_label(r.agent_version_hash, names)) for r in rows]
    if ctx.json:
        dump_json(rows, ctx.stdout)
    elif rows:
        ctx.out(history_rows(rows))
    else:
        ctx.note("gradient-evals: no finished run of this test case" + (" by this agent" if args.agent else ""))
    return EXIT_OK


class _Watched:
    """What the watch knows of one run: its last state and how many results it has so far."""

    def __init__(self, uuid: str) -> None:
        self.uuid = uuid
        self.run: EvaluationRun | None = None
        self.results: int | None = None

    def line(self) -> str:
        status = "-" if self.run is None else status_name(self.run.status)
        done = "?" if self.results is None else str(self.results)
        return f"{escape_text(self.uuid)}: {status}, {done} prompts scored"


def _poll(client: GradientEvals, watched: _Watched) -> None:
    watched.run = client.evaluation_runs.retrieve(watched.uuid)
    page = client.evaluation_runs.list_results(watched.uuid, per_page=1)
    watched.results = page.meta.total


def _view(watched: Sequence[_Watched], started: float) -> Table:
    table = Table(title=Text(f"watching {len(watched)} runs, {time.monotonic() - started:.0f} s"), title_justify="left")
    for column, justify in (("run", "left"), ("agent", "left"), ("status", "left"), ("prompts scored", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for item in watched:
        run = item.run
        agent = None if run is None else (run.agent_name or run.agent_deployment_name or run.agent_uuid)
        status = "-" if run is None else status_name(run.status)
        style = "" if run is None or not run.is_terminal else ("red" if run.is_failed else "green")
        table.add_row(
            Text(escape_text(item.uuid)),
            Text(escape_text(agent or "-")),
            Text(status, style=style),
            Text("?" if item.results is None else str(item.results)),
        )
    return table


def watch_runs(ctx: Context) -> int:
    """``runs watch``: a live view on a terminal, one plain line per change elsewhere; exits as ``runs wait``."""
    args = ctx.args
    uuids = list(dict.fromkeys(args.runs))
    if len(uuids) > _MAX_WATCHED:
        raise CommandError(f"watch at most {_MAX_WATCHED} runs at once, got {len(uuids)}", EXIT_USAGE)
    watched = [_Watched(u) for u in uuids]
    started = time.monotonic()
    deadline = started + args.timeout
    tty = ctx.stdout_tty and not ctx.json
    last_lines: dict[str, str] = {}
    pause = threading.Event()  # never set: its wait is an interruptible sleep between polls
    with ctx.client() as client:
        live = Live(_view(watched, started), console=console(ctx.stdout, tty=True), auto_refresh=False) if tty else None
        if live is not None:
            live.start()
        try:
            while True:
                for item in watched:
                    if item.run is None or not item.run.is_terminal:
                        _poll(client, item)
                if live is not None:
                    live.update(_view(watched, started), refresh=True)
                elif not ctx.json:
                    for item in watched:
                        line = item.line()
                        if last_lines.get(item.uuid) != line:
                            last_lines[item.uuid] = line
                            ctx.out(f"[{time.monotonic() - started:6.1f} s] {line}")
                if all(item.run is not None and item.run.is_terminal for item in watched):
                    break
                if time.monotonic() + args.poll_interval > deadline:
                    ctx.note(f"gradient-evals: the runs did not all finish within {args.timeout:g} s")
                    return EXIT_RUN_FAILED
                pause.wait(args.poll_interval)
        finally:
            if live is not None:
                live.stop()
    runs = [item.run for item in watched if item.run is not None]
    if ctx.json:
        dump_json(runs, ctx.stdout)
    failed = [r for r in runs if r.is_failed]
    if failed:
        names = ", ".join(f"{escape_text(str(r.evaluation_run_uuid))} {status_name(r.status)}" for r in failed)
        ctx.note(f"gradient-evals: run failed: {names}")
        return EXIT_RUN_FAILED
    return EXIT_OK
