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

from .._exceptions import ArgumentTypeError, InvalidArgumentError, InvalidDatasetError
from ._csv_reader import DEFAULT_MAX_CELL_CHARS, MAX_FILE_BYTES, MAX_ROWS, iter_records

__all__ = [
    "GROUND_TRUTH_COLUMN",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "QUERY_COLUMN",
    "CheckedFile",
    "check_csv_file",
    "checked_records",
    "read_csv_rows",
    "write_rows_csv",
]

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


def _check_columns(header: list[str], label: str) -> tuple[str, ...]:
    """What the API needs of a header beyond what :func:`iter_records` checks: the exact documented names."""
    for number, name in enumerate(header, start=1):
        meant = _LOOKALIKES.get(_normalized(name))
        if meant is not None and name != meant and meant not in header:
            raise InvalidDatasetError(
                f"{label}: header column {number} is {name!r}; the API reads this column only when it is named "
                f"exactly {meant!r}",
                dataset=label,
                line=1,
            )
    if QUERY_COLUMN not in header:
        raise InvalidDatasetError(
            f"{label}: the header has no {QUERY_COLUMN!r} column (it has {', '.join(map(repr, header)) or 'none'}); "
            f"a dataset needs the prompts in a column named {QUERY_COLUMN!r}",
            dataset=label,
            line=1,
        )
    return tuple(header)


def check_csv_file(path: str | os.PathLike[str], *, adk: bool, source: str | None = None) -> CheckedFile:
    """Check a dataset file; raise :class:`InvalidDatasetError` (a ``ValueError``) naming the row and column
    of the first problem.

    ``source`` is how messages name the data (the path by default); when it is not a file the user wrote (rows
    written by :func:`write_rows_csv`), messages give row numbers only, not lines of a file they never saw.
    """
    file_path = Path(path)
    show_lines = source is None
    label = source or str(file_path)
    try:
        stat = file_path.stat()
    except FileNotFoundError:
        raise InvalidDatasetError(f"{label}: no such file", dataset=label) from None
    except OSError as exc:
        raise InvalidDatasetError(f"{label}: cannot read it ({exc.strerror})", dataset=label) from None
    if not file_path.is_file():
        raise InvalidDatasetError(f"{label}: not a regular file", dataset=label)
    size = stat.st_size
    if size == 0:
        raise InvalidDatasetError(
            f"{label}: the file is empty; a dataset is a CSV file with a header row", dataset=label
        )
    if size > MAX_FILE_BYTES:
        raise InvalidDatasetError(
            f"{label}: {size:,} bytes is over the API's limit of {MAX_FILE_BYTES:,} bytes (1 GB)", dataset=label
        )
    try:
        with open(file_path, "rb") as raw:
            offset = len(_BOM) if raw.read(len(_BOM)) == _BOM else 0
        columns, rows = _check_rows(file_path, label, adk=adk, show_lines=show_lines)
    except OSError as exc:
        raise InvalidDatasetError(f"{label}: cannot read it ({exc.strerror})", dataset=label) from None
    return CheckedFile(path=file_path, offset=offset, size=size - offset, rows=rows, columns=columns)


def _check_rows(path: Path, label: str, *, adk: bool, show_lines: bool) -> tuple[tuple[str, ...], int]:
    columns, records = checked_records(path, label=label, adk=adk, show_lines=show_lines)
    rows = sum(1 for _ in records)
    if rows == 0:
        raise InvalidDatasetError(f"{label}: the file has a header but no rows", dataset=label)
    return columns, rows


def checked_records(
    path: str | os.PathLike[str], *, label: str | None = None, adk: bool = False, show_lines: bool = True
) -> tuple[tuple[str, ...], Iterator[tuple[int, int, list[str]]]]:
    """The header of a dataset file and its rows as ``(row, line, cells)``, with every check of an upload.

    The header is checked at once, each row as it is read (the rows are a generator over the open file, which
    closes when they are exhausted). Raises :class:`InvalidDatasetError`.
    """
    name = label or os.fspath(path)
    records = iter_records(Path(path), label=name, show_lines=show_lines)
    _, _, header = next(records)
    columns = _check_columns(header, name)
    query_index = columns.index(QUERY_COLUMN)

    def rows() -> Iterator[tuple[int, int, list[str]]]:
        for row, line, cells in records:
            where = f"{name}: row {row}" + (f" (line {line})" if show_lines else "")
            query = cells[query_index]
            if not query.strip():
                raise InvalidDatasetError(
                    f"{where}, column {QUERY_COLUMN!r}: empty; every row needs a query",
                    dataset=name,
                    line=line if show_lines else None,
                    row=row,
                )
            if adk:
                try:
                    json.loads(query)
                except ValueError as exc:
                    raise InvalidDatasetError(
                        f"{where}, column {QUERY_COLUMN!r}: not valid JSON ({exc}), which every query of an ADK "
                        "dataset must be",
                        dataset=name,
                        line=line if show_lines else None,
                        row=row,
                    ) from None
            yield row, line, cells

    return columns, rows()


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
            raise ArgumentTypeError(f"row {row}, column {column!r}: cannot write it as JSON ({exc})") from None
    item = getattr(value, "item", None)  # a numpy scalar: its plain Python value
    if callable(item) and type(value).__module__ == "numpy":
        return _cell(item(), row, column)
    raise ArgumentTypeError(
        f"row {row}, column {column!r}: a {type(value).__name__} cannot be written to a CSV cell; use a string, "
        "a number, a boolean, None, or a dict/list (written as JSON)"
    )


def _dataframe_rows(frame: Any) -> tuple[list[str], Iterator[Mapping[str, Any]]]:
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        duplicate = next(c for c in columns if columns.count(c) > 1)
        raise InvalidArgumentError(f"the DataFrame has two columns named {duplicate!r} (columns must be unique)")
    # Missing values (NaN, None, NA, NaT) become empty cells.
    cleaned = frame.astype(object).where(frame.notna(), None)
    return columns, (dict(zip(columns, values, strict=True)) for values in cleaned.itertuples(index=False, name=None))


def _mapping_rows(rows: Iterable[Any]) -> tuple[list[str], Iterator[Mapping[str, Any]]]:
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise InvalidArgumentError("no rows to upload")
    if not isinstance(first, Mapping):
        raise ArgumentTypeError(f"row 1 must be a mapping of column name to value, got {type(first).__name__}")
    columns = list(first)
    for column in columns:
        if not isinstance(column, str):
            raise ArgumentTypeError(f"row 1: column names must be strings, got {type(column).__name__} {column!r}")

    def all_rows() -> Iterator[Mapping[str, Any]]:
        yield first
        for number, row in enumerate(iterator, start=2):
            if not isinstance(row, Mapping):
                raise ArgumentTypeError(
                    f"row {number} must be a mapping of column name to value, got {type(row).__name__}"
                )
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
        raise ArgumentTypeError("pass a list of rows (mappings), not a single mapping")
    elif isinstance(source, Iterable) and not isinstance(source, str | bytes):
        columns, rows = _mapping_rows(source)
    else:
        raise ArgumentTypeError(
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
                raise InvalidArgumentError(f"row {count}: more than {MAX_ROWS:,} rows, the API's limit for a dataset")
            extra = next((key for key in row if key not in known), None)
            if extra is not None:
                raise InvalidArgumentError(
                    f"row {count}, column {extra!r}: not a column of row 1 ({', '.join(columns)})"
                )
            writer.writerow([_cell(row.get(column), count, column) for column in columns])
    return count


def read_csv_rows(
    path: str | os.PathLike[str],
    *,
    label: str | None = None,
    max_rows: int | None = MAX_ROWS,
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS,
) -> list[dict[str, str]]:
    """A dataset file's rows as dicts keyed by the header's column names, every value a string.

    The file is read by :func:`iter_records`, with its checks and limits; ``label`` names it in errors.
    """
    name = label or os.fspath(path)
    records = iter_records(
        Path(path), label=name, max_rows=max_rows, max_cell_chars=max_cell_chars, rows_limit="the limit of max_rows"
    )
    _, _, header = next(records)
    return [dict(zip(header, cells, strict=True)) for _, _, cells in records]
