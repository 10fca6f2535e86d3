"""Models of ``client.evaluation_datasets``: datasets, presigned upload URLs and download URLs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ._shared import UInt64Count

__all__ = [
    "EvaluationDataset",
    "EvaluationDatasetDownloadUrl",
    "EvaluationDatasetType",
    "EvaluationDatasetsList",
    "FileUploadPresignedUrl",
    "FileUploadPresignedUrls",
]


class EvaluationDatasetType(StrEnum):
    """What a dataset is for. ``ADK`` datasets hold a JSON object in every ``query`` cell."""

    UNKNOWN = "EVALUATION_DATASET_TYPE_UNKNOWN"
    ADK = "EVALUATION_DATASET_TYPE_ADK"
    NON_ADK = "EVALUATION_DATASET_TYPE_NON_ADK"
    MODEL = "EVALUATION_DATASET_TYPE_MODEL"


@attrs.frozen(kw_only=True)
class EvaluationDataset:
    """An uploaded evaluation dataset (as listed, or as a test case embeds it): its name, type, size and shape."""

    dataset_uuid: str | None = None
    dataset_name: str | None = None
    dataset_type: EvaluationDatasetType | str | None = None
    created_at: datetime | None = None
    file_size: UInt64Count | None = None
    """Size of the uploaded file in bytes: the API sends a 64-bit count as a string, an ``int`` when it is a decimal
    number, otherwise the string as sent (see :data:`gradient_evals.types.UInt64Count`)."""
    row_count: int | None = None
    has_ground_truth: bool | None = None
    """True when the file has a ground-truth (``expected_response``) column."""


@attrs.frozen(kw_only=True)
class EvaluationDatasetsList:
    """The list of datasets as the API returns it, in one response."""

    evaluation_datasets: tuple[EvaluationDataset, ...] = ()


@attrs.frozen(kw_only=True)
class FileUploadPresignedUrl:
    """Where to upload one file: a URL on the object store that accepts one PUT until ``expires_at``.

    ``object_key`` is what :meth:`create` takes as ``stored_object_key`` once the file is uploaded. The URL holds
    its own signature: treat it as a secret until it expires.
    """

    presigned_url: str | None = None
    object_key: str | None = None
    original_file_name: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        # The URL's query string is its signature: keep it out of logs and tracebacks.
        return (
            f"FileUploadPresignedUrl(presigned_url=<redacted>, object_key={self.object_key!r}, "
            f"original_file_name={self.original_file_name!r}, expires_at={self.expires_at!r})"
        )


@attrs.frozen(kw_only=True)
class FileUploadPresignedUrls:
    """The answer to a request for upload URLs: one :class:`FileUploadPresignedUrl` per file, in order."""

    request_id: str | None = None
    uploads: tuple[FileUploadPresignedUrl, ...] = ()


@attrs.frozen(kw_only=True)
class EvaluationDatasetDownloadUrl:
    """A presigned URL to download a dataset's file, valid until ``expires_at``."""

    download_url: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"EvaluationDatasetDownloadUrl(download_url=<redacted>, expires_at={self.expires_at!r})"
