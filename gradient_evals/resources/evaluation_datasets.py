"""``client.evaluation_datasets``: list, create, download and delete datasets; upload a file or rows in one call."""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from .._validation import check_name, check_positive_int, check_uuid, path_segment
from ..types import (
    EvaluationDataset,
    EvaluationDatasetDownloadUrl,
    EvaluationDatasetsList,
    EvaluationDatasetType,
    FileUploadPresignedUrls,
)
from ..typing import OnProgress, Timeout
from ..workflows._csv_reader import DEFAULT_MAX_CELL_CHARS, MAX_FILE_BYTES, MAX_ROWS
from ..workflows.datasets import DatasetSource, download_dataset, read_dataset, upload_dataset
from ._base import AsyncResource, SyncResource, blocking

if TYPE_CHECKING:
    from .._storage import StorageClient
    from .._transport import Transport

__all__ = ["AsyncEvaluationDatasets", "EvaluationDatasets"]

_DATASETS = "/v2/gen-ai/evaluation_datasets"
_TYPE_PREFIX = "EVALUATION_DATASET_TYPE_"
_FILE_UPLOAD_KEYS = ("original_file_name", "stored_object_key", "size_in_bytes")


@attrs.frozen
class _Deleted:
    """The (empty) answer to a delete."""


def check_dataset_type(value: Any, name: str = "dataset_type") -> str:
    """A dataset type as the API spells it: an :class:`EvaluationDatasetType`, its value, or its short name
    (``"adk"``, ``"non_adk"``, ``"model"``, any case)."""
    if isinstance(value, EvaluationDatasetType):
        return value.value
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be an EvaluationDatasetType or a string, got {type(value).__name__}")
    text = value.strip().upper().replace("-", "_")
    full = text if text.startswith(_TYPE_PREFIX) else _TYPE_PREFIX + text
    if full in {t.value for t in EvaluationDatasetType} or (text.startswith(_TYPE_PREFIX) and text.isidentifier()):
        # A full name this version does not know yet is passed on: the API may have added a type.
        return full
    known = ", ".join(repr(t.name.lower()) for t in EvaluationDatasetType)
    raise InvalidArgumentError(f"{name} must be one of {known} (or an EvaluationDatasetType), got {value!r}")


def _size(value: Any, name: str) -> str:
    """A byte count, sent as the decimal string the API's 64-bit integers are."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return str(int(value))
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise InvalidArgumentError(f"{name} must be >= 0, got {value}")
    return str(value)


def _check_files(files: Any) -> builtins.list[dict[str, str]]:
    if isinstance(files, Mapping | str | bytes) or not isinstance(files, Sequence):
        raise ArgumentTypeError("files must be a list of {'file_name': ..., 'file_size': ...} mappings")
    if not files:
        raise InvalidArgumentError("files must name at least one file")
    checked = []
    for index, file in enumerate(files):
        if not isinstance(file, Mapping):
            raise ArgumentTypeError(f"files[{index}] must be a mapping, got {type(file).__name__}")
        unknown = set(file) - {"file_name", "file_size"}
        if unknown:
            raise InvalidArgumentError(
                f"files[{index}] has unknown keys {sorted(unknown)}; use 'file_name' and 'file_size'"
            )
        checked.append(
            {
                "file_name": check_name(file.get("file_name"), f"files[{index}]['file_name']"),
                "file_size": _size(file.get("file_size"), f"files[{index}]['file_size']"),
            }
        )
    return checked


def _check_file_upload(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"file_upload_dataset must be a mapping, got {type(value).__name__}")
    unknown = set(value) - set(_FILE_UPLOAD_KEYS)
    missing = [key for key in _FILE_UPLOAD_KEYS if value.get(key) is None]
    if unknown or missing:
        raise InvalidArgumentError(
            f"file_upload_dataset must have exactly the keys {', '.join(_FILE_UPLOAD_KEYS)}"
            + (f"; unknown: {', '.join(sorted(map(str, unknown)))}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    return {
        "original_file_name": check_name(value["original_file_name"], "file_upload_dataset['original_file_name']"),
        "stored_object_key": check_name(value["stored_object_key"], "file_upload_dataset['stored_object_key']"),
        "size_in_bytes": _size(value["size_in_bytes"], "file_upload_dataset['size_in_bytes']"),
    }


def _dataset_path(dataset_uuid: str) -> str:
    return f"{_DATASETS}/{path_segment(check_uuid(dataset_uuid, 'dataset_uuid'))}"


class AsyncEvaluationDatasets(AsyncResource):
    """Evaluation datasets: ``list``, ``create``, ``create_file_upload_presigned_urls``, ``get_download_url``,
    ``delete``; and the workflows ``upload``, ``download`` and ``read``."""

    def __init__(self, transport: Transport, storage: StorageClient) -> None:
        super().__init__(transport)
        self._storage = storage

    async def list(
        self, *, dataset_type: EvaluationDatasetType | str | None = None, timeout: Timeout = None
    ) -> tuple[EvaluationDataset, ...]:
        """Every evaluation dataset (the API answers in one response), or only those of one ``dataset_type``."""
        params = {} if dataset_type is None else {"dataset_type": check_dataset_type(dataset_type)}
        answer = await self._get(_DATASETS, EvaluationDatasetsList, params=params, timeout=timeout)
        return answer.evaluation_datasets

    async def create(
        self,
        *,
        name: str,
        file_upload_dataset: Mapping[str, Any],
        dataset_type: EvaluationDatasetType | str | None = None,
        timeout: Timeout = None,
    ) -> str:
        """Create a dataset from a file already in storage; returns the new dataset's UUID.

        ``file_upload_dataset`` is ``{"original_file_name": ..., "stored_object_key": ..., "size_in_bytes": ...}``
        with the ``object_key`` of :meth:`create_file_upload_presigned_urls`. :meth:`upload` does all of it.
        Not idempotent: retried only where the server cannot have acted on the request.
        """
        body: dict[str, object] = {
            "name": check_name(name, "name"),
            "file_upload_dataset": _check_file_upload(file_upload_dataset),
        }
        if dataset_type is not None:
            body["dataset_type"] = check_dataset_type(dataset_type)
        return await self._post(_DATASETS, str, body=body, key="evaluation_dataset_uuid", timeout=timeout)

    async def create_file_upload_presigned_urls(
        self, *, files: Sequence[Mapping[str, Any]], timeout: Timeout = None
    ) -> FileUploadPresignedUrls:
        """Presigned URLs to PUT files to, one per ``{"file_name": ..., "file_size": <bytes>}`` of ``files``.

        Each upload's ``object_key`` then goes to :meth:`create`. The URLs are for object storage, not the API:
        send them no credentials (:meth:`upload` does the whole exchange safely).
        """
        body = {"files": _check_files(files)}
        return await self._post(
            f"{_DATASETS}/file_upload_presigned_urls",
            FileUploadPresignedUrls,
            body=body,
            timeout=timeout,
            idempotent=True,  # a URL asked for twice is harmless: only the one used is ever referenced
        )

    async def get_download_url(self, dataset_uuid: str, *, timeout: Timeout = None) -> EvaluationDatasetDownloadUrl:
        """A presigned URL to download a dataset's file, and when it expires."""
        return await self._get(
            f"{_dataset_path(dataset_uuid)}/download_url", EvaluationDatasetDownloadUrl, timeout=timeout
        )

    async def delete(self, dataset_uuid: str, *, timeout: Timeout = None) -> None:
        """Delete a dataset."""
        await self._delete(_dataset_path(dataset_uuid), _Deleted, timeout=timeout)

    # -- workflows: upload, download, read --------------------------------------------------------------------

    async def upload(
        self,
        source: DatasetSource,
        *,
        name: str,
        dataset_type: EvaluationDatasetType | str | None = None,
        on_progress: OnProgress | None = None,
    ) -> str:
        """Upload a dataset in one call and return its UUID.

        ``source`` is a path to a CSV file, a ``pandas.DataFrame``, or an iterable of row mappings
        (``[{"query": "...", "expected_response": "..."}, ...]``; dicts and lists in cells are written as JSON).
        First the data is checked here, and a ``ValueError`` names the row and column of any problem: a
        ``query`` column is required, no query may be empty (and in an ADK dataset, each must be JSON), at most
        1,000 rows and 1 GB, UTF-8 with a header row. Then one presigned URL is requested, the file is streamed
        to it (never with the API token; retried, with a fresh URL if the old one expired), and the dataset is
        created. ``on_progress(bytes_sent, total_bytes)`` follows the upload.

        Raises :class:`ObjectStorageError` when the upload fails (no dataset is created), and
        :class:`DatasetCreationError` (with the stored ``object_key``) when only the final create fails.
        """
        return await upload_dataset(
            self,
            self._storage,
            source,
            name=check_name(name, "name"),
            dataset_type=None if dataset_type is None else check_dataset_type(dataset_type),
            retry=self._transport.retry,
            on_progress=on_progress,
        )

    async def download(
        self,
        dataset_uuid: str,
        path: str | os.PathLike[str],
        *,
        on_progress: OnProgress | None = None,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> int:
        """Download a dataset's CSV file to ``path``; returns the bytes written.

        The file is fetched from a fresh presigned URL without the API token, and appears at ``path`` only once
        complete (a failure leaves an existing file there untouched, and no temporary file). A file larger than
        ``max_bytes`` once decompressed (default 1 GB, the API's limit for a dataset) raises
        :class:`DownloadTooLargeError` as soon as it passes the limit.
        """
        return await download_dataset(
            self,
            self._storage,
            check_uuid(dataset_uuid, "dataset_uuid"),
            path,
            retry=self._transport.retry,
            on_progress=on_progress,
            max_bytes=check_positive_int(max_bytes, "max_bytes"),
        )

    async def read(
        self,
        dataset_uuid: str,
        *,
        max_rows: int = MAX_ROWS,
        max_cell_chars: int = DEFAULT_MAX_CELL_CHARS,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> builtins.list[dict[str, str]]:
        """A dataset's rows, each a dict from column name to cell text (``row["query"]``), every value a string.

        The file is checked as :meth:`upload` checks one: a header naming a column twice, a row with more or
        fewer cells than the header, text that is not UTF-8 or CSV that does not parse raise
        :class:`InvalidDatasetError` naming the dataset and the line. What is loaded is bounded: at most
        ``max_rows`` rows (default 1,000, the API's limit), cells of at most ``max_cell_chars`` characters
        (default 1 Mi), 1,000 columns, and a file of ``max_bytes`` (default 1 GB) once decompressed.
        """
        return await read_dataset(
            self,
            self._storage,
            check_uuid(dataset_uuid, "dataset_uuid"),
            retry=self._transport.retry,
            max_rows=check_positive_int(max_rows, "max_rows"),
            max_cell_chars=check_positive_int(max_cell_chars, "max_cell_chars"),
            max_bytes=check_positive_int(max_bytes, "max_bytes"),
        )


class EvaluationDatasets(SyncResource[AsyncEvaluationDatasets]):
    """Evaluation datasets, blocking: the same methods as :class:`AsyncEvaluationDatasets`."""

    list = blocking(AsyncEvaluationDatasets.list)
    create = blocking(AsyncEvaluationDatasets.create)
    create_file_upload_presigned_urls = blocking(AsyncEvaluationDatasets.create_file_upload_presigned_urls)
    get_download_url = blocking(AsyncEvaluationDatasets.get_download_url)
    delete = blocking(AsyncEvaluationDatasets.delete)
    upload = blocking(AsyncEvaluationDatasets.upload)
    download = blocking(AsyncEvaluationDatasets.download)
    read = blocking(AsyncEvaluationDatasets.read)
