"""A run's prompt results written to a file, JSON Lines or CSV, as the pages arrive (records: :mod:`.records`).

Files are written as the pages arrive, so exporting a run of 50,000 prompts holds one page in memory, not the
run. A CSV file needs its header before the first row: its metric columns are those of the first page
(``metric:<name>`` columns sorted by name, then ``metric_error:<name>`` for the same names), followed by one
``extra_metrics`` column. A metric first seen on a later page goes into ``extra_metrics`` as a JSON object with
the same keys a record would have (``{"metric:late": 0.5}``); the column is empty otherwise.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Final

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from ..types import ResultsPage
from ..typing import ExportFormat, OnProgress
from ._files import AtomicFile, PathLike, check_destination
from ._formats import CsvEncoder, jsonl_text
from ._pages import run_pages
from ._resources import RunResults

__all__ = ["export_format", "export_run", "write_csv", "write_jsonl"]


def _progress(on_progress: OnProgress | None, done: int, total: int | None) -> None:
    if on_progress is not None:
        on_progress(done, total)


async def write_jsonl(
    pages: AsyncIterable[ResultsPage],
    path: PathLike,
    *,
    run_uuid: str | None = None,
    on_progress: OnProgress | None = None,
) -> int:
    """Write one JSON object per line (UTF-8) as pages arrive; returns the number of prompts written."""
    count = 0
    async with AtomicFile(path) as out:
        async for page in pages:
            await out.write(jsonl_text(page.prompts, run_uuid))
            count += len(page.prompts)
            _progress(on_progress, count, page.meta.total)
    return count


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
    async with AtomicFile(path) as out:
        async for page in pages:
            await out.write(encoder.encode(page.prompts))
            count += len(page.prompts)
            _progress(on_progress, count, page.meta.total)
        await out.write(encoder.finish())
    return count


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
        raise ArgumentTypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    suffix = Path(path).suffix.lower()
    implied = _FORMAT_OF_SUFFIX.get(suffix)
    if format is None:
        return implied or "jsonl"
    if format not in ("jsonl", "csv"):
        raise InvalidArgumentError(f"format must be 'jsonl' or 'csv', got {format!r}")
    if implied is not None and implied != format:
        raise InvalidArgumentError(
            f"format={format!r} does not match the file name {os.fspath(path)!r}, whose extension means "
            f"{implied!r}: name the file *.{'csv' if format == 'csv' else 'jsonl'} or leave format out"
        )
    return format


async def export_run(
    runs: RunResults,
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
    async with run_pages(runs, run_uuid, per_page) as pages:
        return await writer(pages, path, run_uuid=run_uuid, on_progress=on_progress)
