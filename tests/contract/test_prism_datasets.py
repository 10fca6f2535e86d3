"""``evaluation_datasets``' API operations against Prism serving the official specification.

Prism answers 422 to a request that breaks the specification (a size that is not an int64 string, a wrong
enum), so a 200 here means the SDK sends what the API documents; the specification's examples must parse.
The upload itself goes to object storage, which Prism does not serve: it is covered against the emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gradient_evals import AsyncGradientEvals
from gradient_evals.types import EvaluationDataset, EvaluationDatasetDownloadUrl, FileUploadPresignedUrls

pytestmark = [pytest.mark.anyio, pytest.mark.contract]

DATASET = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
TOKEN = "contract-test-token"


@pytest.fixture
async def client(prism_url: str) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(access_token=TOKEN, base_url=prism_url, max_retries=0, timeout=20) as sdk:
        yield sdk


@pytest.mark.parametrize("dataset_type", [None, "adk"])
async def test_list(client: AsyncGradientEvals, dataset_type: str | None) -> None:
    datasets = await client.evaluation_datasets.list(dataset_type=dataset_type)
    assert all(isinstance(d, EvaluationDataset) for d in datasets)
    assert datasets
    assert isinstance(datasets[0].file_size, int)


async def test_create_file_upload_presigned_urls(client: AsyncGradientEvals) -> None:
    answer = await client.evaluation_datasets.create_file_upload_presigned_urls(
        files=[{"file_name": "questions.csv", "file_size": 12345}]
    )
    assert isinstance(answer, FileUploadPresignedUrls)
    assert answer.uploads
    assert answer.uploads[0].object_key


@pytest.mark.parametrize("dataset_type", [None, "non_adk"])
async def test_create(client: AsyncGradientEvals, dataset_type: str | None) -> None:
    uuid = await client.evaluation_datasets.create(
        name="contract",
        file_upload_dataset={
            "original_file_name": "questions.csv",
            "stored_object_key": "uploads/questions.csv",
            "size_in_bytes": 12345,
        },
        dataset_type=dataset_type,
    )
    assert uuid


async def test_get_download_url(client: AsyncGradientEvals) -> None:
    answer = await client.evaluation_datasets.get_download_url(DATASET)
    assert isinstance(answer, EvaluationDatasetDownloadUrl)
    assert answer.download_url


async def test_delete(client: AsyncGradientEvals) -> None:
    assert await client.evaluation_datasets.delete(DATASET) is None
