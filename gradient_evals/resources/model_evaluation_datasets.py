"""``client.model_evaluation_datasets``: upload a dataset for model evaluations (presigned URLs of their own; the
dataset is then created as every evaluation dataset is)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._exceptions import ArgumentTypeError
from .._validation import check_name
from ..types import FileUploadPresignedUrls
from ..typing import OnProgress, Timeout
from ..workflows.datasets import DatasetSource, upload_dataset
from ._base import AsyncResource, SyncResource, blocking
from .evaluation_datasets import AsyncEvaluationDatasets, _check_files

if TYPE_CHECKING:
    from .._storage import StorageClient
    from .._transport import Transport

__all__ = ["AsyncModelEvaluationDatasets", "ModelEvaluationDatasets"]

_PRESIGN = "/v2/gen-ai/model_evaluation/datasets/file_upload_presigned_urls"


class _UploadSteps:
    """The two API calls of an upload, as the upload workflow names them: this resource's URLs, then the
    evaluation datasets' ``create``."""

    def __init__(self, urls: AsyncModelEvaluationDatasets, datasets: AsyncEvaluationDatasets) -> None:
        self._urls = urls
        self._datasets = datasets

    async def create_file_upload_presigned_urls(self, *, files: Sequence[Mapping[str, Any]]) -> FileUploadPresignedUrls:
        return await self._urls.create_upload_urls(files=files)

    async def create(self, *, name: str, file_upload_dataset: Mapping[str, Any], dataset_type: Any = None) -> str:
        return await self._datasets.create(name=name, file_upload_dataset=file_upload_dataset)


class AsyncModelEvaluationDatasets(AsyncResource):
    """Datasets for model evaluations: ``create_upload_urls`` and ``upload`` (the whole exchange in one call)."""

    def __init__(self, transport: Transport, storage: StorageClient | None = None) -> None:
        super().__init__(transport, storage)
        self._upload_storage = storage

    async def create_upload_urls(
        self, *, files: Sequence[Mapping[str, Any]], timeout: Timeout = None
    ) -> FileUploadPresignedUrls:
        """Presigned URLs to PUT files to, one per ``{"file_name": ..., "file_size": <bytes>}`` of ``files``.

        The URLs are for object storage, not the API: send them no credentials (:meth:`upload` does it safely).
        """
        body = {"files": _check_files(files)}
        return await self._post(_PRESIGN, FileUploadPresignedUrls, body=body, timeout=timeout, idempotent=True)

    async def upload(self, source: DatasetSource, *, name: str, on_progress: OnProgress | None = None) -> str:
        """Upload a dataset for model evaluations in one call and return its UUID (what
        ``model_evaluation_runs.create(dataset_uuid=...)`` takes).

        ``source`` is a CSV path, a ``pandas.DataFrame`` or rows (``[{"query": ..., "expected_response": ...}]``),
        checked here before anything is sent (a ``ValueError`` names the row and column of a problem); the file
        goes to a presigned URL without the API token, then the dataset is created.
        """
        storage = self._upload_storage
        if storage is None:
            raise ArgumentTypeError("this resource was made without a storage client")
        steps = _UploadSteps(self, AsyncEvaluationDatasets(self._transport, storage))
        return await upload_dataset(
            steps,
            storage,
            source,
            name=check_name(name, "name"),
            dataset_type=None,
            retry=self._transport.retry,
            on_progress=on_progress,
        )


class ModelEvaluationDatasets(SyncResource[AsyncModelEvaluationDatasets]):
    """Datasets for model evaluations, blocking: the same methods as :class:`AsyncModelEvaluationDatasets`."""

    create_upload_urls = blocking(AsyncModelEvaluationDatasets.create_upload_urls)
    upload = blocking(AsyncModelEvaluationDatasets.upload)
