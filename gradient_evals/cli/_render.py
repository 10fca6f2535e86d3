"""Terminal output: plain tables, JSON, progress lines that appear only on a terminal, and the views of runs,
summaries and comparisons that several commands print."""

from __future__ import annotations

import enum
import json
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

import attrs

from ..types import EvaluationRun, RunComparison, RunSummary
from ..workflows.export import metric_name_of

__all__ = [
    "DownloadProgress",
    "StatusProgress",
    "clip",
    "comparison_text",
    "dump_json",
    "format_number",
    "format_rate",
    "render_table",
    "run_detail",
    "run_rows",
    "status_name",
    "summary_table",
    "to_jsonable",
]


def status_name(status: object) -> str:
    """A run status without its ``EVALUATION_RUN_`` prefix (``SUCCESSFUL``), or ``-``."""
    if status is None:
        return "-"
    text = str(getattr(status, "value", status))
    return text.removeprefix("EVALUATION_RUN_")


def format_number(value: float | None, digits: int = 4) -> str:
    """A number in at most ``digits`` significant digits (whole numbers without a point), or ``-``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}g}"


def format_rate(rate: float | None) -> str:
    """A 0-1 rate in percent, or ``-``."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


def to_jsonable(value: Any) -> Any:
    """Models, enums, datetimes and mappings as plain JSON values."""
    if attrs.has(type(value)):
        out = {f.name: to_jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
        for name in ("pass_rate", "score", "delta", "error_count", "passed"):
            prop = getattr(type(value), name, None)
            if isinstance(prop, property):
                out[name] = to_jsonable(getattr(value, name))
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dump_json(value: Any, out: TextIO) -> None:
    """``value`` (see :func:`to_jsonable`) as indented JSON on ``out``."""
    out.write(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2) + "\n")


def render_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, right: Iterable[int] = ()) -> str:
    """A plain-text table: a header, a rule of dashes, one line per row; ``right`` lists right-aligned columns."""
    cells = [[str(c) for c in headers], *[[("-" if c is None else str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    aligned = set(right)
    lines = []
    for index, row in enumerate(cells):
        parts = [c.rjust(w) if i in aligned else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


class _Line:
    """One status line on stderr, rewritten in place (terminals only); safe to use from two threads."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self._width = 0

    def show(self, text: str) -> None:
        with self.lock:
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
            self._width = len(text)

    def clear(self) -> None:
        with self.lock:
            if self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0


class StatusProgress:
    """Shows runs' statuses while waiting.

    On a terminal: one line, rewritten every 0.2 s with each run's status and the time elapsed. Elsewhere: a
    plain line per status change (useful in CI logs) and nothing else.
    """

    def __init__(self, stream: TextIO, *, tty: bool, enabled: bool = True) -> None:
        self.stream = stream
        self.tty = tty and enabled
        self.enabled = enabled
        self._line = _Line(stream)
        self._statuses: dict[str, str] = {}
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StatusProgress:
        self._started = time.monotonic()
        if self.tty:
            self._thread = threading.Thread(target=self._tick, name="gradient-evals-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        if self.tty:
            self._line.clear()

    def _render(self) -> str:
        runs = "  ".join(f"{uuid[:8]} {status}" for uuid, status in self._statuses.items()) or "starting"
        return f"waiting: {runs}  {time.monotonic() - self._started:5.1f} s"

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            self._line.show(self._render())

    def update(self, run: Any) -> None:
        """An ``on_update`` callback: record the run's new status."""
        uuid = str(run.evaluation_run_uuid or "?")
        status = status_name(run.status)
        self._statuses[uuid] = status
        if not self.enabled:
            return
        if self.tty:
            self._line.show(self._render())
        else:
            elapsed = time.monotonic() - self._started
            with self._line.lock:
                self.stream.write(f"run {uuid}: {status} ({elapsed:.1f} s)\n")
                self.stream.flush()


class DownloadProgress:
    """A progress bar of pages and prompts fetched, on a terminal only; silent elsewhere."""

    def __init__(self, stream: TextIO, *, tty: bool, label: str, per_page: int) -> None:
        self.tty = tty
        self.label = label
        self.per_page = per_page
        self.pages = 0
        self.prompts = 0
        self.total: int | None = None
        self._line = _Line(stream)

    def __call__(self, done: int, total: int | None) -> None:
        self.pages += 1
        self.prompts = done
        if total is not None:
            self.total = total
        if self.tty:
            self._line.show(self.render())

    def render(self) -> str:
        if self.total is None:
            return f"{self.label}: {self.pages} pages, {self.prompts} prompts"
        pages = max(1, -(-self.total // self.per_page))
        width = 24
        filled = width if self.total == 0 else min(width, width * self.prompts // self.total)
        bar = "#" * filled + "-" * (width - filled)
        return f"{self.label}: [{bar}] {self.pages}/{pages} pages  {self.prompts}/{self.total} prompts"

    def __enter__(self) -> DownloadProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.tty:
            self._line.clear()


# -- views of the API's objects ----------------------------------------------------------------------------


def clip(text: str | None, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    if text is None:
        return "-"
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _metric_value(value: float | str | None) -> str:
    return value if isinstance(value, str) else format_number(value)


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def run_rows(runs: Sequence[EvaluationRun]) -> str:
    """Runs as a table, one line each."""
    rows = []
    for run in runs:
        star = run.star_metric_result
        star_text = "-"
        if star is not None and star.value is not None:
            star_text = f"{star.metric_name or 'star'}={_metric_value(star.value)}"
        rows.append(
            (
                run.evaluation_run_uuid,
                run.run_name,
                status_name(run.status),
                run.agent_name or run.agent_deployment_name or run.agent_uuid,
                star_text,
                _yes_no(run.pass_status),
            )
        )
    return render_table(["RUN", "NAME", "STATUS", "AGENT", "STAR METRIC", "PASS"], rows)


def run_detail(run: EvaluationRun) -> str:
    """One run: a line per property, then its run-level metrics as a table."""

    def when(value: datetime | None) -> str:
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
        ("passed", _yes_no(run.pass_status)),
    ]
    if run.error_description:
        lines.append(("error", run.error_description))
    width = max(len(k) for k, _ in lines)
    text = "".join(f"{k.ljust(width)}  {'-' if v is None else v}\n" for k, v in lines)
    if run.run_level_metric_results:
        rows = [
            (metric_name_of(result), _metric_value(result.value), result.error_description or "")
            for result in run.run_level_metric_results
        ]
        text += "\n" + render_table(["METRIC", "VALUE", "ERROR"], rows)
    return text


def summary_table(summary: RunSummary) -> str:
    """A run's per-metric statistics."""
    rows = [
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
        for m in summary.metrics.values()
    ]
    table = render_table(
        ["METRIC", "SCORED", "ERRORS", "MEAN", "MIN", "MAX", "PASS RATE", "FAILED"], rows, right=range(1, 8)
    )
    return f"{summary.prompt_count} prompts in run {summary.evaluation_run_uuid}\n{table}"


def comparison_text(result: RunComparison, show: int) -> str:
    """A comparison: per-metric scores and deltas, the ``show`` worst regressed prompts, and the verdict."""
    rows = []
    for m in result.metrics.values():
        base = None if m.base is None else m.base.score
        cand = None if m.candidate is None else m.candidate.score
        delta = m.delta
        rows.append(
            (m.name, format_number(base), format_number(cand), "-" if delta is None else f"{delta:+.4g}", m.regressed)
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
                    clip(r.input, 60),
                )
                for r in worst
            ],
        )
    verdict = "PASSED" if result.passed else "FAILED: " + "; ".join(result.verdict.reasons)
    return text + f"\nverdict: {verdict}\n"
