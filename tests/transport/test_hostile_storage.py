"""A hostile object store: huge answers, dripping answers, bombs and endless downloads, lying encodings.

Each store runs on loopback behind an API that hands out presigned URLs to it. Memory is measured as the growth
of peak RSS in a fresh interpreter; deadlines as "returns within the timeout plus a generous margin".
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from transport.hostile_servers import Connection, HostileServer, client_of, endless, head, whole
from transport.storage_servers import DATASET, api_and_store, gzip_bomb, peak_rss_growth, sized

from gradient_evals import DownloadTooLargeError, ObjectStorageError
from gradient_evals._storage import MAX_ERROR_BODY_BYTES

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
HUGE = 256 * MiB  # today's code holds such a body in memory, once or twice over
MEMORY_BOUND = 96 * MiB  # generous: the SDK itself needs a few MiB for one of these calls
GUARD = 120.0

_TRANSFER = """
from gradient_evals import AsyncGradientEvals, GradientEvalsError, RetryPolicy

async def main(url, what, path):
    async with AsyncGradientEvals("tok_x", base_url=url, retry=RetryPolicy(max_retries=0)) as client:
        try:
            if what == "upload":
                await client.evaluation_datasets.upload(path, name="q")
            elif what == "download":
                await client.evaluation_datasets.download(DATASET, path)
            else:
                await client.evaluation_datasets.read(DATASET)
        except GradientEvalsError as exc:
            return type(exc).__name__ + ": " + str(exc)[:300]
    return "no error"
""".replace("DATASET", repr(DATASET))


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "q.csv"
    path.write_text("query\nhello\n", encoding="utf-8")
    return path


# -- 1. what a store's answer may cost ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "status"),
    [("upload", "200 OK"), ("upload", "403 Forbidden"), ("download", "404 Not Found")],
    ids=["put-200", "put-403", "get-404"],
)
def test_a_huge_answer_the_sdk_does_not_save_costs_a_few_kib(
    what: str, status: str, hostile: Callable[..., HostileServer], tmp_path: Path
) -> None:
    server = api_and_store(hostile, sized(HUGE, status))
    path = _csv(tmp_path) if what == "upload" else tmp_path / "out.csv"
    growth, result = peak_rss_growth(_TRANSFER, server.url, what, str(path))
    assert growth < MEMORY_BOUND, f"peak RSS grew by {growth / MiB:.0f} MiB ({result})"
    if status.startswith("200"):
        assert result == "no error"
    else:
        assert result.startswith("ObjectStorageError"), result
        assert status.split()[0] in result, result
    # Reading stopped early: the store got nowhere near sending it all.
    store = next(c for c in server.connections if b" /bucket/" in c.request.split(b"\r\n", 1)[0])
    assert store.sent < HUGE // 2


async def test_an_error_body_is_read_to_a_few_kib_and_still_explains_itself(
    hostile: Callable[..., HostileServer], tmp_path: Path
) -> None:
    explanation = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    body = explanation + b" " * (MAX_ERROR_BODY_BYTES * 4)
    server = api_and_store(hostile, whole(body, status="400 Bad Request"))
    async with client_of(server.url) as client:
        with anyio.fail_after(GUARD), pytest.raises(ObjectStorageError) as caught:
            await client.evaluation_datasets.upload(_csv(tmp_path), name="q")
    assert caught.value.status_code == 400
    assert "AccessDenied: Request has expired" in str(caught.value)


# -- 2. the timeout bounds each storage attempt as a whole ----------------------------------------------------

DRIP_TIMEOUT = 1.0
DRIP = DRIP_TIMEOUT / 4
"""A byte or a header every quarter of the timeout: every single read is quick, only the attempt is slow."""


def drip_headers(conn: Connection) -> None:
    if conn.send(b"HTTP/1.1 200 OK\r\n"):
        n = 0
        while not conn.stop.wait(DRIP) and conn.send(f"x-drip-{n}: 1\r\n".encode()):
            n += 1


def drip_body(status: str) -> Callable[[Connection], None]:
    def respond(conn: Connection) -> None:
        if conn.send(head(status, "Content-Length: 1000000")):
            while not conn.stop.wait(DRIP) and conn.send(b"x"):
                pass

    return respond


@pytest.mark.parametrize(
    ("what", "responder"),
    [
        ("upload", drip_headers),
        ("upload", drip_body("403 Forbidden")),
        ("download", drip_headers),
        ("download", drip_body("200 OK")),
        ("download", drip_body("500 Internal Server Error")),
    ],
    ids=["put-headers", "put-error-body", "get-headers", "get-body", "get-error-body"],
)
async def test_a_dripping_store_is_bounded_by_the_timeout(
    what: str, responder: Callable[[Connection], None], hostile: Callable[..., HostileServer], tmp_path: Path
) -> None:
    server = api_and_store(hostile, responder)
    timeout = DRIP_TIMEOUT
    async with client_of(server.url, timeout=timeout) as client:
        started = time.monotonic()
        call = (
            client.evaluation_datasets.upload(_csv(tmp_path), name="q")
            if what == "upload"
            else client.evaluation_datasets.download(DATASET, tmp_path / "out.csv")
        )
        with anyio.fail_after(GUARD), pytest.raises(ObjectStorageError) as caught:
            await call
        elapsed = time.monotonic() - started
    # The store drips within every per-read timeout until the guard: only the whole attempt's bound ends it.
    assert "timed out" in str(caught.value)
    assert elapsed >= timeout * 0.9, "not before the timeout"


# -- 3. downloads are bounded after inflation -----------------------------------------------------------------


def _gzip_body(data: bytes) -> Callable[[Connection], None]:
    return whole(data, "Content-Encoding: gzip")


@pytest.mark.parametrize(
    "responder",
    [pytest.param(_gzip_body(gzip_bomb(64 * MiB)), id="gzip-bomb"), pytest.param(endless(b"x" * 65536), id="endless")],
)
async def test_a_download_stops_at_its_limit_and_keeps_the_old_file(
    responder: Callable[[Connection], None], hostile: Callable[..., HostileServer], tmp_path: Path
) -> None:
    server = api_and_store(hostile, responder)
    target = tmp_path / "out.csv"
    target.write_bytes(b"previous")
    limit = 8 * MiB
    async with client_of(server.url) as client:
        with anyio.fail_after(GUARD), pytest.raises(DownloadTooLargeError) as caught:
            await client.evaluation_datasets.download(DATASET, target, max_bytes=limit)
    assert caught.value.limit == limit
    assert f"dataset {DATASET}" in str(caught.value)
    assert target.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


async def test_the_default_limit_is_the_apis_1_gb(hostile: Callable[..., HostileServer], tmp_path: Path) -> None:
    def declares_two_gb(conn: Connection) -> None:
        if conn.send(head("200 OK", f"Content-Length: {2 * 10**9}")):
            while not conn.stop.is_set() and conn.send(b"x" * 65536):
                pass

    server = api_and_store(hostile, declares_two_gb)
    async with client_of(server.url) as client:
        with anyio.fail_after(GUARD), pytest.raises(DownloadTooLargeError) as caught:
            await client.evaluation_datasets.download(DATASET, tmp_path / "out.csv")
    assert caught.value.limit == 10**9
    assert list(tmp_path.iterdir()) == []


async def test_a_download_within_the_limit_is_written_decompressed(
    hostile: Callable[..., HostileServer], tmp_path: Path
) -> None:
    content = b"query\n" + b"hello\n" * 1000
    server = api_and_store(hostile, _gzip_body(gzip.compress(content)))
    target = tmp_path / "out.csv"
    async with client_of(server.url) as client:
        assert await client.evaluation_datasets.download(DATASET, target, max_bytes=len(content)) == len(content)
    assert target.read_bytes() == content


# -- 4. a lying Content-Encoding is a typed error -------------------------------------------------------------


@pytest.mark.parametrize("what", ["download", "read"])
async def test_a_plain_body_labelled_gzip_is_a_typed_error(
    what: str, hostile: Callable[..., HostileServer], tmp_path: Path
) -> None:
    server = api_and_store(hostile, whole(b"query\nhello\n", "Content-Encoding: gzip"))
    target = tmp_path / "out.csv"
    async with client_of(server.url) as client:
        call = (
            client.evaluation_datasets.download(DATASET, target)
            if what == "download"
            else client.evaluation_datasets.read(DATASET)
        )
        with anyio.fail_after(GUARD), pytest.raises(ObjectStorageError) as caught:
            await call
    assert f"dataset {DATASET}" in str(caught.value)
    assert "Content-Encoding" in str(caught.value)
    assert list(tmp_path.iterdir()) == []
