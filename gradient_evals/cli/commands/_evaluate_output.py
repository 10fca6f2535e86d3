"""What ``evaluate`` (one evaluation, or the suites of a config) shows and writes: progress, the verdict on stdout,
the stderr remarks, the report files, and the exit code of a report.

Order: the verdict is printed first, then the reports are written. A report that cannot be written is named on
stderr and turns only a passing verdict into 3: a failed gate stays 1 and a failed run 4.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...reports._repeats import repeat_remarks
from ...reports.junit import render_junit
from ...reports.markdown import render_markdown
from ...reports.suites import SuitesDocument
from ...results import EvaluationProgress, EvaluationReport
from ...workflows._files import write_text_atomically
from ...workflows.explain import DEFAULT_ANSWERS_SHOWN
from .._context import EXIT_API_ERROR, EXIT_GATE_FAILED, EXIT_OK, EXIT_RUN_FAILED, Context
from .._render import dump_json, escape_text, status_name
from ._github import PullRequestComment, tell_github

__all__ = [
    "STEP_SUMMARY_ENV",
    "EvaluateProgress",
    "exit_code_of",
    "finish",
    "show",
    "show_report",
    "warnings_of",
    "write_after_verdict",
    "write_reports",
]

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


class EvaluateProgress:
    """Progress of ``evaluate``: a live status on a terminal (rich), one plain line per step elsewhere.

    Called from the client's event-loop thread; every method takes the lock.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tty = ctx.stderr_tty and not ctx.json
        self.lock = threading.Lock()
        self.statuses: dict[str, str] = {}
        self.results: dict[str, str] = {}
        self.stage = "starting"
        self.started = time.monotonic()
        self.live: Any = None

    def __enter__(self) -> EvaluateProgress:
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.ctx.stderr)
            self.live = Live(self._render(), console=console, refresh_per_second=4, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        table.add_row(Text(f"{self.stage}", style="bold"), Text(f"{time.monotonic() - self.started:.0f} s"))
        for run_uuid, status in self.statuses.items():
            table.add_row(Text(f"run {run_uuid[:8]}"), Text(status), Text(self.results.get(run_uuid, "")))
        return table

    def __call__(self, event: EvaluationProgress) -> None:
        with self.lock:
            if event.stage == "run" and event.run is not None and event.evaluation_run_uuid:
                self.statuses[event.evaluation_run_uuid] = status_name(event.run.status)
            elif event.stage == "results" and event.evaluation_run_uuid:
                self.results[event.evaluation_run_uuid] = f"{event.done}/{event.total or '?'} results"
                if event.evaluation_run_uuid not in self.statuses:
                    self.statuses[event.evaluation_run_uuid] = "baseline"
            else:
                self.stage = escape_text(event.message)
            if self.live is not None:
                self.live.update(self._render())
            else:
                self.ctx.note(f"[{time.monotonic() - self.started:6.1f} s] {escape_text(event.message)}")


def _write(path: Path, text: str) -> None:
    """Write a report whole or not at all, never through a file or link planted beside it (as ``export`` does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, text)


def _renderers(
    report: EvaluationReport | SuitesDocument,
) -> tuple[Callable[[], str], Callable[[], str], Callable[[int], str]]:
    """The JUnit, Markdown and HTML renderers of one evaluation's report, or of several suites' as one document."""
    if isinstance(report, SuitesDocument):
        return report.junit_xml, report.markdown, lambda answers: report.html(answers=answers)

    def html(answers: int) -> str:
        from ...reports.html import render_html  # Jinja2 is loaded only when an HTML page is asked for

        return render_html(report, answers=answers)

    return lambda: render_junit(report), lambda: render_markdown(report), html


def write_reports(
    report: EvaluationReport | SuitesDocument,
    *,
    junit: str | None,
    markdown: str | None,
    html: str | None,
    step_summary: bool = True,
    answers: int = DEFAULT_ANSWERS_SHOWN,
) -> list[tuple[str, Path]]:
    """Write the reports asked for (and the Markdown to ``$GITHUB_STEP_SUMMARY`` when set); returns them."""
    written: list[tuple[str, Path]] = []
    to_junit, to_markdown, to_html = _renderers(report)
    if junit:
        _write(Path(junit), to_junit())
        written.append(("JUnit XML", Path(junit)))
    text = None
    if markdown:
        text = to_markdown()
        _write(Path(markdown), text)
        written.append(("Markdown", Path(markdown)))
    summary = os.environ.get(STEP_SUMMARY_ENV) if step_summary else None
    if summary:
        text = text or to_markdown()
        with open(summary, "a", encoding="utf-8") as out:  # the job summary file is shared by every step
            out.write(text + "\n")
        written.append(("job summary", Path(summary)))
    if html:
        _write(Path(html), to_html(answers))
        written.append(("HTML", Path(html)))
    return written


def exit_code_of(report: EvaluationReport) -> int:
    """4 when a run FAILED, was CANCELLED or timed out; 1 when a gate failed; 0 otherwise."""
    if report.run_failed:
        return EXIT_RUN_FAILED
    return EXIT_OK if report.passed else EXIT_GATE_FAILED


def warnings_of(report: EvaluationReport) -> list[str]:
    """The stderr lines every evaluation prints: a new test case version, each gate not applied, the notes."""
    from ...reports._format import remarks

    return [escape_text(line) for line in [*remarks(report), *repeat_remarks(report)]]


def finish(
    ctx: Context,
    report: EvaluationReport,
    *,
    junit: str | None,
    markdown: str | None,
    html: str | None,
    answers: int = DEFAULT_ANSWERS_SHOWN,
    comment: PullRequestComment | None = None,
) -> int:
    """Print the verdict, then write the reports; a write failure makes only a passing verdict exit 3."""
    show_report(ctx, report)
    for line in warnings_of(report):
        ctx.note(line)
    return write_after_verdict(
        ctx, report, exit_code_of(report), junit=junit, markdown=markdown, html=html, answers=answers, comment=comment
    )


def write_after_verdict(
    ctx: Context,
    document: EvaluationReport | SuitesDocument,
    code: int,
    *,
    junit: str | None,
    markdown: str | None,
    html: str | None,
    answers: int = DEFAULT_ANSWERS_SHOWN,
    comment: PullRequestComment | None = None,
) -> int:
    """Write the reports once the verdict (exit ``code``) is printed: a failure to write is said on stderr and
    turns only a passing verdict into 3. Then GitHub is told (annotations, the pull request ``comment``), which
    never changes the exit code."""
    try:
        written = write_reports(document, junit=junit, markdown=markdown, html=html, answers=answers)
    except (OSError, UnicodeError) as exc:
        ctx.note(escape_text(f"cannot write a report: {exc}"))
        code = EXIT_API_ERROR if code == EXIT_OK else code
    else:
        for kind, path in written:
            ctx.note(f"{kind} report: {escape_text(str(path))}")
    tell_github(ctx, document, comment)
    return code


def show_report(ctx: Context, report: EvaluationReport) -> None:
    """The report on stdout: JSON with ``--json``, else the terminal view; the remarks (each gate not applied, the
    notes) are left to stderr (:func:`warnings_of`), so that a terminal shows each once."""
    if ctx.json:
        dump_json(report, ctx.stdout)
    else:
        from rich.console import Console

        from ...reports.terminal import render_terminal

        console = Console(file=ctx.stdout, highlight=False, soft_wrap=False, width=None if ctx.stdout_tty else 140)
        render_terminal(report, console, with_remarks=False)


def show(ctx: Context, report: EvaluationReport, written: list[tuple[str, Path]]) -> None:
    """The report on stdout (:func:`show_report`); the files written on stderr."""
    show_report(ctx, report)
    for kind, path in written:
        ctx.note(f"{kind} report: {path}")
