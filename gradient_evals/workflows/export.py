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
import io
import json
import os
from collections.abc import AsyncIterable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, TypeAlias

import anyio
import anyio.to_thread

from ..types import EvaluationPrompt, MetricResult, ResultsPage
from ..typing import ExportFormat, OnProgress
from ._pages import StreamResults, run_pages

__all__ = [
    "BASE_COLUMNS",
    "CsvEncoder",
    "export_run",
    "jsonl_text",
    "metric_name_of",
    "prompt_record",
    "records_of_run",
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

    A failed or cancelled export therefore never leaves a truncated file that looks finished.
    """

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        self._file: io.TextIOWrapper | None = None

    async def __aenter__(self) -> _AtomicFile:
        self._file = await anyio.to_thread.run_sync(self._open)
        return self

    def _open(self) -> io.TextIOWrapper:
        return open(self._tmp, "w", encoding="utf-8", newline="")

    async def write(self, text: str) -> None:
        assert self._file is not None
        if text:
            await anyio.to_thread.run_sync(self._file.write, text)

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        file = self._file
        self._file = None
        with anyio.CancelScope(shield=True):
            if file is not None:
                await anyio.to_thread.run_sync(file.close)
            if exc_type is None:
                await anyio.to_thread.run_sync(os.replace, self._tmp, self.path)
            else:
                await anyio.to_thread.run_sync(self._discard)

    def _discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)


def _progress(on_progress: OnProgress | None, done: int, total: int | None) -> None:
    if on_progress is not None:
        on_progress(done, total)


def jsonl_text(prompts: Iterable[EvaluationPrompt], run_uuid: str | None = None) -> str:
    """Prompts as JSON Lines: one record per line, each ending with a newline."""
    return "".join(json.dumps(prompt_record(p, run_uuid), ensure_ascii=False) + "\n" for p in prompts)


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


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
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

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

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
            self._writer.writerow(columns)
        for record in records:
            extra = {k: v for k, v in record.items() if k not in self._known}
            row = [_csv_cell(record.get(c)) for c in columns[:-1]]
            row.append(json.dumps(extra, ensure_ascii=False) if extra else None)
            self._writer.writerow(row)
        return self._take()

    def finish(self) -> str:
        if self.columns is not None:
            return ""
        self.columns = [*BASE_COLUMNS, EXTRA_METRICS_COLUMN]
        self._writer.writerow(self.columns)
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


async def export_run(
    stream_results: StreamResults,
    run_uuid: str,
    path: PathLike,
    *,
    format: ExportFormat,
    per_page: int | None,
    on_progress: OnProgress | None,
) -> int:
    """Write a run's prompt results to ``path`` (see ``AsyncEvaluationRuns.export``); returns the prompts written."""
    writers = {"jsonl": write_jsonl, "csv": write_csv}
    writer = writers.get(format)
    if writer is None:
        raise ValueError(f"format must be 'jsonl' or 'csv', got {format!r}")
    async with run_pages(stream_results, run_uuid, per_page) as pages:
        return await writer(pages, path, run_uuid=run_uuid, on_progress=on_progress)
