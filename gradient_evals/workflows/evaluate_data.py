"""The dataset side of ``client.evaluate``: content hashes, local datasets prepared for upload, slices.

A local dataset (a CSV path, a DataFrame or rows) is written to a CSV the API reads, without the ``slice_by``
column, which stays on this side and is joined back to the results by the prompt's input text. The file's content
hash goes into the uploaded dataset's name, so an unchanged file is recognised and not uploaded again.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from ..typing import DatasetInput
from ._csv_checks import checked_records
from .gates import slice_key

if TYPE_CHECKING:
    from ._resources import DatasetRows

__all__ = [
    "GROUND_TRUTH_COLUMN",
    "HASH_DIGITS",
    "HASH_MARK",
    "QUERY_COLUMN",
    "LocalDataset",
    "content_hash",
    "dataset_name_for",
    "prepare_dataset",
    "remote_slices",
    "rows_of",
]

QUERY_COLUMN: Final = "query"
GROUND_TRUTH_COLUMN: Final = "expected_response"
HASH_MARK: Final = "sha256-"
HASH_DIGITS: Final = 16


def content_hash(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, in hex (read in blocks: the file is never held in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_name_for(base: str, digest: str) -> str:
    """The name ``evaluate`` gives an uploaded dataset: ``base`` and the start of its content hash."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "dataset"
    return f"{stem[:80]}-{HASH_MARK}{digest[:HASH_DIGITS]}"


def _is_dataframe(value: object) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_dict")


def rows_of(source: DatasetInput) -> tuple[list[str], Iterable[Mapping[str, Any]]]:
    """The header and the rows of a local dataset (a path is read as UTF-8 CSV, a byte-order mark ignored).

    A path goes through the SDK's one CSV reader with ``upload``'s checks: the header at once, each row as it is
    read, each problem an :class:`InvalidDatasetError` naming the file and line, before anything is sent.
    """
    if isinstance(source, str | os.PathLike):
        checked_header, checked_rows = checked_records(source)
        header = list(checked_header)

        def rows() -> Iterable[Mapping[str, Any]]:
            for _, _, cells in checked_rows:
                yield dict(zip(header, cells, strict=True))

        return header, rows()
    if _is_dataframe(source):
        frame: Any = source
        records: list[Mapping[str, Any]] = frame.to_dict("records")
        return [str(c) for c in frame.columns], records
    if isinstance(source, Iterable) and not isinstance(source, str | bytes | Mapping):
        materialized = list(source)
        columns: list[str] = []
        for index, row in enumerate(materialized):
            if not isinstance(row, Mapping):
                raise ArgumentTypeError(
                    f"dataset row {index + 1} must be a mapping of column to value, got {type(row).__name__}"
                )
            columns += [str(k) for k in row if str(k) not in columns]
        return columns, materialized
    raise ArgumentTypeError(
        "dataset must be a CSV path, a pandas DataFrame, an iterable of row mappings or a dataset UUID, "
        f"got {type(source).__name__}"
    )


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


class LocalDataset:
    """A local dataset prepared for upload: the file to send (without the slice column), its hash, the slices."""

    def __init__(self, path: Path, digest: str, slices: dict[str, str]) -> None:
        self.path = path
        self.digest = digest
        self.slices = slices


def prepare_dataset(source: DatasetInput, slice_by: str | None, workdir: Path) -> LocalDataset:
    """Write the file to upload and read the slices, checking the ``slice_by`` column exists."""
    header, rows = rows_of(source)
    if slice_by is not None and slice_by not in header:
        raise InvalidArgumentError(f"slice_by: the dataset has no column {slice_by!r} (columns: {', '.join(header)})")
    if QUERY_COLUMN not in header:
        raise InvalidArgumentError(f"the dataset has no {QUERY_COLUMN!r} column (columns: {', '.join(header)})")
    if slice_by is None and isinstance(source, str | os.PathLike):
        path = Path(source)
        return LocalDataset(path, content_hash(path), {})
    kept = [c for c in header if c != slice_by]
    # The copy keeps the source file's name: it is the name the progress lines and the API's upload show.
    path = workdir / (Path(source).name if isinstance(source, str | os.PathLike) else "dataset.csv")
    slices: dict[str, str] = {}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(kept)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in kept])
            if slice_by is not None:
                key = slice_key(_cell(row.get(QUERY_COLUMN)))
                if key:
                    slices.setdefault(key, _cell(row.get(slice_by)) or "(blank)")
    return LocalDataset(path, content_hash(path), slices)


async def remote_slices(datasets: DatasetRows, dataset_uuid: str, slice_by: str) -> dict[str, str]:
    rows = await datasets.read(dataset_uuid)
    if rows and slice_by not in rows[0]:
        raise InvalidArgumentError(f"slice_by: dataset {dataset_uuid} has no column {slice_by!r}")
    slices: dict[str, str] = {}
    for row in rows:
        key = slice_key(row.get(QUERY_COLUMN))
        if key:
            slices.setdefault(key, row.get(slice_by) or "(blank)")
    return slices
