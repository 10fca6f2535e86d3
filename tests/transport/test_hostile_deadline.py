"""Any timeout, a number or an ``httpx.Timeout``, bounds the whole attempt: a dripping server cannot hold a call.

Each call runs under a generous outer guard so that a regression fails instead of hanging the suite; the
assertions are about which error comes back, never about how long it took.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from transport.hostile_servers import AGENT, RUN, TEST_CASE, Connection, HostileServer, client_of, drip, head

from gradient_evals import APITimeoutError, GradientEvals, RetryPolicy, RunCreationUnknownError
from gradient_evals._transport import attempt_deadline

pytestmark = pytest.mark.anyio

GUARD = 60.0  # far beyond any timeout used here: reaching it means the attempt was not bounded
TIMEOUTS = [
    pytest.param(0.5, id="float"),
    pytest.param(httpx.Timeout(0.5), id="Timeout"),
    pytest.param(httpx.Timeout(0.2, read=0.5), id="Timeout-parts"),
]


def drip_headers(conn: Connection) -> None:
    """The status line, then one header line every 50 ms, for ever."""
    if not conn.send(b"HTTP/1.1 200 OK\r\n"):
        return
    n = 0
    while not conn.stop.wait(0.05) and conn.send(f"x-drip-{n}: 1\r\n".encode()):
        n += 1


def drip_whole_body(conn: Connection) -> None:
    """A declared length, then the body one byte every 50 ms."""
    if conn.send(head("200 OK", "Content-Length: 100000")):
        while not conn.stop.wait(0.05) and conn.send(b" "):
            pass


@pytest.mark.parametrize("timeout", TIMEOUTS)
@pytest.mark.parametrize(
    "responder",
    [
        pytest.param(drip(), id="chunked-body"),
        pytest.param(drip_whole_body, id="sized-body"),
        pytest.param(drip_headers, id="headers"),
    ],
)
async def test_a_dripping_server_times_out(timeout: Any, responder: Any, hostile: Callable[..., HostileServer]) -> None:
    server = hostile(responder)
    async with client_of(server.url, timeout=timeout) as client:
        with anyio.fail_after(GUARD), pytest.raises(APITimeoutError) as caught:
            await client.evaluation_runs.retrieve(RUN)
    assert "timed out" in str(caught.value)


@pytest.mark.parametrize("timeout", TIMEOUTS)
async def test_a_per_call_timeout_bounds_the_attempt_too(timeout: Any, hostile: Callable[..., HostileServer]) -> None:
    server = hostile(drip())
    async with client_of(server.url, timeout=GUARD * 10) as client:
        with anyio.fail_after(GUARD), pytest.raises(APITimeoutError):
            await client.evaluation_runs.retrieve(RUN, timeout=timeout)


async def test_each_retry_gets_its_own_deadline(hostile: Callable[..., HostileServer]) -> None:
    server = hostile(drip())
    retry = RetryPolicy(max_retries=2, initial_backoff=0, max_backoff=0, jitter=False)
    async with client_of(server.url, timeout=httpx.Timeout(0.3), retry=retry) as client:
        with anyio.fail_after(GUARD), pytest.raises(APITimeoutError):
            await client.evaluation_runs.retrieve(RUN)
    assert len(server.requests) == 3


async def test_a_create_that_times_out_while_reading_may_have_created_runs(
    hostile: Callable[..., HostileServer],
) -> None:
    server = hostile(drip())
    async with client_of(server.url, timeout=httpx.Timeout(0.5)) as client:
        with anyio.fail_after(GUARD), pytest.raises(RunCreationUnknownError) as caught:
            await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT])
    assert isinstance(caught.value.cause, APITimeoutError)


def test_the_blocking_client_is_bounded_too(hostile: Callable[..., HostileServer]) -> None:
    server = hostile(drip())
    with (
        GradientEvals("token", base_url=server.url, timeout=httpx.Timeout(0.5), max_retries=0) as client,
        pytest.raises(APITimeoutError),
    ):
        client.evaluation_runs.retrieve(RUN)


@pytest.mark.parametrize(
    ("timeout", "deadline"),
    [
        (2.0, 2.0),
        (7, 7.0),
        (httpx.Timeout(2.0), 2.0),
        (httpx.Timeout(5.0, read=30.0), 30.0),
        (httpx.Timeout(5.0, connect=1.0, read=3.0, write=2.0, pool=4.0), 4.0),
        (httpx.Timeout(None), None),
        (httpx.Timeout(5.0, read=None), None),
    ],
)
def test_the_deadline_of_an_attempt_is_the_longest_part(timeout: Any, deadline: float | None) -> None:
    assert attempt_deadline(timeout) == deadline
