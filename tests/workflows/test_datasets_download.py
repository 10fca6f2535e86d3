"""``evaluation_datasets.download`` and ``read``: a fresh URL, no token to storage, an atomic file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, ObjectStorageError

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
DATASET = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
DOWNLOAD_URL = f"{BASE}/v2/gen-ai/evaluation_datasets/{DATASET}/download_url"
SIGNED = "https://bucket.storage.example/datasets/abc.csv?X-Amz-Signature=sig"
CONTENT = b'query,expected_response\n"a, b",x\nc,\n'


def _answer_download_url(httpx_mock: HTTPXMock, times: int = 1) -> None:
    for _ in range(times):
        httpx_mock.add_response(url=DOWNLOAD_URL, json={"download_url": SIGNED, "expires_at": "2099-01-01T00:00:00Z"})


async def test_download_writes_the_file_without_sending_the_token(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    _answer_download_url(httpx_mock)
    httpx_mock.add_response(url=SIGNED, method="GET", content=CONTENT)
    target = tmp_path / "out.csv"
    assert await client.evaluation_datasets.download(DATASET, target) == len(CONTENT)
    assert target.read_bytes() == CONTENT
    api, storage = httpx_mock.get_requests()
    assert api.headers["Authorization"] == "Bearer test-token"
    assert "authorization" not in storage.headers
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


async def test_a_failed_download_leaves_the_old_file_untouched(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"previous")
    _answer_download_url(httpx_mock, times=3)
    for _ in range(3):
        httpx_mock.add_response(url=SIGNED, method="GET", status_code=500)
    with pytest.raises(ObjectStorageError) as caught:
        await client.evaluation_datasets.download(DATASET, target)
    assert caught.value.status_code == 500
    assert "sig" not in str(caught.value)
    assert target.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [target]


async def test_a_download_is_retried_with_a_fresh_url(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    _answer_download_url(httpx_mock, times=2)
    httpx_mock.add_exception(httpx.ReadError("reset"), url=SIGNED, method="GET")
    httpx_mock.add_response(url=SIGNED, method="GET", content=CONTENT)
    target = tmp_path / "out.csv"
    await client.evaluation_datasets.download(DATASET, target)
    assert target.read_bytes() == CONTENT
    assert [r.url for r in httpx_mock.get_requests()].count(httpx.URL(DOWNLOAD_URL)) == 2


async def test_a_redirect_is_not_followed(client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    _answer_download_url(httpx_mock)
    httpx_mock.add_response(url=SIGNED, method="GET", status_code=302, headers={"Location": "https://evil.example/"})
    with pytest.raises(ObjectStorageError, match="redirect"):
        await client.evaluation_datasets.download(DATASET, tmp_path / "out.csv")
    assert all(r.url.host != "evil.example" for r in httpx_mock.get_requests())


async def test_download_into_a_missing_directory_sends_nothing(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="not an existing directory"):
        await client.evaluation_datasets.download(DATASET, tmp_path / "absent" / "out.csv")
    assert httpx_mock.get_requests() == []


async def test_read_returns_the_rows(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    _answer_download_url(httpx_mock)
    httpx_mock.add_response(url=SIGNED, method="GET", content=CONTENT)
    assert await client.evaluation_datasets.read(DATASET) == [
        {"query": "a, b", "expected_response": "x"},
        {"query": "c", "expected_response": ""},
    ]
