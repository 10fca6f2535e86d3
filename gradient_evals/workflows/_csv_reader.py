"""The one CSV reader of the SDK: every dataset file it reads (to upload, to slice, from ``read()``) goes through it.

It reads a UTF-8 file (a byte-order mark ignored) one record at a time and refuses, with an
:class:`InvalidDatasetError` naming the file and line, whatever would otherwise come back wrong or unbounded:
bytes that are not UTF-8, CSV that does not parse (an unterminated quote included), a header with a column twice
or more than :data:`MAX_COLUMNS` columns, a row with more or fewer cells than the header, a cell longer than its
limit, and more rows than allowed. What a record may cost is bounded while it is parsed, not after: the lines of
one record are fed to the parser only up to the size its cells may have in all, so a 100 MiB cell is refused
having read a little more than the limit.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Final

from .._exceptions import InvalidDatasetError

__all__ = [
    "DEFAULT_MAX_CELL_CHARS",
    "HEADER_MAX_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "Record",
    "iter_records",
]

MAX_ROWS: Final = 1_000
"""Most data rows a dataset may have (the header not counted)."""
MAX_FILE_BYTES: Final = 1_000_000_000
"""Largest dataset file the API accepts: 1 GB."""
MAX_COLUMNS: Final = 1_000
"""Most columns a dataset file's header may name."""
HEADER_MAX_CHARS: Final = 64 * 1024
"""Longest header record, in characters."""
DEFAULT_MAX_CELL_CHARS: Final = 1024 * 1024
"""Longest cell ``read()`` accepts by default, in characters (1 Mi)."""

Record = tuple[int, int, list[str]]
"""``(row, line, cells)``: the data row's number (0 for the header), the line it starts on, its cells."""


class _RecordTooLong(Exception):
    pass


class _BoundedLines:
    """The file's lines, handed to the csv parser only while the current record stays within its budget."""

    def __init__(self, file: IO[str], budget: int) -> None:
        self._file = file
        self.remaining = budget

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._file.readline(self.remaining + 1)
        if not line:
            raise StopIteration
        if len(line) > self.remaining:
            raise _RecordTooLong
        self.remaining -= len(line)
        return line


def _allow_large_cells() -> None:
    # The csv module refuses cells over 128 KiB by default, a limit of its own that the API does not have: 1,000
    # rows may fill 1 GB. The limit is process-wide, so it is only ever raised here, never lowered; the cell
    # limits of this module are enforced by the record budget instead.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)


def iter_records(
    path: str | Path,
    *,
    label: str,
    show_lines: bool = True,
    max_rows: int | None = MAX_ROWS,
    max_cell_chars: int = MAX_FILE_BYTES,
    rows_limit: str = "the API's limit for a dataset",
) -> Iterator[Record]:
    """The header (row 0), then each data row of a dataset CSV file; blank lines are skipped.

    Raises :class:`InvalidDatasetError` naming ``label`` (and the line, when ``show_lines``) for invalid UTF-8 or
    CSV, a duplicate column name, more than :data:`MAX_COLUMNS` columns, a ragged row, a cell over
    ``max_cell_chars`` characters, or more than ``max_rows`` rows (``rows_limit`` says whose limit that is).
    """
    file_path = Path(path)
    _allow_large_cells()
    row = 0
    line = 1
    in_header = True

    def fail(problem: str, *, at_line: int | None = None) -> InvalidDatasetError:
        where_line = line if at_line is None else at_line
        place = "the header" if row == 0 else f"row {row}"
        place += f" (line {where_line})" if show_lines else ""
        return InvalidDatasetError(
            f"{label}: {place}: {problem}", dataset=label, line=where_line if show_lines else None, row=row or None
        )

    try:
        with open(file_path, encoding="utf-8-sig", errors="strict", newline="") as text:
            lines = _BoundedLines(text, HEADER_MAX_CHARS)
            reader = csv.reader(lines, strict=True)
            header = next(reader, None)
            if header is None:
                raise InvalidDatasetError(
                    f"{label}: the file is empty; a dataset is a CSV file with a header row", dataset=label
                )
            _check_header(header, fail)
            in_header = False
            yield 0, 1, header
            width = len(header)
            budget = width * (2 * max_cell_chars + 3) + 2  # every cell quoted, its quotes doubled, and a line end
            line = reader.line_num + 1
            while True:
                lines.remaining = budget
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                if not cells:  # a blank line: not a row, for the csv module as for the API's parsers
                    line = reader.line_num + 1
                    continue
                row += 1
                if max_rows is not None and row > max_rows:
                    raise fail(f"more than {max_rows:,} rows, {rows_limit}")
                if len(cells) != width:
                    raise fail(f"{len(cells)} cells where the header has {width} columns")
                for index, cell in enumerate(cells):
                    if len(cell) > max_cell_chars:
                        raise fail(f"column {header[index]!r}: {_too_long(max_cell_chars)}")
                yield row, line, cells
                line = reader.line_num + 1
    except _RecordTooLong:
        if in_header:
            raise fail(f"longer than {HEADER_MAX_CHARS:,} characters") from None
        row += 1  # the row being parsed
        raise fail(_too_long(max_cell_chars)) from None
    except csv.Error as exc:
        row += 0 if in_header else 1
        raise fail(f"not valid CSV ({exc})") from None
    except UnicodeDecodeError:
        offset, bad_line = first_undecodable(file_path)
        where = f" (line {bad_line})" if show_lines else ""
        raise InvalidDatasetError(
            f"{label}: not UTF-8 text: the byte at offset {offset:,}{where} is not valid UTF-8",
            dataset=label,
            line=bad_line if show_lines else None,
        ) from None


def _too_long(max_cell_chars: int) -> str:
    return f"a cell is longer than {max_cell_chars:,} characters"


def _check_header(header: list[str], fail: Callable[[str], InvalidDatasetError]) -> None:
    if len(header) > MAX_COLUMNS:
        raise fail(f"{len(header):,} columns, more than the {MAX_COLUMNS:,} a dataset may have")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise fail(f"column {name!r} appears twice (columns must be unique)")
        seen.add(name)


def first_undecodable(path: Path) -> tuple[int, int]:
    """Offset and line of the first byte of ``path`` that is not UTF-8 (text decoding reads ahead in blocks, so
    the decoder's own error does not say where in the file it is)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with open(path, "rb") as file:
        while block := file.read(65536):
            for index in range(len(block)):
                pending = len(decoder.getstate()[0])  # bytes of a character begun but not finished
                try:
                    decoder.decode(block[index : index + 1])
                except UnicodeDecodeError:
                    return offset + index - pending, line
                line += block[index] == 0x0A
            offset += len(block)
    return offset, line
