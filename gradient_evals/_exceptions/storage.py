"""What a transfer to or from object storage ran into, and a dataset whose file was stored but not created."""

from __future__ import annotations

from .api import APIError

__all__ = [
    "DatasetCreationError",
    "DownloadTooLargeError",
    "ObjectStorageError",
    "StorageDestinationError",
]


class ObjectStorageError(APIError):
    """A transfer to or from object storage (a presigned upload or download URL) failed, retries included.

    ``status_code`` is the storage's answer, or ``None`` when no answer came. ``url`` is the URL without its
    query string: the signature in a presigned URL is never shown.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code


class StorageDestinationError(ObjectStorageError):
    """A presigned URL points at a destination the SDK does not send data to or read data from.

    Refused before any connection is made: link-local and cloud metadata addresses always; private-network
    addresses unless the client was made with ``allow_private_storage=True``; plain HTTP except to an address
    that is loopback once resolved (or with ``allow_insecure_http=True``). Not retried.
    """


class DownloadTooLargeError(ObjectStorageError):
    """A download passed ``limit`` bytes (counted after decompression); nothing was written to the target."""

    def __init__(self, message: str, *, limit: int, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message, status_code=None, method=method, url=url)
        self.limit = limit


class DatasetCreationError(APIError):
    """A dataset's file is in storage, but the request creating the dataset failed.

    The upload need not be repeated: finish by hand with ``client.evaluation_datasets.create(name=...,
    file_upload_dataset={"original_file_name": e.original_file_name, "stored_object_key": e.object_key,
    "size_in_bytes": e.size_in_bytes})``, after checking with ``list()`` that the dataset does not already exist
    (when the answer was lost, the server may have created it). ``cause`` is the underlying error.
    """

    def __init__(
        self,
        message: str,
        *,
        object_key: str,
        original_file_name: str,
        size_in_bytes: int,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, method="POST")
        self.object_key = object_key
        self.original_file_name = original_file_name
        self.size_in_bytes = size_in_bytes
        self.cause = cause
