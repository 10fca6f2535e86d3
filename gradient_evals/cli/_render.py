"""Terminal output: escaping of untrusted text, plain tables, JSON, and progress lines drawn only on a terminal."""

from __future__ import annotations

import enum
import json
import math
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

import attrs

__all__ = [
    "DownloadProgress",
    "StatusProgress",
    "dump_json",
    "escape_text",
    "json_safe",
    "format_number",
    "format_rate",
    "render_table",
    "status_name",
    "terminal_safe",
    "to_jsonable",
]

# Text from the server (run names, error messages, agents' inputs and outputs) is untrusted: printed raw, an
# escape sequence could clear the screen, rewrite earlier lines, set the window title or hide text behind a
# bidirectional override. Every character that steers a terminal is shown as its escape instead.
_FORMAT_STEERING = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(rf"[\x00-\x1f{_FORMAT_STEERING}]")
_UNSAFE_KEEP_NEWLINE = re.compile(rf"[\x00-\x09\x0b-\x1f{_FORMAT_STEERING}]")
_UNSAFE_IN_JSON = re.compile(rf"[{_FORMAT_STEERING}]")  # json.dumps escapes the C0 controls itself


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """Untrusted text made safe for one line of a terminal: control characters (newlines too) become escapes."""
    return _UNSAFE.sub(_escape, text)


def terminal_safe(text: str) -> str:
    """Output for a terminal: like :func:`escape_text`, but line breaks stay (for blocks of our own lines)."""
    return _UNSAFE_KEEP_NEWLINE.sub(_escape, text)


def json_safe(text: str) -> str:
    """JSON text (``json.dumps`` already escapes C0 controls) with the remaining steering characters as ``\\u``
    escapes: the same JSON values, but nothing a terminal would act on."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def status_name(status: object) -> str:
    """A run status without its ``EVALUATION_RUN_`` prefix (``SUCCESSFUL``), or ``-``."""
    if status is None:
        return "-"
    text = str(getattr(status, "value", status))
    return escape_text(text.removeprefix("EVALUATION_RUN_"))


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
    out.write(json_safe(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2)) + "\n")


def render_table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, right: Iterable[int] = ()) -> str:
    """A plain-text table: a header, a rule of dashes, one line per row; ``right`` lists right-aligned columns."""
    cells = [
        [escape_text(str(c)) for c in headers],
        *[[("-" if c is None else escape_text(str(c))) for c in row] for row in rows],
    ]
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
        text = escape_text(text)
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
                self.stream.write(f"run {escape_text(uuid)}: {status} ({elapsed:.1f} s)\n")
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
