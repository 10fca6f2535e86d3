"""The emulator's evaluation datasets: records built from files uploaded to the object store, and seeded ones.

A seeded dataset (``FakeGradientServer.add_dataset``) has a row count but no file: test cases made on it
generate their rows.

The emulator parses an uploaded CSV itself, with rules written from the API's documentation (a ``query``
column, no empty query, JSON queries in ADK datasets, at most 1,000 rows), and shares no code with the SDK's own
checks: if both shared one parser, one bug would hide in both.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

from ..._exceptions import InvalidArgumentError
from .._object_store import ObjectStore
from ._shared import check_new_id

__all__ = ["DATASET_TYPES", "DatasetError", "DatasetRecord", "DatasetStore"]

DATASET_TYPES = (
    "EVALUATION_DATASET_TYPE_UNKNOWN",
    "EVALUATION_DATASET_TYPE_ADK",
    "EVALUATION_DATASET_TYPE_NON_ADK",
    "EVALUATION_DATASET_TYPE_MODEL",
)
_ROW_LIMIT = 1000
_NAMESPACE = uuid.UUID("0c5d8e36-1f7a-4b52-9d3e-6a8f2b1c4e70")
_SEEDED_BYTES_PER_ROW = 212


class DatasetError(ValueError):
    """An uploaded file the API would refuse; the message is the API's 400 message."""


@dataclass(frozen=True)
class DatasetRecord:
    """One dataset: what the API lists, plus its rows in file order."""

    uuid: str
    name: str
    dataset_type: str
    created_at: float
    object_key: str
    original_file_name: str
    file_size: int
    rows: tuple[dict[str, str], ...] = field(repr=False)
    columns: tuple[str, ...] = ()
    seeded_rows: int | None = None  # a seeded dataset: this many generated rows, and no file

    @property
    def has_ground_truth(self) -> bool:
        return "expected_response" in self.columns

    @property
    def row_count(self) -> int:
        return len(self.rows) if self.seeded_rows is None else self.seeded_rows

    @property
    def has_file(self) -> bool:
        return self.seeded_rows is None


def parse_dataset(data: bytes, dataset_type: str) -> tuple[tuple[str, ...], tuple[dict[str, str], ...]]:
    """The header and rows of an uploaded CSV; ``DatasetError`` for a file the API refuses."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError("The dataset file is not UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise DatasetError("The dataset file has no header row.")
        if "query" not in header:
            raise DatasetError("The dataset file has no 'query' column.")
        rows: list[dict[str, str]] = []
        for record in reader:
            if not record:
                continue
            row = dict(zip(header, record, strict=False))
            if len(rows) >= _ROW_LIMIT:
                raise DatasetError(f"The dataset has more than {_ROW_LIMIT} rows.")
            if len(record) != len(header):
                raise DatasetError(f"Row {len(rows) + 1} does not have {len(header)} columns.")
            if not row["query"].strip():
                raise DatasetError(f"Row {len(rows) + 1} has an empty query.")
            if dataset_type == "EVALUATION_DATASET_TYPE_ADK":
                try:
                    json.loads(row["query"])
                except ValueError:
                    raise DatasetError(f"Row {len(rows) + 1}: the query of an ADK dataset must be JSON.") from None
            rows.append(row)
    except csv.Error as exc:
        raise DatasetError(f"The dataset file is not valid CSV: {exc}.") from None
    if not rows:
        raise DatasetError("The dataset file has no rows.")
    return tuple(header), tuple(rows)


class DatasetStore:
    """Every dataset, and the object store their files live in (set by the server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._datasets: dict[str, DatasetRecord] = {}
        self._seeded = 0
        self.objects: ObjectStore | None = None

    def object_store(self) -> ObjectStore:
        if self.objects is None:
            raise RuntimeError("the emulator's object store is not set up")
        return self.objects

    def create(
        self, *, name: str, dataset_type: str, object_key: str, original_file_name: str, size: int
    ) -> DatasetRecord:
        """A dataset from a stored object (``KeyError`` if nothing is stored there; ``DatasetError``)."""
        objects = self.object_store()
        data = objects.read(object_key)
        if len(data) != size:
            raise DatasetError(f"size_in_bytes is {size}, but the stored file has {len(data)} bytes.")
        columns, rows = parse_dataset(data, dataset_type)
        record = DatasetRecord(
            uuid=str(uuid.uuid4()),
            name=name,
            dataset_type=dataset_type,
            created_at=time.time(),
            object_key=object_key,
            original_file_name=original_file_name,
            file_size=size,
            rows=rows,
            columns=columns,
        )
        with self._lock:
            self._datasets[record.uuid] = record
        return record

    def seed(
        self,
        seed: int,
        *,
        name: str | None,
        rows: int,
        given_uuid: str | None = None,
        dataset_type: str = "EVALUATION_DATASET_TYPE_ADK",
    ) -> str:
        """Seed a dataset of ``rows`` generated rows (no file); returns its uuid, given or derived from the seed."""
        if rows < 0:
            raise InvalidArgumentError("rows must be >= 0")
        if dataset_type not in DATASET_TYPES:
            raise InvalidArgumentError(f"unknown dataset type {dataset_type!r}")
        with self._lock:
            derived = str(uuid.uuid5(_NAMESPACE, f"{seed}:dataset:{self._seeded}"))
            dataset_uuid = derived if given_uuid is None else check_new_id(given_uuid, self._datasets, "dataset")
            self._seeded += 1
            self._datasets[dataset_uuid] = DatasetRecord(
                uuid=dataset_uuid,
                name=name or f"dataset-{self._seeded}.csv",
                dataset_type=dataset_type,
                created_at=time.time(),
                object_key="",
                original_file_name=name or f"dataset-{self._seeded}.csv",
                file_size=rows * _SEEDED_BYTES_PER_ROW,
                rows=(),
                columns=("query", "expected_response"),
                seeded_rows=rows,
            )
            return dataset_uuid

    def get(self, dataset_uuid: str) -> DatasetRecord:
        """The dataset (``KeyError`` if unknown)."""
        with self._lock:
            return self._datasets[dataset_uuid]

    def all(self) -> list[DatasetRecord]:
        """Every dataset, oldest first."""
        with self._lock:
            return list(self._datasets.values())

    def delete(self, dataset_uuid: str) -> DatasetRecord:
        """Remove a dataset and its file (``KeyError`` if unknown)."""
        with self._lock:
            record = self._datasets.pop(dataset_uuid)
        if record.has_file:
            self.object_store().delete(record.object_key)
        return record
