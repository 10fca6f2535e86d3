"""``client.evaluation_datasets``: the request each operation sends and the model it returns."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import APIResponseValidationError, AsyncGradientEvals, GradientEvals, NotFoundError
from gradient_evals.types import (
    EvaluationDataset,
    EvaluationDatasetDownloadUrl,
    EvaluationDatasetType,
    FileUploadPresignedUrls,
)

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
DATASETS = f"{BASE}/v2/gen-ai/evaluation_datasets"
DATASET = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
SIGNED = "https://bucket.storage.example/datasets/abc.csv?X-Amz-Signature=s3cr3t-signature"


def _only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    requests = httpx_mock.get_requests()
    assert len(requests) == 1
    return requests[0]


# -- list ---------------------------------------------------------------------------------------------------


async def test_list_returns_datasets_with_counts_as_ints(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=DATASETS,
        method="GET",
        json={
            "evaluation_datasets": [
                {
                    "created_at": "2023-01-01T00:00:00Z",
                    "dataset_name": "support",
                    "dataset_type": "EVALUATION_DATASET_TYPE_ADK",
                    "dataset_uuid": DATASET,
                    "file_size": "12345",
                    "has_ground_truth": True,
                    "row_count": 123,
                },
                {"dataset_uuid": "7d6c5b4a-3928-4170-9f8e-7d6c5b4a3928", "dataset_type": "EVALUATION_DATASET_TYPE_NEW"},
            ]
        },
    )
    datasets = await client.evaluation_datasets.list()
    assert isinstance(datasets, tuple)
    first, second = datasets
    assert first == EvaluationDataset(
        created_at=datetime(2023, 1, 1, tzinfo=UTC),
        dataset_name="support",
        dataset_type=EvaluationDatasetType.ADK,
        dataset_uuid=DATASET,
        file_size=12345,
        has_ground_truth=True,
        row_count=123,
    )
    # An unknown type is kept as the server's string, not refused.
    assert second.dataset_type == "EVALUATION_DATASET_TYPE_NEW"
    request = _only_request(httpx_mock)
    assert request.headers["Authorization"] == "Bearer test-token"
    assert not request.url.params


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("adk", "EVALUATION_DATASET_TYPE_ADK"),
        ("NON-ADK", "EVALUATION_DATASET_TYPE_NON_ADK"),
        (EvaluationDatasetType.MODEL, "EVALUATION_DATASET_TYPE_MODEL"),
        ("EVALUATION_DATASET_TYPE_ADK", "EVALUATION_DATASET_TYPE_ADK"),
    ],
)
async def test_list_filters_by_type(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, given: object, sent: str
) -> None:
    httpx_mock.add_response(json={"evaluation_datasets": []})
    assert await client.evaluation_datasets.list(dataset_type=given) == ()  # type: ignore[arg-type]
    assert _only_request(httpx_mock).url.params["dataset_type"] == sent


async def test_list_refuses_an_unknown_short_type_before_sending(client: AsyncGradientEvals) -> None:
    with pytest.raises(ValueError, match="dataset_type must be one of"):
        await client.evaluation_datasets.list(dataset_type="adk-ish")


async def test_list_of_wrong_shape_is_a_validation_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={"evaluation_datasets": [{"row_count": "many"}]})
    with pytest.raises(APIResponseValidationError, match="row_count"):
        await client.evaluation_datasets.list()


# -- create ---------------------------------------------------------------------------------------------------


async def test_create_sends_the_file_reference_and_returns_the_uuid(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=DATASETS, method="POST", json={"evaluation_dataset_uuid": DATASET})
    uuid = await client.evaluation_datasets.create(
        name="support",
        file_upload_dataset={"original_file_name": "q.csv", "stored_object_key": "uploads/q.csv", "size_in_bytes": 42},
        dataset_type="adk",
    )
    assert uuid == DATASET
    request = _only_request(httpx_mock)
    assert json.loads(request.content) == {
        "name": "support",
        "file_upload_dataset": {
            "original_file_name": "q.csv",
            "stored_object_key": "uploads/q.csv",
            "size_in_bytes": "42",
        },
        "dataset_type": "EVALUATION_DATASET_TYPE_ADK",
    }
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("file_upload_dataset", "error", "message"),
    [
        ({"original_file_name": "q.csv", "stored_object_key": "k"}, ValueError, "missing: size_in_bytes"),
        (
            {"original_file_name": "q.csv", "stored_object_key": "k", "size_in_bytes": 1, "size": 1},
            ValueError,
            "unknown: size",
        ),
        ({"original_file_name": "q.csv", "stored_object_key": "k", "size_in_bytes": -1}, ValueError, ">= 0"),
        ({"original_file_name": "q.csv", "stored_object_key": "k", "size_in_bytes": 1.5}, TypeError, "must be an int"),
        ({"original_file_name": "", "stored_object_key": "k", "size_in_bytes": 1}, ValueError, "original_file_name"),
        ("q.csv", TypeError, "must be a mapping"),
    ],
)
async def test_create_checks_the_file_reference_before_sending(
    client: AsyncGradientEvals, file_upload_dataset: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await client.evaluation_datasets.create(name="n", file_upload_dataset=file_upload_dataset)  # type: ignore[arg-type]


async def test_create_answer_without_uuid_is_a_validation_error(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={})
    with pytest.raises(APIResponseValidationError, match="evaluation_dataset_uuid"):
        await client.evaluation_datasets.create(
            name="n", file_upload_dataset={"original_file_name": "a", "stored_object_key": "k", "size_in_bytes": 1}
        )


async def test_create_is_not_retried_after_a_server_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=500, json={"id": "server_error", "message": "boom"})
    with pytest.raises(Exception, match="boom"):
        await client.evaluation_datasets.create(
            name="n", file_upload_dataset={"original_file_name": "a", "stored_object_key": "k", "size_in_bytes": 1}
        )
    assert len(httpx_mock.get_requests()) == 1  # a second POST could create a second dataset


# -- presigned upload URLs ------------------------------------------------------------------------------------


async def test_presigned_urls_send_sizes_as_strings(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{DATASETS}/file_upload_presigned_urls",
        method="POST",
        json={
            "request_id": "r-1",
            "uploads": [
                {
                    "presigned_url": SIGNED,
                    "object_key": "datasets/abc.csv",
                    "original_file_name": "q.csv",
                    "expires_at": "2030-01-01T00:00:00Z",
                }
            ],
        },
    )
    answer = await client.evaluation_datasets.create_file_upload_presigned_urls(
        files=[{"file_name": "q.csv", "file_size": 2048}]
    )
    assert isinstance(answer, FileUploadPresignedUrls)
    (upload,) = answer.uploads
    assert (upload.presigned_url, upload.object_key, upload.original_file_name) == (SIGNED, "datasets/abc.csv", "q.csv")
    assert upload.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert "s3cr3t" not in repr(upload)  # the signature stays out of logs and tracebacks
    assert json.loads(_only_request(httpx_mock).content) == {"files": [{"file_name": "q.csv", "file_size": "2048"}]}


async def test_presigned_urls_are_retried_on_a_server_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(json={"uploads": [{"presigned_url": SIGNED, "object_key": "k"}]})
    answer = await client.evaluation_datasets.create_file_upload_presigned_urls(
        files=[{"file_name": "q.csv", "file_size": 1}]
    )
    assert answer.uploads[0].object_key == "k"
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ([], ValueError),
        ({"file_name": "q.csv", "file_size": 1}, TypeError),
        ([{"file_name": "q.csv"}], TypeError),
        ([{"file_name": "q.csv", "file_size": 1, "extra": 2}], ValueError),
        ([{"file_name": " ", "file_size": 1}], ValueError),
    ],
)
async def test_presigned_urls_check_files_before_sending(
    client: AsyncGradientEvals, files: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await client.evaluation_datasets.create_file_upload_presigned_urls(files=files)  # type: ignore[arg-type]


# -- download URL and delete ----------------------------------------------------------------------------------


async def test_get_download_url(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{DATASETS}/{DATASET}/download_url",
        method="GET",
        json={"download_url": SIGNED, "expires_at": "2030-01-01T00:00:00Z"},
    )
    answer = await client.evaluation_datasets.get_download_url(DATASET)
    assert answer == EvaluationDatasetDownloadUrl(download_url=SIGNED, expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    assert "s3cr3t" not in repr(answer)


async def test_delete(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{DATASETS}/{DATASET}", method="DELETE", json={})
    assert await client.evaluation_datasets.delete(DATASET) is None
    assert _only_request(httpx_mock).method == "DELETE"


async def test_delete_of_a_missing_dataset_raises_not_found(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=404, json={"id": "not_found", "message": "dataset not found"})
    with pytest.raises(NotFoundError):
        await client.evaluation_datasets.delete(DATASET)


@pytest.mark.parametrize("method", ["delete", "get_download_url", "download", "read"])
async def test_dataset_uuid_is_checked_before_sending(client: AsyncGradientEvals, method: str) -> None:
    call = getattr(client.evaluation_datasets, method)
    args = ('"' + DATASET + '"', "out.csv") if method == "download" else ('"' + DATASET + '"',)
    with pytest.raises(ValueError, match="literal quotes"):
        await call(*args)


def test_blocking_client_has_the_same_operations(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=DATASETS, method="GET", json={"evaluation_datasets": [{"dataset_uuid": DATASET}]})
    httpx_mock.add_response(url=f"{DATASETS}/{DATASET}", method="DELETE", json={})
    with GradientEvals("test-token", base_url=BASE) as client:
        (dataset,) = client.evaluation_datasets.list()
        assert dataset.dataset_uuid == DATASET
        client.evaluation_datasets.delete(DATASET)
    assert [r.method for r in httpx_mock.get_requests()] == ["GET", "DELETE"]
