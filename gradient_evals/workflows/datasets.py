"""Datasets in one call: upload a CSV file, a DataFrame or rows; download a dataset's file; read its rows.

An upload is four steps the API leaves to its client: check the file here, ask the API for a presigned URL, PUT
the bytes to object storage, then create the dataset from the stored object. The PUT goes to another origin and
never carries the API token (:mod:`gradient_evals._storage`); it streams the file from disk, so a 1 GB file
costs a megabyte of memory. It is retried like any idempotent request, with a fresh URL when the storage refuses
the old one (expired). No dataset exists until the final ``create``; if that fails, the error carries the
stored ``object_key`` so the dataset can be created by hand without uploading again.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

import anyio
import anyio.to_thread

from .._exceptions import (
    APIError,
    DatasetCreationError,
    DownloadTooLargeError,
    InvalidArgumentError,
    ObjectStorageError,
    StorageDestinationError,
)
from .._retry import RetryPolicy
from .._storage import StorageClient
from ..types import EvaluationDatasetType, FileUploadPresignedUrl
from ..typing import OnProgress
from ._csv_checks import MAX_FILE_BYTES, MAX_ROWS, CheckedFile, check_csv_file, read_csv_rows, write_rows_csv
from ._csv_reader import DEFAULT_MAX_CELL_CHARS
from ._resources import DatasetDownloads, DatasetUploads

__all__ = ["CONTENT_TYPE", "DatasetSource", "download_dataset", "read_dataset", "upload_dataset"]

CONTENT_TYPE: Final = "text/csv"

DatasetSource = Any
"""A path to a CSV file (``str`` or ``os.PathLike``), a ``pandas.DataFrame``, or an iterable of row mappings."""

T = TypeVar("T")

# A URL the storage says has expired (or whose signature it no longer accepts) is replaced, not retried.
_REFRESH_STATUSES: Final = frozenset({401, 403})
_RETRY_STATUSES: Final = frozenset({408, 429})


def _is_path(source: object) -> bool:
    return isinstance(source, str | os.PathLike)


def _file_name_for(name: str) -> str:
    """A file name for rows that never had one: the dataset's name, made safe for an object key."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:100]
    return f"{stem or 'dataset'}.csv"


async def _checked(source: DatasetSource, name: str, adk: bool, workdir: Path) -> tuple[CheckedFile, str]:
    """The file to send and its name; rows are first written to a CSV in ``workdir``."""
    if _is_path(source):
        path = Path(os.fspath(source))
        checked = await anyio.to_thread.run_sync(lambda: check_csv_file(path, adk=adk))
        return checked, path.name
    target = workdir / _file_name_for(name)
    await anyio.to_thread.run_sync(write_rows_csv, source, target)
    what = "the DataFrame" if not isinstance(source, Sequence) else "the rows"
    checked = await anyio.to_thread.run_sync(lambda: check_csv_file(target, adk=adk, source=what))
    return checked, target.name


class _Progress:
    """Adds up the bytes of one transfer and reports the running total to ``on_progress``."""

    def __init__(self, on_progress: OnProgress | None, total: int | None) -> None:
        self._on_progress = on_progress
        self._total = total
        self._done = 0

    def __call__(self, count: int) -> None:
        self._done += count
        if self._on_progress is not None:
            self._on_progress(self._done, self._total)


def _retryable(exc: ObjectStorageError) -> bool:
    if isinstance(exc, StorageDestinationError | DownloadTooLargeError):
        return False  # the same URL, or a fresh one for the same file, would meet the same refusal
    status = exc.status_code
    return (
        status is None
        or status >= 500
        or status in _RETRY_STATUSES
        or status in _REFRESH_STATUSES
        or (status == 400 and "expired" in str(exc))
    )


def _expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at <= datetime.now(UTC) + timedelta(seconds=5)


async def _retrying(
    attempt: Callable[[int], Awaitable[T]], retry: RetryPolicy, is_retryable: Callable[[ObjectStorageError], bool]
) -> T:
    """Run ``attempt(n)`` for n = 1, 2... until it succeeds, a failure is final, or the policy's retries run out."""
    number = 1
    while True:
        try:
            return await attempt(number)
        except ObjectStorageError as exc:
            if number > retry.max_retries or not is_retryable(exc):
                raise
        await anyio.sleep(retry.backoff(number))
        number += 1


async def upload_dataset(
    datasets: DatasetUploads,
    storage: StorageClient,
    source: DatasetSource,
    *,
    name: str,
    dataset_type: str | None,
    retry: RetryPolicy,
    on_progress: OnProgress | None = None,
) -> str:
    """Check ``source``, upload it and create the dataset; returns the new dataset's UUID."""
    adk = dataset_type == EvaluationDatasetType.ADK
    with tempfile.TemporaryDirectory(prefix="gradient-evals-") as workdir:
        checked, file_name = await _checked(source, name, adk, Path(workdir))
        size = checked.size

        async def presign() -> FileUploadPresignedUrl:
            answer = await datasets.create_file_upload_presigned_urls(
                files=[{"file_name": file_name, "file_size": size}]
            )
            if len(answer.uploads) != 1 or not answer.uploads[0].object_key:
                raise ObjectStorageError(
                    f"the API answered a request for one upload URL with {len(answer.uploads)} uploads"
                    + ("" if len(answer.uploads) != 1 else " and no object key")
                )
            return answer.uploads[0]

        current = await presign()
        refresh = False  # set when the storage refused the last URL as expired or no longer valid

        def retryable(exc: ObjectStorageError) -> bool:
            nonlocal refresh
            refresh = exc.status_code in _REFRESH_STATUSES or (exc.status_code == 400 and "expired" in str(exc))
            return _retryable(exc)

        async def put(number: int) -> FileUploadPresignedUrl:
            nonlocal current
            if number > 1 and (refresh or _expired(current.expires_at)):
                current = await presign()
            url = await storage.check_url(current.presigned_url, "upload URL")
            sent = _Progress(on_progress, size)  # from 0 again: each attempt sends the whole file
            sent(0)
            await storage.put_file(
                url, checked.path, offset=checked.offset, size=size, content_type=CONTENT_TYPE, on_bytes=sent
            )
            return current

        uploaded = await _retrying(put, retry, retryable)
    object_key = str(uploaded.object_key)
    file_upload_dataset = {"original_file_name": file_name, "stored_object_key": object_key, "size_in_bytes": size}
    try:
        return await datasets.create(name=name, file_upload_dataset=file_upload_dataset, dataset_type=dataset_type)
    except APIError as exc:
        raise DatasetCreationError(
            f"{file_name} was uploaded (object key {object_key!r}), but creating the dataset failed: {exc}; "
            "create it with client.evaluation_datasets.create(name=..., file_upload_dataset={'original_file_name': "
            f"{file_name!r}, 'stored_object_key': {object_key!r}, 'size_in_bytes': {size}}}) once the cause is "
            "fixed, after checking list() in case it was created",
            object_key=object_key,
            original_file_name=file_name,
            size_in_bytes=size,
            cause=exc,
        ) from exc


async def download_dataset(
    datasets: DatasetDownloads,
    storage: StorageClient,
    dataset_uuid: str,
    path: str | os.PathLike[str],
    *,
    retry: RetryPolicy,
    on_progress: OnProgress | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> int:
    """Download a dataset's file to ``path``; the file appears there only once complete. Returns its size.

    Each attempt asks the API for a fresh download URL, so a retry never meets an expired one. A file passing
    ``max_bytes`` (after decompression) raises :class:`DownloadTooLargeError`, leaving ``path`` as it was.
    """
    target = Path(path)
    if await anyio.Path(target).is_dir():
        raise InvalidArgumentError(f"{target} is a directory; give the path of the file to write")
    if not await anyio.Path(target.parent).is_dir():
        raise InvalidArgumentError(f"{target.parent} is not an existing directory")
    fd, tmp_name = await anyio.to_thread.run_sync(
        lambda: tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    )
    tmp = anyio.Path(tmp_name)
    try:
        async with await anyio.open_file(fd, "wb") as file:

            async def fetch(number: int) -> int:
                answer = await datasets.get_download_url(dataset_uuid)
                url = await storage.check_url(answer.download_url, "download URL")
                await file.seek(0)
                await file.truncate()
                return await storage.download(
                    url,
                    file.write,
                    limit=max_bytes,
                    label=f"dataset {dataset_uuid}",
                    on_bytes=_Progress(on_progress, None),
                )

            written = await _retrying(fetch, retry, _retryable)
        await tmp.replace(target)
    except BaseException:
        with anyio.CancelScope(shield=True), contextlib.suppress(FileNotFoundError):
            await tmp.unlink()
        raise
    return written


async def read_dataset(
    datasets: DatasetDownloads,
    storage: StorageClient,
    dataset_uuid: str,
    *,
    retry: RetryPolicy,
    max_rows: int = MAX_ROWS,
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS,
    max_bytes: int = MAX_FILE_BYTES,
) -> list[dict[str, str]]:
    """A dataset's rows, as dicts keyed by its header's column names (every value a string).

    The file is read by the SDK's one CSV reader, within ``max_rows``, ``max_cell_chars`` and ``max_bytes``;
    :class:`InvalidDatasetError` names the dataset and the line of any problem.
    """
    with tempfile.TemporaryDirectory(prefix="gradient-evals-") as workdir:
        path = Path(workdir) / "dataset.csv"
        await download_dataset(datasets, storage, dataset_uuid, path, retry=retry, max_bytes=max_bytes)
        return await anyio.to_thread.run_sync(
            lambda: read_csv_rows(
                path, label=f"dataset {dataset_uuid}", max_rows=max_rows, max_cell_chars=max_cell_chars
            )
        )
