"""Terminal output: plain tables, JSON, and progress lines that appear only on a terminal."""

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

__all__ = ["DownloadProgress", "StatusProgress", "format_number", "render_table", "status_name", "to_jsonable"]


def status_name(status: object) -> str:
    """A run status without its ``EVALUATION_RUN_`` prefix (``SUCCESSFUL``), or ``-``."""
    if status is None:
        return "-"
    text = str(getattr(status, "value", status))
    return text.removeprefix("EVALUATION_RUN_")


def format_number(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}g}"


def format_rate(rate: float | None) -> str:
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
