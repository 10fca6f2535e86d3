"""Prompt results as plain data: flat records, JSON Lines and CSV files, pandas data frames.

One record per prompt::

    evaluation_run_uuid, prompt_id, trace_id, input, output, ground_truth, input_tokens, output_tokens,
    metric:<name>        the metric's value (a number, or a string for STRING metrics); None when it errored
    metric_error:<name>  the error description, present only where that metric errored

Files are written as the pages arrive, so exporting a run of 50,000 prompts holds one page in memory, not the
run. A CSV file needs its header before the first row: its metric columns are those of the first page
(``metric:<name>`` columns sorted by name, then ``metric_error:<name>`` for the same names), followed by one
``extra_metrics`` column. A metric first seen on a later page goes into ``extra_metrics`` as a JSON object with
the same keys a record would have (``{"metric:late": 0.5}``); the column is empty otherwise.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import AsyncIterable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, TypeAlias

import anyio
import anyio.to_thread

from .._exceptions import ExportError
from ..types import EvaluationPrompt, MetricResult, ResultsPage
from ..typing import ExportFormat, OnProgress
from ._pages import StreamResults, run_pages

__all__ = [
    "BASE_COLUMNS",
    "CsvEncoder",
    "check_destination",
    "export_format",
    "export_run",
    "jsonl_text",
    "metric_name_of",
    "neutralise_cell",
    "prompt_record",
    "records_of_run",
    "safe_text",
    "to_pandas",
    "to_records",
    "write_csv",
    "write_jsonl",
]

BASE_COLUMNS: Final = (
    "evaluation_run_uuid",
    "prompt_id",
    "trace_id",
    "input",
    "output",
    "ground_truth",
    "input_tokens",
    "output_tokens",
)
METRIC_PREFIX: Final = "metric:"
METRIC_ERROR_PREFIX: Final = "metric_error:"
EXTRA_METRICS_COLUMN: Final = "extra_metrics"

"""Called after each page with (prompts done so far, total prompts the server reported or ``None``)."""

PathLike: TypeAlias = str | os.PathLike[str]


def metric_name_of(result: MetricResult) -> str | None:
    """The name a metric result is filed under: its name, else its UUID; ``None`` when it has neither."""
    return result.metric_name or result.metric_uuid


def _metric_error(result: MetricResult) -> str:
    if result.error_description:
        return result.error_description
    status = getattr(result.status, "value", result.status)
    return str(status or "error")


def prompt_record(prompt: EvaluationPrompt, run_uuid: str | None = None) -> dict[str, Any]:
    """One prompt as a flat ``dict`` of JSON-friendly values (see the module's documentation for the keys)."""
    record: dict[str, Any] = {
        "evaluation_run_uuid": run_uuid,
        "prompt_id": prompt.prompt_id,
        "trace_id": prompt.trace_id,
        "input": prompt.input,
        "output": prompt.output,
        "ground_truth": prompt.ground_truth,
        "input_tokens": prompt.input_tokens,
        "output_tokens": prompt.output_tokens,
    }
    errors: dict[str, str] = {}
    for result in prompt.prompt_level_metric_results:
        name = metric_name_of(result)
        if name is None:
            continue
        if result.is_error:
            record[METRIC_PREFIX + name] = None
            errors[METRIC_ERROR_PREFIX + name] = _metric_error(result)
        else:
            record[METRIC_PREFIX + name] = result.value
    record.update(errors)
    return record


def to_records(prompts: Iterable[EvaluationPrompt], run_uuid: str | None = None) -> list[dict[str, Any]]:
    """Every prompt as a flat record, in order."""
    return [prompt_record(prompt, run_uuid) for prompt in prompts]


def to_pandas(records: Sequence[dict[str, Any]]) -> Any:
    """A ``pandas.DataFrame`` of records (one row per prompt); needs the ``pandas`` extra."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_pandas() needs pandas, which is not installed: pip install 'gradient-evals[pandas]'"
        ) from None
    columns = list(BASE_COLUMNS)
    seen = set(columns)
    for record in records:
        for key in record:
            if key not in seen:
                seen.add(key)
                columns.append(key)
    return pd.DataFrame.from_records(list(records), columns=columns)


# -- files ------------------------------------------------------------------------------------------------


class _AtomicFile:
    """A text file written beside its destination and moved into place only once complete.

    A failed or cancelled export therefore never leaves a truncated file that looks finished. The temporary
    file has an unpredictable name and is created exclusively (``tempfile.mkstemp``: ``O_CREAT | O_EXCL``, and
    ``O_NOFOLLOW`` where the system has it), so a file or symbolic link planted beside the destination is
    never written through, and two exports to one path never share a file: the one that finishes last wins,
    whole. It is removed on every failure; errors name the destination, not the temporary file.
    """

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self._tmp: str | None = None
        self._mode: int | None = None
        self._file: io.TextIOWrapper | None = None

    async def __aenter__(self) -> _AtomicFile:
        # Shielded: a cancellation between creating the file and recording its name would leave it behind.
        with anyio.CancelScope(shield=True):
            self._file = await anyio.to_thread.run_sync(self._open)
        return self

    def _open(self) -> io.TextIOWrapper:
        check_destination(self.path)
        self._mode = _mode_for(self.path)
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        except OSError as exc:
            raise _export_error(self.path, exc) from None
        try:
            return open(fd, "w", encoding="utf-8", newline="")
        except BaseException:
            os.close(fd)
            self._discard()
            raise

    async def write(self, text: str) -> None:
        assert self._file is not None
        if text:
            await anyio.to_thread.run_sync(self._write, self._file, text)

    def _write(self, file: io.TextIOWrapper, text: str) -> None:
        try:
            file.write(text)
        except OSError as exc:
            raise _export_error(self.path, exc) from None

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        file = self._file
        self._file = None
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._finish, file, exc_type is None)

    def _finish(self, file: io.TextIOWrapper | None, complete: bool) -> None:
        try:
            if file is not None:
                try:
                    # Owner-only while written; the finished file gets its permissions just before it appears.
                    if complete and self._mode is not None:
                        os.fchmod(file.fileno(), self._mode)
                    file.close()  # closes the descriptor even when the final flush fails
                except OSError as exc:  # the last buffered write failed (a full disk)
                    if complete:
                        raise _export_error(self.path, exc) from None
            if complete and self._tmp is not None:
                try:
                    os.replace(self._tmp, self.path)
                except OSError as exc:
                    raise _export_error(self.path, exc) from None
                self._tmp = None
        finally:
            self._discard()

    def _discard(self) -> None:
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _export_error(path: Path, exc: OSError) -> ExportError:
    reason = exc.strerror or type(exc).__name__
    return ExportError(f"cannot write {str(path)!r}: {reason}", path=str(path), errno=exc.errno, strerror=exc.strerror)


def check_destination(path: Path) -> None:
    """Refuse, before anything is fetched, a destination that cannot become a file: a directory, or a path
    whose folder does not exist."""
    if path.is_dir():
        raise ExportError(f"cannot write {str(path)!r}: it is a directory", path=str(path), errno=errno.EISDIR)
    parent = path.parent
    if not parent.is_dir():
        raise ExportError(
            f"cannot write {str(path)!r}: the folder {str(parent)!r} does not exist",
            path=str(path),
            errno=errno.ENOENT,
        )


def _mode_for(path: Path) -> int | None:
    """The permissions the finished file gets: those of the file it replaces, else what ``open()`` would give
    a new file (0o666 less the umask). ``None`` keeps mkstemp's owner-only 0o600 when the umask is unknown."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        pass
    umask = _umask()
    return None if umask is None else 0o666 & ~umask


def _umask() -> int | None:
    # os.umask() can only be read by setting it, which races with other threads; Linux reports it here.
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


_SURROGATES: Final = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str) -> str:
    r"""``text`` with every lone surrogate (which UTF-8 cannot encode) written as its ``\uXXXX`` escape.

    Valid JSON may hold an unpaired ``\ud83d``; it survives parsing as a lone surrogate, and writing it as
    UTF-8 would fail. In JSON Lines the escape is exactly what JSON itself would write, so the record reads
    back unchanged; in CSV it appears as those six characters.
    """
    return _SURROGATES.sub(_escape_surrogate, text) if _SURROGATES.search(text) else text


def _progress(on_progress: OnProgress | None, done: int, total: int | None) -> None:
    if on_progress is not None:
        on_progress(done, total)


def jsonl_text(prompts: Iterable[EvaluationPrompt], run_uuid: str | None = None) -> str:
    """Prompts as JSON Lines: one record per line, each ending with a newline."""
    return safe_text("".join(json.dumps(prompt_record(p, run_uuid), ensure_ascii=False) + "\n" for p in prompts))


async def write_jsonl(
    pages: AsyncIterable[ResultsPage],
    path: PathLike,
    *,
    run_uuid: str | None = None,
    on_progress: OnProgress | None = None,
) -> int:
    """Write one JSON object per line (UTF-8) as pages arrive; returns the number of prompts written."""
    count = 0
    async with _AtomicFile(path) as out:
        async for page in pages:
            await out.write(jsonl_text(page.prompts, run_uuid))
            count += len(page.prompts)
            _progress(on_progress, count, page.meta.total)
    return count


FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet read a cell as a formula (with their full-width forms)."""

_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(text: str) -> str:
    """A CSV cell's text as a spreadsheet will show it, not run it: a leading ``'`` before ``=``, ``+``, ``-``,
    ``@``, a tab or a line break (``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``). Text that is a plain
    number (``-1.5``) is left alone: a spreadsheet reads it as that number, never as a formula."""
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return neutralise_cell(value)
    return value


class CsvEncoder:
    """Turns pages of prompts into CSV text, the header first; the columns are fixed by the first page.

    ``encode(prompts)`` returns the text for one page (header included the first time); ``finish()`` returns
    the header alone if no page had prompts, so an empty run still gives a valid file.
    """

    def __init__(self, run_uuid: str | None = None) -> None:
        self.run_uuid = run_uuid
        self.columns: list[str] | None = None
        self._known: set[str] = set()
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        # The csv module quotes a cell holding "\n" (the line terminator) but not one holding a lone "\r",
        # which readers then take for the end of the row: such rows are written fully quoted.
        self._quoted_writer = csv.writer(self._buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return safe_text(text)

    def _writerow(self, row: list[Any]) -> None:
        carriage_return = any(isinstance(cell, str) and "\r" in cell for cell in row)
        (self._quoted_writer if carriage_return else self._writer).writerow(row)

    def encode(self, prompts: Iterable[EvaluationPrompt]) -> str:
        records = [prompt_record(p, self.run_uuid) for p in prompts]
        if not records:
            return ""
        columns = self.columns
        if columns is None:
            names = sorted(
                {k[len(METRIC_PREFIX) :] for r in records for k in r if k.startswith(METRIC_PREFIX)}
                | {k[len(METRIC_ERROR_PREFIX) :] for r in records for k in r if k.startswith(METRIC_ERROR_PREFIX)}
            )
            columns = self.columns = [
                *BASE_COLUMNS,
                *(METRIC_PREFIX + n for n in names),
                *(METRIC_ERROR_PREFIX + n for n in names),
                EXTRA_METRICS_COLUMN,
            ]
            self._known = set(columns)
            self._writerow([neutralise_cell(c) for c in columns])
        for record in records:
            extra = {k: v for k, v in record.items() if k not in self._known}
            row = [_csv_cell(record.get(c)) for c in columns[:-1]]
            row.append(json.dumps(extra, ensure_ascii=False) if extra else None)
            self._writerow(row)
        return self._take()

    def finish(self) -> str:
        if self.columns is not None:
            return ""
        self.columns = [*BASE_COLUMNS, EXTRA_METRICS_COLUMN]
        self._writerow(self.columns)
        return self._take()


async def write_csv(
    pages: AsyncIterable[ResultsPage],
    path: PathLike,
    *,
    run_uuid: str | None = None,
    on_progress: OnProgress | None = None,
) -> int:
    """Write a CSV file (UTF-8, header row) as pages arrive; returns the number of prompts written.

    Columns come from the first page; later metrics go to ``extra_metrics`` (see the module's documentation).
    """
    count = 0
    encoder = CsvEncoder(run_uuid)
    async with _AtomicFile(path) as out:
        async for page in pages:
            await out.write(encoder.encode(page.prompts))
            count += len(page.prompts)
            _progress(on_progress, count, page.meta.total)
        await out.write(encoder.finish())
    return count


async def records_of_run(stream_results: StreamResults, run_uuid: str, *, per_page: int | None) -> list[dict[str, Any]]:
    """Every prompt result of a run as a flat record (see ``AsyncEvaluationRuns.to_records``)."""
    records: list[dict[str, Any]] = []
    async with stream_results(run_uuid, per_page=per_page) as prompts:
        async for prompt in prompts:
            records.append(prompt_record(prompt, run_uuid))
    return records


_FORMAT_OF_SUFFIX: Final[dict[str, ExportFormat]] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def export_format(path: PathLike, format: ExportFormat | None = None) -> ExportFormat:
    """The format an export to ``path`` writes: ``format`` if given, else the one its extension names
    (``.csv`` is CSV; ``.jsonl``, ``.ndjson``, ``.json`` and anything else JSON Lines).

    Raises ``ValueError`` for an unknown format, or one that contradicts the extension (``format="jsonl"`` for
    ``results.csv``); ``TypeError`` when ``path`` is not a path.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    suffix = Path(path).suffix.lower()
    implied = _FORMAT_OF_SUFFIX.get(suffix)
    if format is None:
        return implied or "jsonl"
    if format not in ("jsonl", "csv"):
        raise ValueError(f"format must be 'jsonl' or 'csv', got {format!r}")
    if implied is not None and implied != format:
        raise ValueError(
            f"format={format!r} does not match the file name {os.fspath(path)!r}, whose extension means "
            f"{implied!r}: name the file *.{'csv' if format == 'csv' else 'jsonl'} or leave format out"
        )
    return format


async def export_run(
    stream_results: StreamResults,
    run_uuid: str,
    path: PathLike,
    *,
    format: ExportFormat | None,
    per_page: int | None,
    on_progress: OnProgress | None,
) -> int:
    """Write a run's prompt results to ``path`` (see ``AsyncEvaluationRuns.export``); returns the prompts written.

    Everything that can be known beforehand is checked before the first request: the format, and that the
    destination is not a directory and its folder exists.
    """
    writer = write_csv if export_format(path, format) == "csv" else write_jsonl
    check_destination(Path(path))
    async with run_pages(stream_results, run_uuid, per_page) as pages:
        return await writer(pages, path, run_uuid=run_uuid, on_progress=on_progress)
