"""Terminal output, all through rich: tables, progress bars and live views (drawn only on a terminal), and JSON.

Untrusted text is cleaned by the one sanitiser the reports use too (:mod:`gradient_evals.reports._format`), shown
here as visible escapes, and always handed to rich as plain :class:`~rich.text.Text`: rich passes ESC and bidi
overrides through, and would read ``[bold]`` in a run name as markup.
"""

from __future__ import annotations

import enum
import io
import json
import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Self, TextIO

import attrs
from rich import box
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from ..reports._format import escape_text, json_safe, terminal_safe
from ..reports._format import format_score as format_number

_PLAIN_WIDTH: Final = 10_000
"""Width of output that is not a terminal: never wrapped, so every row stays one line for grep and cut."""

__all__ = [
    "ByteProgress",
    "DownloadProgress",
    "StatusProgress",
    "console",
    "dump_json",
    "escape_text",
    "json_safe",
    "format_number",
    "format_rate",
    "render_fields",
    "render_table",
    "status_name",
    "terminal_safe",
    "to_jsonable",
]


def status_name(status: object) -> str:
    """A run status without its ``EVALUATION_RUN_`` prefix (``SUCCESSFUL``), or ``-``."""
    if status is None:
        return "-"
    text = str(getattr(status, "value", status))
    return escape_text(text.removeprefix("EVALUATION_RUN_"))


def format_rate(rate: float | None) -> str:
    """A 0-1 rate in percent, or ``-``."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


_PROPERTIES: Final = (
    *("pass_rate", "score", "delta", "error_count", "passed", "total", "input_mean", "output_mean"),
    *("repeats", "flaky", "pass_at_k", "pass_all_k", "flip_rate"),  # a repeat group's, on each agent
)


def to_jsonable(value: Any) -> Any:
    """Models, enums, datetimes and mappings as plain JSON values."""
    if attrs.has(type(value)):
        out = {f.name: to_jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
        for name in _PROPERTIES:
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
    out.write(json_safe(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)) + "\n")


def console(stream: TextIO, *, tty: bool) -> Console:
    """A rich console on ``stream``: colours and redrawing on a terminal; plain text, never wrapped, elsewhere.
    Text given to it is always a :class:`rich.text.Text` of cleaned text, never markup."""
    return Console(
        file=stream,
        force_terminal=tty,
        color_system="auto" if tty else None,
        width=None if tty else _PLAIN_WIDTH,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=not tty,
    )


def _cell(value: object) -> Text:
    return Text("-" if value is None else escape_text(str(value)))


def render_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, right: Iterable[int] = ()) -> str:
    """A table drawn by rich as plain text: a header, a rule, one line per row; ``right`` lists right-aligned
    columns. Every cell is escaped first (rich would pass ESC and bidi overrides through)."""
    aligned = set(right)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    for index, header in enumerate(headers):
        table.add_column(_cell(header), justify="right" if index in aligned else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(_cell(c) for c in row))
    out = io.StringIO()
    Console(file=out, width=_PLAIN_WIDTH, color_system=None, highlight=False, markup=False, emoji=False).print(table)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines() if line.strip())


def render_fields(fields: Iterable[tuple[str, object]]) -> str:
    """Name-value lines aligned by rich (no header, no rule); values escaped as in :func:`render_table`."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    for name, value in fields:
        grid.add_row(_cell(name), _cell(value))
    out = io.StringIO()
    Console(file=out, width=_PLAIN_WIDTH, color_system=None, highlight=False, markup=False, emoji=False).print(grid)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())


class StatusProgress:
    """Shows runs' statuses while waiting.

    On a terminal: a rich live view of each run's status and the time elapsed, removed at the end. Elsewhere: a
    plain line per status change (useful in CI logs) and nothing else. Safe to update from another thread.
    """

    def __init__(self, stream: TextIO, *, tty: bool, enabled: bool = True) -> None:
        self.stream = stream
        self.tty = tty and enabled
        self.enabled = enabled
        self._lock = threading.Lock()
        self._statuses: dict[str, str] = {}
        self._started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> StatusProgress:
        self._started = time.monotonic()
        if self.tty:
            self._live = Live(
                get_renderable=self._render,
                console=console(self.stream, tty=True),
                refresh_per_second=5,
                transient=True,
            )
            self._live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._live is not None:
            self._live.stop()

    def _render(self) -> Text:
        with self._lock:
            runs = "  ".join(f"{uuid[:8]} {status}" for uuid, status in self._statuses.items()) or "starting"
        return Text(f"waiting: {runs}  {time.monotonic() - self._started:5.1f} s")

    def update(self, run: Any) -> None:
        """An ``on_update`` callback: record the run's new status."""
        uuid = escape_text(str(run.evaluation_run_uuid or "?"))
        status = status_name(run.status)
        with self._lock:
            self._statuses[uuid] = status
        if self._live is not None:
            self._live.refresh()
        if not self.enabled or self.tty:
            return
        elapsed = time.monotonic() - self._started
        with self._lock:
            self.stream.write(f"run {uuid}: {status} ({elapsed:.1f} s)\n")
            self.stream.flush()


class DownloadProgress:
    """A rich progress bar of prompts fetched (and pages), on a terminal only, removed at the end; silent
    elsewhere. Called with ``(done, total)`` once per page."""

    def __init__(self, stream: TextIO, *, tty: bool, label: str, per_page: int) -> None:
        self.tty = tty
        self.label = label
        self.per_page = per_page
        self.pages = 0
        self.prompts = 0
        self.total: int | None = None
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if tty:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[pages]}"),
                MofNCompleteColumn(),
                TextColumn("prompts"),
                console=console(stream, tty=True),
                transient=True,
            )
            self._task = self._progress.add_task(escape_text(label), total=None, pages="0 pages")

    def __call__(self, done: int, total: int | None) -> None:
        self.pages += 1
        self.prompts = done
        if total is not None:
            self.total = total
        if self._progress is not None and self._task is not None:
            pages = f"{self.pages} pages" if self.total is None else f"{self.pages}/{self.page_count} pages"
            self._progress.update(self._task, completed=done, total=self.total, pages=pages, refresh=True)

    @property
    def page_count(self) -> int:
        """The pages the listing will take, from the total the server announced (at least 1)."""
        return max(1, -(-(self.total or 0) // self.per_page))

    def __enter__(self) -> DownloadProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


class _TransientBar:
    """A rich progress bar shown on a terminal only and removed at the end; ``with`` starts and stops it."""

    _progress: Progress | None = None
    _task: TaskID | None = None

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


class ByteProgress(_TransientBar):
    """A rich progress bar of bytes sent, on a terminal only, removed at the end; silent elsewhere."""

    def __init__(self, stream: TextIO, *, tty: bool, label: str) -> None:
        if tty:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                console=console(stream, tty=True),
                transient=True,
            )
            self._task = self._progress.add_task(escape_text(label), total=None)

    def __call__(self, done: int, total: int | None) -> None:
        if self._progress is not None and self._task is not None and total:
            self._progress.update(self._task, completed=done, total=total, refresh=True)


class RowProgress(_TransientBar):
    """Rows done of a total while a model evaluation runs: a live bar on a terminal; elsewhere a line per status
    change (for CI logs). Called with the status's name and the rows done and to do."""

    def __init__(self, stream: TextIO, *, tty: bool, label: str) -> None:
        self._stream = stream
        self._label = escape_text(label)
        self._lock = threading.Lock()
        self._status = ""
        if tty:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                console=console(stream, tty=True),
                transient=True,
            )
            self._task = self._progress.add_task("starting", total=None)

    def __call__(self, status: str, done: int, total: int | None) -> None:
        status = escape_text(status)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=status, completed=done, total=total, refresh=True)
            return
        with self._lock:
            if status != self._status:
                self._status = status
                self._stream.write(f"{self._label}: {status}\n")
                self._stream.flush()
