"""One response costs at most ``max_response_bytes`` (after decompression), however the server sends it."""

from __future__ import annotations

import functools
import inspect
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from transport.hostile_servers import (
    AGENT,
    RUN,
    RUN_JSON,
    TEST_CASE,
    Connection,
    CountingTransport,
    HostileServer,
    Responder,
    client_of,
    endless,
    head,
    whole,
)

from gradient_evals import (
    AsyncGradientEvals,
    GradientEvals,
    InternalServerError,
    ResponseTooLargeError,
    RetryPolicy,
    RunCreationUnknownError,
)
from gradient_evals._body import DEFAULT_MAX_RESPONSE_BYTES, PIECE, _Inflater

pytestmark = pytest.mark.anyio

LIMIT = 256 * 1024
NETWORK_READ = 64 * 1024  # the most one read from the socket returns


def _counted(url: str, limit: int = LIMIT, **options: Any) -> tuple[AsyncGradientEvals, CountingTransport]:
    transport = CountingTransport()
    client = client_of(url, max_response_bytes=limit, http_client=httpx.AsyncClient(transport=transport), **options)
    return client, transport


def declared_but_endless(conn: Connection) -> None:
    """Declares 1 GiB, then sends zeros until the client hangs up."""
    if conn.send(head("200 OK", f"Content-Length: {1 << 30}", "x-request-id: req-big")):
        while not conn.stop.is_set() and conn.send(b"0" * 65536):
            pass


def close_delimited(conn: Connection) -> None:
    """No length and no chunks: the body runs until the connection closes, which it never does."""
    if conn.send(head("200 OK", "Connection: close", "x-request-id: req-close")):
        while not conn.stop.is_set() and conn.send(b" " * 65536):
            pass


@pytest.mark.parametrize(
    "responder",
    [
        pytest.param(endless(), id="endless-chunked"),
        pytest.param(declared_but_endless, id="content-length-1GiB"),
        pytest.param(close_delimited, id="close-delimited"),
    ],
)
async def test_reading_stops_at_the_limit(responder: Responder, hostile: Callable[..., HostileServer]) -> None:
    server = hostile(responder)
    client, transport = _counted(server.url)
    async with client:
        with pytest.raises(ResponseTooLargeError) as caught:
            await client.evaluation_runs.retrieve(RUN)
    assert caught.value.limit == LIMIT
    assert caught.value.status_code == 200
    assert f"max_response_bytes={LIMIT}" in str(caught.value)
    # Read no further than the limit plus the one network read that crossed it.
    assert transport.read[0] <= LIMIT + NETWORK_READ
    # And the connection was dropped: the server's writes fail and it gives up.
    assert server.done.wait(timeout=30)


async def test_the_error_carries_the_request_id(hostile: Callable[..., HostileServer]) -> None:
    server = hostile(close_delimited)
    async with client_of(server.url, max_response_bytes=LIMIT) as client:
        with pytest.raises(ResponseTooLargeError) as caught:
            await client.evaluation_runs.retrieve(RUN)
    assert caught.value.request_id == "req-close"
    assert "request_id=req-close" in str(caught.value)


@functools.cache
def _bomb(inflated: int, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(1 << 20)
    return b"".join([*(packer.compress(zeros) for _ in range(inflated >> 20)), packer.flush()])


@pytest.mark.parametrize(
    ("coding", "wbits"),
    [("gzip", 31), ("x-gzip", 31), ("deflate", 15), ("deflate", -15)],
    ids=["gzip", "x-gzip", "deflate", "raw-deflate"],
)
async def test_a_compression_bomb_never_inflates_past_the_limit(
    coding: str, wbits: int, hostile: Callable[..., HostileServer]
) -> None:
    bomb = _bomb(128 << 20, wbits)  # 128 MiB of zeros in about 130 kB
    server = hostile(whole(bomb, f"Content-Encoding: {coding}", "Content-Type: application/json"))
    client, _ = _counted(server.url, limit=1 << 20)
    async with client:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError):
                await client.evaluation_runs.retrieve(RUN)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # Inflating first would have needed 128 MiB at least; reading within the limit needs a few MiB.
    assert peak < 16 << 20


def test_one_inflate_step_yields_at_most_one_piece() -> None:
    inflater = _Inflater("gzip")
    bomb = _bomb(64 << 20, 31)
    sizes = [
        len(piece)
        for chunk_at in range(0, len(bomb), NETWORK_READ)
        for piece in inflater.feed(bomb[chunk_at : chunk_at + NETWORK_READ])
    ]
    inflater.finish()
    assert max(sizes) <= PIECE
    assert sum(sizes) == 64 << 20


async def test_a_body_of_exactly_the_limit_is_read(hostile: Callable[..., HostileServer]) -> None:
    body = RUN_JSON + b" " * 1000
    server = hostile(whole(body))
    async with client_of(server.url, max_response_bytes=len(body)) as client:
        assert (await client.evaluation_runs.retrieve(RUN)).evaluation_run_uuid == RUN
    async with client_of(server.url, max_response_bytes=len(body) - 1) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.evaluation_runs.retrieve(RUN)


async def test_the_limit_counts_inflated_bytes(hostile: Callable[..., HostileServer]) -> None:
    body = RUN_JSON + b" " * 100_000
    packed = zlib.compress(body, 9, wbits=31)
    server = hostile(whole(packed, "Content-Encoding: gzip"))
    async with client_of(server.url, max_response_bytes=len(body)) as client:
        assert (await client.evaluation_runs.retrieve(RUN)).evaluation_run_uuid == RUN
    async with client_of(server.url, max_response_bytes=len(packed) * 2) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.evaluation_runs.retrieve(RUN)


async def test_a_too_large_response_is_not_retried(hostile: Callable[..., HostileServer]) -> None:
    server = hostile(endless())
    async with client_of(server.url, max_response_bytes=LIMIT, retry=RetryPolicy(max_retries=3, jitter=False)) as c:
        with pytest.raises(ResponseTooLargeError):
            await c.evaluation_runs.retrieve(RUN)
    assert len(server.requests) == 1


async def test_a_too_large_answer_to_create_may_have_created_runs(hostile: Callable[..., HostileServer]) -> None:
    server = hostile(endless())
    async with client_of(server.url, max_response_bytes=LIMIT) as client:
        with pytest.raises(RunCreationUnknownError) as caught:
            await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="big")
    assert isinstance(caught.value.cause, ResponseTooLargeError)


def endless_error(conn: Connection) -> None:
    if conn.send(head("500 Internal Server Error", "Transfer-Encoding: chunked", "x-request-id: req-500")):
        while not conn.stop.is_set() and conn.send_chunk(b"x" * 16384):
            pass


async def test_an_endless_error_body_still_gives_the_status_error(hostile: Callable[..., HostileServer]) -> None:
    client, transport = _counted(hostile(endless_error).url, limit=DEFAULT_MAX_RESPONSE_BYTES)
    async with client:
        with pytest.raises(InternalServerError) as caught:
            await client.evaluation_runs.retrieve(RUN)
    assert caught.value.request_id == "req-500"
    assert transport.read[0] <= (1 << 20) + NETWORK_READ  # an error body is read up to 1 MiB at most


def test_the_default_limit_is_documented_and_well_below_100_mb() -> None:
    for cls in (AsyncGradientEvals, GradientEvals):
        assert inspect.signature(cls).parameters["max_response_bytes"].default == DEFAULT_MAX_RESPONSE_BYTES
    assert DEFAULT_MAX_RESPONSE_BYTES == 32 * 1024 * 1024
    assert "max_response_bytes" in (AsyncGradientEvals.__doc__ or "")


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-5, ValueError), (True, TypeError), (1.5, TypeError), ("1000", TypeError)]
)
def test_a_bad_limit_is_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_response_bytes"):
        AsyncGradientEvals("token", max_response_bytes=value)
