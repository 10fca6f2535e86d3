"""``evaluation_datasets.upload``: checks, presigned URL, a credential-free streamed PUT, retries, create."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import (
    AsyncGradientEvals,
    DatasetCreationError,
    GradientEvals,
    InternalServerError,
    ObjectStorageError,
)
from gradient_evals._storage import CHUNK_SIZE

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
PRESIGN = f"{BASE}/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls"
CREATE = f"{BASE}/v2/gen-ai/evaluation_datasets"
DATASET = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
STORAGE = "https://bucket.storage.example"


def _signed(key: str) -> str:
    return f"{STORAGE}/{key}?X-Amz-Signature=sig-{key}"


def _presign_answer(key: str = "k1", expires_at: str = "2099-01-01T00:00:00Z") -> dict[str, Any]:
    return {"uploads": [{"presigned_url": _signed(key), "object_key": key, "expires_at": expires_at}]}


class Storage:
    """Answers PUTs to the storage origin, keeping what each one carried (headers and body chunks)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.puts: list[tuple[httpx.Request, list[bytes]]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        chunks = [chunk async for chunk in request.stream]  # type: ignore[union-attr]
        self.puts.append((request, chunks))
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 0:
            raise httpx.ReadError("connection reset by peer", request=request)
        if status == 403:
            return httpx.Response(
                403,
                text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message>"
                "<SignatureProvided>sig-leak</SignatureProvided></Error>",
            )
        if status == 307:
            return httpx.Response(307, headers={"Location": "https://elsewhere.example/steal"})
        return httpx.Response(status)

    def body(self, index: int = -1) -> bytes:
        return b"".join(self.puts[index][1])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.fixture
def storage(httpx_mock: HTTPXMock) -> Storage:
    answer = Storage()
    httpx_mock.add_callback(answer, url=re.compile(re.escape(STORAGE) + r"/.*"), method="PUT", is_reusable=True)
    return answer


def _answer_api(httpx_mock: HTTPXMock, *presigned: dict[str, Any], create: bool = True) -> None:
    """The API's side of an upload: one presign answer per attempt that asks for a URL, then the create."""
    for answer in presigned:
        httpx_mock.add_response(url=PRESIGN, method="POST", json=answer)
    if create:
        httpx_mock.add_response(url=CREATE, method="POST", json={"evaluation_dataset_uuid": DATASET})


def _create_body(httpx_mock: HTTPXMock) -> dict[str, Any]:
    (create,) = [r for r in httpx_mock.get_requests() if r.url == CREATE and r.method == "POST"]
    body: dict[str, Any] = json.loads(create.content)
    return body


async def test_upload_of_a_csv_file_end_to_end(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    text = "query,expected_response\n" + "".join(f'"q{i}, with comma","a{i}"\n' for i in range(1000))
    csv_file = _write(tmp_path / "support.csv", text)
    httpx_mock.add_response(url=PRESIGN, method="POST", json=_presign_answer("uploads/support.csv"))
    httpx_mock.add_response(url=CREATE, method="POST", json={"evaluation_dataset_uuid": DATASET})
    progress: list[tuple[int, int | None]] = []

    uuid = await client.evaluation_datasets.upload(
        csv_file, name="support", on_progress=lambda done, total: progress.append((done, total))
    )

    assert uuid == DATASET
    size = len(text.encode())
    presign = json.loads(httpx_mock.get_requests()[0].content)
    assert presign == {"files": [{"file_name": "support.csv", "file_size": str(size)}]}
    ((put, _chunks),) = storage.puts
    assert put.method == "PUT"
    assert str(put.url) == _signed("uploads/support.csv")
    assert "authorization" not in put.headers
    assert "test-token" not in str(put.headers)
    assert put.headers["Content-Type"] == "text/csv"
    assert put.headers["Content-Length"] == str(size)
    assert "transfer-encoding" not in put.headers
    assert storage.body() == text.encode()
    assert _create_body(httpx_mock) == {
        "name": "support",
        "file_upload_dataset": {
            "original_file_name": "support.csv",
            "stored_object_key": "uploads/support.csv",
            "size_in_bytes": str(size),
        },
    }
    assert progress[0] == (0, size)
    assert progress[-1] == (size, size)


async def test_the_file_is_streamed_in_chunks_not_read_whole(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    cell = "x" * (CHUNK_SIZE // 2)
    text = "query\n" + "".join(f"{cell}{i}\n" for i in range(7))
    csv_file = _write(tmp_path / "big.csv", text)
    _answer_api(httpx_mock, _presign_answer())
    progress: list[int] = []
    await client.evaluation_datasets.upload(csv_file, name="big", on_progress=lambda done, _: progress.append(done))
    # Progress is reported as each piece is read from disk for sending: several pieces, none over CHUNK_SIZE.
    steps = [after - before for before, after in itertools.pairwise(progress)]
    assert len(steps) >= 4
    assert max(steps) <= CHUNK_SIZE
    assert progress[-1] == len(text.encode())
    assert storage.body() == text.encode()


async def test_a_byte_order_mark_is_not_sent(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    csv_file = tmp_path / "excel.csv"
    csv_file.write_bytes(b"\xef\xbb\xbfquery\nhello\n")
    _answer_api(httpx_mock, _presign_answer())
    await client.evaluation_datasets.upload(csv_file, name="excel")
    assert storage.body() == b"query\nhello\n"
    assert storage.puts[0][0].headers["Content-Length"] == "12"
    assert _create_body(httpx_mock)["file_upload_dataset"]["size_in_bytes"] == "12"


async def test_rows_are_uploaded_as_csv(client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage) -> None:
    _answer_api(httpx_mock, _presign_answer())
    rows = [
        {"query": {"messages": ["hi"]}, "expected_response": "hello"},
        {"query": '{"messages": ["bye"]}', "expected_response": None},
    ]
    await client.evaluation_datasets.upload(rows, name="My set/v2", dataset_type="adk")
    assert storage.body().decode() == (
        'query,expected_response\r\n"{""messages"": [""hi""]}",hello\r\n"{""messages"": [""bye""]}",\r\n'
    )
    body = _create_body(httpx_mock)
    assert body["dataset_type"] == "EVALUATION_DATASET_TYPE_ADK"
    assert body["file_upload_dataset"]["original_file_name"] == "My_set_v2.csv"


async def test_a_dataframe_is_uploaded_as_csv(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage
) -> None:
    pd = pytest.importorskip("pandas")
    _answer_api(httpx_mock, _presign_answer())
    frame = pd.DataFrame({"query": ["a", "b"], "expected_response": ["x", None], "n": [1, 2]})
    await client.evaluation_datasets.upload(frame, name="frame")
    assert storage.body().decode() == "query,expected_response,n\r\na,x,1\r\nb,,2\r\n"


# -- faults ---------------------------------------------------------------------------------------------------


async def test_a_failed_put_is_retried_with_the_same_url(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    storage.statuses = [503, 500]
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    _answer_api(httpx_mock, _presign_answer("k1"))
    await client.evaluation_datasets.upload(csv_file, name="q")
    assert [str(r.url) for r, _ in storage.puts] == [_signed("k1")] * 3
    assert all(storage.body(i) == b"query\nhello\n" for i in range(3))  # each retry sends the whole file again
    assert _create_body(httpx_mock)["file_upload_dataset"]["stored_object_key"] == "k1"


@pytest.mark.parametrize(
    ("status", "first_expires_at"),
    [
        (403, "2099-01-01T00:00:00Z"),  # the storage says the URL is no longer valid
        (503, "2001-01-01T00:00:00Z"),  # a retryable failure, but the URL has expired in the meantime
    ],
)
async def test_an_expired_url_is_replaced_by_a_fresh_one(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    storage: Storage,
    tmp_path: Path,
    status: int,
    first_expires_at: str,
) -> None:
    storage.statuses = [status]
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    _answer_api(httpx_mock, _presign_answer("k1", expires_at=first_expires_at), _presign_answer("k2"))
    await client.evaluation_datasets.upload(csv_file, name="q")
    assert [str(r.url) for r, _ in storage.puts] == [_signed("k1"), _signed("k2")]
    # The dataset is made from the object that was actually stored.
    assert _create_body(httpx_mock)["file_upload_dataset"]["stored_object_key"] == "k2"


async def test_a_put_failing_every_time_raises_and_creates_nothing(
    make_client: Callable[..., AsyncGradientEvals], httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    storage.statuses = [403, 403, 403]
    client = make_client()
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    for key in ("k1", "k2", "k3"):
        httpx_mock.add_response(url=PRESIGN, json=_presign_answer(key))
    with pytest.raises(ObjectStorageError) as caught:
        await client.evaluation_datasets.upload(csv_file, name="q")
    assert caught.value.status_code == 403
    assert "Request has expired" in str(caught.value)
    assert "sig-" not in str(caught.value)  # neither the URL's signature nor the body's echo of it
    assert len(storage.puts) == 3  # max_retries=2: three attempts
    assert not [r for r in httpx_mock.get_requests() if r.url == CREATE]


async def test_a_connection_reset_is_retried(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    storage.statuses = [0]
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    _answer_api(httpx_mock, _presign_answer())
    assert await client.evaluation_datasets.upload(csv_file, name="q") == DATASET
    assert len(storage.puts) == 2
    assert storage.body() == b"query\nhello\n"


async def test_a_client_error_from_storage_is_not_retried(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    storage.statuses = [413]
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    httpx_mock.add_response(url=PRESIGN, json=_presign_answer())
    with pytest.raises(ObjectStorageError) as caught:
        await client.evaluation_datasets.upload(csv_file, name="q")
    assert caught.value.status_code == 413
    assert len(storage.puts) == 1


async def test_a_redirect_from_storage_is_not_followed(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    storage.statuses = [307]
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    httpx_mock.add_response(url=PRESIGN, json=_presign_answer())
    with pytest.raises(ObjectStorageError, match="redirect"):
        await client.evaluation_datasets.upload(csv_file, name="q")
    assert all(r.url.host != "elsewhere.example" for r in httpx_mock.get_requests())


async def test_a_failed_create_carries_the_object_key(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path
) -> None:
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    httpx_mock.add_response(url=PRESIGN, json=_presign_answer("uploads/q.csv"))
    httpx_mock.add_response(url=CREATE, status_code=500, json={"id": "server_error", "message": "boom"})
    with pytest.raises(DatasetCreationError) as caught:
        await client.evaluation_datasets.upload(csv_file, name="q")
    error = caught.value
    assert error.object_key == "uploads/q.csv"
    assert error.original_file_name == "q.csv"
    assert error.size_in_bytes == len(b"query\nhello\n")
    assert isinstance(error.cause, InternalServerError)
    assert "uploads/q.csv" in str(error)
    assert len([r for r in httpx_mock.get_requests() if r.url == CREATE]) == 1


async def test_a_plain_http_upload_url_to_a_remote_host_is_refused(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    httpx_mock.add_response(
        url=PRESIGN, json={"uploads": [{"presigned_url": "http://bucket.example/k?sig=1", "object_key": "k"}]}
    )
    with pytest.raises(ObjectStorageError, match="plain-HTTP"):
        await client.evaluation_datasets.upload(csv_file, name="q")


async def test_bad_data_sends_no_request(client: AsyncGradientEvals, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    csv_file = _write(tmp_path / "q.csv", 'query\nhello\n""\n')
    with pytest.raises(ValueError, match=r"row 2 \(line 3\), column 'query': empty"):
        await client.evaluation_datasets.upload(csv_file, name="q")
    assert httpx_mock.get_requests() == []


def test_upload_from_the_blocking_client(httpx_mock: HTTPXMock, storage: Storage, tmp_path: Path) -> None:
    csv_file = _write(tmp_path / "q.csv", "query\nhello\n")
    _answer_api(httpx_mock, _presign_answer())
    with GradientEvals("test-token", base_url=BASE) as client:
        assert client.evaluation_datasets.upload(str(csv_file), name="q") == DATASET
    assert "authorization" not in storage.puts[0][0].headers
