"""Records as text: JSON Lines, and CSV whose columns are fixed by the first page and whose cells a spreadsheet
shows rather than runs; text UTF-8 cannot hold is written as escapes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any, Final

from ..types import EvaluationPrompt
from .records import BASE_COLUMNS, METRIC_ERROR_PREFIX, METRIC_PREFIX, prompt_record

__all__ = ["EXTRA_METRICS_COLUMN", "FORMULA_PREFIXES", "CsvEncoder", "jsonl_text", "neutralise_cell", "safe_text"]

EXTRA_METRICS_COLUMN: Final = "extra_metrics"

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


def jsonl_text(prompts: Iterable[EvaluationPrompt], run_uuid: str | None = None) -> str:
    """Prompts as JSON Lines: one record per line, each ending with a newline."""
    return safe_text("".join(json.dumps(prompt_record(p, run_uuid), ensure_ascii=False) + "\n" for p in prompts))


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
