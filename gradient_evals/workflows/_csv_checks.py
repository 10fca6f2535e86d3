"""What a dataset file must be before it leaves the machine, checked locally; and rows written as such a file.

The API documents its datasets as UTF-8 CSV files with a header row, a ``query`` column (a JSON document in each
cell of an ADK dataset), an optional ``expected_response`` column with the ground truth, at most 1,000 rows and
1 GB. A file that breaks one of these rules would be uploaded in full and then refused (or, worse, accepted and
evaluated wrongly); the checks here find the problem first and name the row and column.

The file is read as a stream, one row at a time: checking a 1 GB file does not hold it in memory.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import attrs

__all__ = [
    "GROUND_TRUTH_COLUMN",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "QUERY_COLUMN",
    "CheckedFile",
    "check_csv_file",
    "read_csv_rows",
    "write_rows_csv",
]

# The documented limits and column names, in one place.
MAX_ROWS: Final = 1_000
"""Most data rows a dataset may have (the header not counted)."""
MAX_FILE_BYTES: Final = 1_000_000_000
"""Largest dataset file the API accepts: 1 GB."""
QUERY_COLUMN: Final = "query"
"""The column holding each prompt; required."""
GROUND_TRUTH_COLUMN: Final = "expected_response"
"""The column holding each prompt's ground truth; optional."""

_BOM: Final = codecs.BOM_UTF8


@attrs.frozen(kw_only=True)
class CheckedFile:
    """A dataset file that passed the checks: the bytes to send (``size`` from ``offset``) and its shape.

    ``offset`` skips a UTF-8 byte-order mark (spreadsheet programs write one): it is not part of the header's
    first column name, and is not sent.
    """

    path: Path
    offset: int
    size: int
    rows: int
    columns: tuple[str, ...]

    @property
    def has_ground_truth(self) -> bool:
        """True when the file has the ground-truth column."""
        return GROUND_TRUTH_COLUMN in self.columns


def _normalized(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


# Spellings of the documented column names (another case, spaces, the usual synonym for ground truth): the API
# reads only the exact names, so a file using one of these would lose that column without a word.
_LOOKALIKES: Final = {
    QUERY_COLUMN: QUERY_COLUMN,
    GROUND_TRUTH_COLUMN: GROUND_TRUTH_COLUMN,
    "expectedresponse": GROUND_TRUTH_COLUMN,
    "ground_truth": GROUND_TRUTH_COLUMN,
    "groundtruth": GROUND_TRUTH_COLUMN,
}


def _check_header(header: list[str], source: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if name in seen:
            raise ValueError(f"{source}: column {name!r} appears twice in the header (columns must be unique)")
        seen.add(name)
        meant = _LOOKALIKES.get(_normalized(name))
        if meant is not None and name != meant and meant not in header:
            raise ValueError(
                f"{source}: header column {number} is {name!r}; the API reads this column only when it is named "
                f"exactly {meant!r}"
            )
    if QUERY_COLUMN not in seen:
        raise ValueError(
            f"{source}: the header has no {QUERY_COLUMN!r} column (it has {', '.join(map(repr, header)) or 'none'}); "
            f"a dataset needs the prompts in a column named {QUERY_COLUMN!r}"
        )
    return tuple(header)


def _allow_large_cells() -> None:
    # The csv module refuses cells over 128 KiB by default, a limit of its own that the API does not have: 1,000
    # rows may fill 1 GB. The limit is process-wide, so it is only ever raised here, never lowered.
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)


def check_csv_file(path: str | os.PathLike[str], *, adk: bool, source: str | None = None) -> CheckedFile:
    """Check a dataset file; raise ``ValueError`` naming the row and column of the first problem.

    ``source`` is how messages name the data (the path by default); when it is not a file the user wrote (rows
    written by :func:`write_rows_csv`), messages give row numbers only, not lines of a file they never saw.
    """
    file_path = Path(path)
    show_lines = source is None
    label = source or str(file_path)
    try:
        stat = file_path.stat()
    except FileNotFoundError:
        raise ValueError(f"{label}: no such file") from None
    except OSError as exc:
        raise ValueError(f"{label}: cannot read it ({exc.strerror})") from None
    if not file_path.is_file():
        raise ValueError(f"{label}: not a regular file")
    size = stat.st_size
    if size == 0:
        raise ValueError(f"{label}: the file is empty; a dataset is a CSV file with a header row")
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{label}: {size:,} bytes is over the API's limit of {MAX_FILE_BYTES:,} bytes (1 GB)")
    _allow_large_cells()
    try:
        with open(file_path, "rb") as raw:
            offset = len(_BOM) if raw.read(len(_BOM)) == _BOM else 0
        # utf-8-sig drops the byte-order mark, which would otherwise become part of the first column's name.
        with open(file_path, encoding="utf-8-sig", errors="strict", newline="") as text:
            columns, rows = _check_rows(csv.reader(text, strict=True), label, adk=adk, show_lines=show_lines)
    except UnicodeDecodeError:
        offset_, line = _first_undecodable(file_path)
        where = f" (line {line})" if show_lines else ""
        raise ValueError(f"{label}: not UTF-8 text: the byte at offset {offset_:,}{where} is not valid UTF-8") from None
    except OSError as exc:
        raise ValueError(f"{label}: cannot read it ({exc.strerror})") from None
    return CheckedFile(path=file_path, offset=offset, size=size - offset, rows=rows, columns=columns)


def _first_undecodable(path: Path) -> tuple[int, int]:
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


def _check_rows(reader: Any, label: str, *, adk: bool, show_lines: bool) -> tuple[tuple[str, ...], int]:
    rows = 0
    line = 1
    header: list[str] | None = None
    try:
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{label}: the file is empty; a dataset is a CSV file with a header row")
        columns = _check_header(header, label)
        query_index = columns.index(QUERY_COLUMN)
        width = len(columns)
        line = reader.line_num + 1
        for record in reader:
            if not record:  # a blank line: not a row, for the csv module as for the API's parsers
                line = reader.line_num + 1
                continue
            rows += 1
            where = f"{label}: row {rows}" + (f" (line {line})" if show_lines else "")
            if rows > MAX_ROWS:
                raise ValueError(f"{where}: more than {MAX_ROWS:,} rows, the API's limit for a dataset")
            if len(record) != width:
                raise ValueError(f"{where}: {len(record)} cells where the header has {width} columns")
            query = record[query_index]
            if not query.strip():
                raise ValueError(f"{where}, column {QUERY_COLUMN!r}: empty; every row needs a query")
            if adk:
                try:
                    json.loads(query)
                except ValueError as exc:
                    raise ValueError(
                        f"{where}, column {QUERY_COLUMN!r}: not valid JSON ({exc}), which every query of an ADK "
                        "dataset must be"
                    ) from None
            line = reader.line_num + 1
    except UnicodeDecodeError:
        raise  # located by the caller, which has the file
    except csv.Error as exc:
        where = f"row {rows + 1}" + (f" (line {line})" if show_lines else "") if header is not None else "the header"
        raise ValueError(f"{label}: {where} is not valid CSV ({exc})") from None
    if rows == 0:
        raise ValueError(f"{label}: the file has a header but no rows")
    return columns, rows


# -- rows to a file ---------------------------------------------------------------------------------------


def _is_dataframe(value: object) -> bool:
    # By duck typing on pandas' own class, so that pandas is imported only by the caller who has it.
    return any(cls.__module__.split(".")[0] == "pandas" and cls.__name__ == "DataFrame" for cls in type(value).__mro__)


def _cell(value: Any, row: int, column: str) -> str:
    """A cell's text: strings as they are, numbers and booleans as written, nested data as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        try:
            return json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"row {row}, column {column!r}: cannot write it as JSON ({exc})") from None
    item = getattr(value, "item", None)  # a numpy scalar: its plain Python value
    if callable(item) and type(value).__module__ == "numpy":
        return _cell(item(), row, column)
    raise TypeError(
        f"row {row}, column {column!r}: a {type(value).__name__} cannot be written to a CSV cell; use a string, "
        "a number, a boolean, None, or a dict/list (written as JSON)"
    )


def _dataframe_rows(frame: Any) -> tuple[list[str], Iterator[Mapping[str, Any]]]:
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        duplicate = next(c for c in columns if columns.count(c) > 1)
        raise ValueError(f"the DataFrame has two columns named {duplicate!r} (columns must be unique)")
    # Missing values (NaN, None, NA, NaT) become empty cells.
    cleaned = frame.astype(object).where(frame.notna(), None)
    return columns, (dict(zip(columns, values, strict=True)) for values in cleaned.itertuples(index=False, name=None))


def _mapping_rows(rows: Iterable[Any]) -> tuple[list[str], Iterator[Mapping[str, Any]]]:
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise ValueError("no rows to upload")
    if not isinstance(first, Mapping):
        raise TypeError(f"row 1 must be a mapping of column name to value, got {type(first).__name__}")
    columns = list(first)
    for column in columns:
        if not isinstance(column, str):
            raise TypeError(f"row 1: column names must be strings, got {type(column).__name__} {column!r}")

    def all_rows() -> Iterator[Mapping[str, Any]]:
        yield first
        for number, row in enumerate(iterator, start=2):
            if not isinstance(row, Mapping):
                raise TypeError(f"row {number} must be a mapping of column name to value, got {type(row).__name__}")
            yield row

    return columns, all_rows()


def write_rows_csv(source: Any, path: str | os.PathLike[str]) -> int:
    """Write a ``pandas.DataFrame`` or an iterable of row mappings to ``path`` as a dataset CSV; returns the rows.

    Columns are the DataFrame's, or the first row's keys in their order; a later row may leave a column out (an
    empty cell) but not add one. Raises ``TypeError``/``ValueError`` naming the row and column; stops reading
    the rows once there are more than the API accepts.
    """
    if _is_dataframe(source):
        columns, rows = _dataframe_rows(source)
    elif isinstance(source, Mapping):
        raise TypeError("pass a list of rows (mappings), not a single mapping")
    elif isinstance(source, Iterable) and not isinstance(source, str | bytes):
        columns, rows = _mapping_rows(source)
    else:
        raise TypeError(
            "source must be a path to a CSV file, a pandas.DataFrame or an iterable of row mappings, "
            f"got {type(source).__name__}"
        )
    known = set(columns)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for count, row in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise ValueError(f"row {count}: more than {MAX_ROWS:,} rows, the API's limit for a dataset")
            extra = next((key for key in row if key not in known), None)
            if extra is not None:
                raise ValueError(f"row {count}, column {extra!r}: not a column of row 1 ({', '.join(columns)})")
            writer.writerow([_cell(row.get(column), count, column) for column in columns])
    return count


def read_csv_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """A dataset file's rows as dicts keyed by the header's column names."""
    _allow_large_cells()
    with open(path, encoding="utf-8-sig", newline="") as file:
        return [dict(row) for row in csv.DictReader(file, strict=True)]
