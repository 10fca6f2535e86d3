"""Datasets against the emulator: the SDK's upload over real sockets to a second origin, and the store's checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals, ObjectStorageError, RetryPolicy
from gradient_evals.testing import FakeGradientServer

NO_PAUSE = RetryPolicy(initial_backoff=0, max_backoff=0, jitter=False)


def _csv(tmp_path: Path, rows: int, *, ground_truth: bool = True) -> Path:
    path = tmp_path / "questions.csv"
    header = "query,expected_response\n" if ground_truth else "query\n"
    body = "".join(f'"question {i}, in full",answer {i}\n' if ground_truth else f"question {i}\n" for i in range(rows))
    path.write_text(header + body, encoding="utf-8", newline="")
    return path


@pytest.fixture
def client(server: FakeGradientServer) -> Iterator[GradientEvals]:
    with GradientEvals(server.token, base_url=server.base_url, retry=NO_PAUSE) as sdk:
        yield sdk


def test_a_1000_row_upload_becomes_a_dataset(server: FakeGradientServer, client: GradientEvals, tmp_path: Path) -> None:
    path = _csv(tmp_path, 1000)
    uuid = client.evaluation_datasets.upload(path, name="support")
    (dataset,) = client.evaluation_datasets.list()
    assert dataset.dataset_uuid == uuid
    assert (dataset.dataset_name, dataset.row_count, dataset.has_ground_truth) == ("support", 1000, True)
    assert dataset.file_size == path.stat().st_size
    # The file went to the store's origin, not the API's, and never with the token.
    store = server.object_store
    assert store.base_url != server.base_url
    (put,) = store.requests
    assert (put.method, put.status, put.content_type, put.content_length) == (
        "PUT",
        200,
        "text/csv",
        path.stat().st_size,
    )
    assert not store.authorization_seen
    assert not any(r.path.startswith("/gradient-datasets") for r in server.requests)
    # The rows are kept in file order, for test cases made on the dataset.
    rows = server.dataset_rows(uuid)
    assert rows[0] == {"query": "question 0, in full", "expected_response": "answer 0"}
    assert [r["expected_response"] for r in rows] == [f"answer {i}" for i in range(1000)]


def test_download_and_read_round_trip(server: FakeGradientServer, client: GradientEvals, tmp_path: Path) -> None:
    path = _csv(tmp_path, 3, ground_truth=False)
    uuid = client.evaluation_datasets.upload(path, name="plain")
    assert client.evaluation_datasets.list()[0].has_ground_truth is False
    target = tmp_path / "copy.csv"
    assert client.evaluation_datasets.download(uuid, target) == path.stat().st_size
    assert target.read_bytes() == path.read_bytes()
    assert client.evaluation_datasets.read(uuid) == [{"query": f"question {i}"} for i in range(3)]
    assert not server.object_store.authorization_seen


def test_rows_and_dataset_types(server: FakeGradientServer, client: GradientEvals) -> None:
    adk = client.evaluation_datasets.upload(
        [{"query": {"messages": [{"role": "user", "content": "hi"}]}, "expected_response": "hello"}],
        name="adk set",
        dataset_type="adk",
    )
    plain = client.evaluation_datasets.upload([{"query": "hi"}], name="plain")
    assert [d.dataset_uuid for d in client.evaluation_datasets.list(dataset_type="adk")] == [adk]
    assert {d.dataset_uuid for d in client.evaluation_datasets.list()} == {adk, plain}
    assert json.loads(server.dataset_rows(adk)[0]["query"]) == {"messages": [{"role": "user", "content": "hi"}]}
    client.evaluation_datasets.delete(plain)
    assert [d.dataset_uuid for d in client.evaluation_datasets.list()] == [adk]


@pytest.mark.anyio
async def test_the_async_client_uploads_through_faults(server: FakeGradientServer, tmp_path: Path) -> None:
    path = _csv(tmp_path, 5)
    server.object_store.fail_next(503)
    server.object_store.fail_next(None)  # then a reset connection
    retry = RetryPolicy(max_retries=3, initial_backoff=0, max_backoff=0, jitter=False)
    async with AsyncGradientEvals(server.token, base_url=server.base_url, retry=retry) as client:
        uuid = await client.evaluation_datasets.upload(path, name="flaky")
    assert len(server.dataset_rows(uuid)) == 5
    assert [r.status for r in server.object_store.requests] == [503, None, 200]


def test_an_expired_url_gets_a_fresh_one(server: FakeGradientServer, client: GradientEvals, tmp_path: Path) -> None:
    server.object_store.url_ttl = 0  # every URL is expired when used
    with pytest.raises(ObjectStorageError, match="Request has expired") as caught:
        client.evaluation_datasets.upload(_csv(tmp_path, 2), name="late")
    assert caught.value.status_code == 403
    # Each retry asked for a fresh URL (three attempts: max_retries=2), and no dataset was created.
    presigned = [r for r in server.requests if r.path.endswith("/file_upload_presigned_urls")]
    assert len(presigned) == len(server.object_store.requests) == 3
    assert client.evaluation_datasets.list() == ()
    server.object_store.url_ttl = 900
    server.object_store.expire_all()
    # URLs signed before expire_all() are refused; the upload's own URL is signed after it, and works.
    assert client.evaluation_datasets.upload(_csv(tmp_path, 2), name="in time")


def test_the_store_checks_what_a_client_must_get_right(server: FakeGradientServer, api: httpx.Client) -> None:
    answer = api.post(
        "/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls",
        json={"files": [{"file_name": "q.csv", "file_size": "8"}]},
    )
    assert answer.status_code == 200
    (upload,) = answer.json()["uploads"]
    url, key = upload["presigned_url"], upload["object_key"]
    body = b"query\nq\n"
    with httpx.Client() as storage:
        assert storage.put(url, content=body, headers={"Content-Type": "text/plain"}).status_code == 400
        assert storage.put(url, content=body + b"x", headers={"Content-Type": "text/csv"}).status_code == 400
        chunked = storage.put(url, content=iter([body]), headers={"Content-Type": "text/csv"})
        assert chunked.status_code == 411
        assert storage.post(url, content=body).status_code == 405
        tampered = storage.put(
            url.replace("X-Signature=", "X-Signature=0"), content=body, headers={"Content-Type": "text/csv"}
        )
        assert tampered.status_code == 403
        assert storage.get(url).status_code == 403  # signed for PUT only
        ok = storage.put(url, content=body, headers={"Content-Type": "text/csv", "Authorization": "Bearer leak"})
        assert ok.status_code == 200
    assert server.object_store.read(key) == body
    assert server.object_store.authorization_seen  # the store notices a careless client
    created = api.post(
        "/v2/gen-ai/evaluation_datasets",
        json={
            "name": "n",
            "file_upload_dataset": {"original_file_name": "q.csv", "stored_object_key": key, "size_in_bytes": "8"},
        },
    )
    assert created.status_code == 200
    assert (
        api.get(f"/v2/gen-ai/evaluation_datasets/{created.json()['evaluation_dataset_uuid']}/download_url")
        .json()["download_url"]
        .startswith(server.object_store.base_url)
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"prompt\nq\n", "no 'query' column"),
        (b"query\n \n", "empty query"),
        (b"query\n", "no rows"),
        (b"query\n" + b"q\n" * 1001, "more than 1000 rows"),
    ],
)
def test_create_refuses_a_file_the_api_would_refuse(
    server: FakeGradientServer, api: httpx.Client, content: bytes, message: str
) -> None:
    (upload,) = api.post(
        "/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls",
        json={"files": [{"file_name": "q.csv", "file_size": str(len(content))}]},
    ).json()["uploads"]
    httpx.put(upload["presigned_url"], content=content, headers={"Content-Type": "text/csv"}).raise_for_status()
    created = api.post(
        "/v2/gen-ai/evaluation_datasets",
        json={
            "name": "n",
            "file_upload_dataset": {
                "original_file_name": "q.csv",
                "stored_object_key": upload["object_key"],
                "size_in_bytes": str(len(content)),
            },
        },
    )
    assert created.status_code == 400
    assert message in created.json()["message"]


def test_create_without_an_upload_and_unknown_datasets(api: httpx.Client) -> None:
    created = api.post(
        "/v2/gen-ai/evaluation_datasets",
        json={
            "name": "n",
            "file_upload_dataset": {"original_file_name": "q.csv", "stored_object_key": "nope", "size_in_bytes": "1"},
        },
    )
    assert created.status_code == 400
    missing = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
    assert api.get(f"/v2/gen-ai/evaluation_datasets/{missing}/download_url").status_code == 404
    assert api.delete(f"/v2/gen-ai/evaluation_datasets/{missing}").status_code == 404


def test_dataset_rows_is_the_hook_for_test_cases(server: FakeGradientServer, client: GradientEvals) -> None:
    rows = [{"query": f"q{i}", "expected_response": f"a{i}"} for i in range(4)]
    uuid = client.evaluation_datasets.upload(rows, name="hook")
    # What a test case made on this dataset reads: the rows, in upload order, as the emulator's state gives them.
    assert server.dataset_rows(uuid) == rows
    server.dataset_rows(uuid)[0]["query"] = "changed"  # a copy: callers cannot alter the stored rows
    assert server.dataset_rows(uuid) == rows
    with pytest.raises(KeyError):
        server.dataset_rows("3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b")
