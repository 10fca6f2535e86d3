"""Stopping early: a cancelled or abandoned stream leaves no task, no thread and no request in flight."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals.testing import FakeGradientServer

pytestmark = pytest.mark.anyio


def pool_connections(client: AsyncGradientEvals) -> list[Any]:
    """The connections of the client's httpx pool."""
    return list(client._transport.http_client._transport._pool.connections)  # type: ignore[attr-defined]


def busy_connections(client: AsyncGradientEvals) -> list[Any]:
    """Connections still in the middle of a request (neither idle nor closed)."""
    return [c for c in pool_connections(client) if not c.is_idle() and not c.is_closed()]


def requests_settle(server: FakeGradientServer, wait: float = 0.15) -> int:
    """The size of the request log once nothing new has arrived for ``wait`` seconds."""
    count = len(server.requests)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(wait)
        now = len(server.requests)
        if now == count:
            return count
        count = now
    raise AssertionError("requests kept arriving")


async def assert_quiet(
    server: FakeGradientServer, client: AsyncGradientEvals, anyio_backend: str, settle: float = 0.15
) -> None:
    """No task besides this one, no busy connection, and no request reaching the server any more."""
    if anyio_backend == "asyncio":
        # The test itself runs in a task of the pytest plugin's runner; the runner's own task waits on it.
        others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
        assert [t for t in others if "_call_in_runner_task" not in repr(t.get_coro())] == []
    assert busy_connections(client) == []
    # requests_settle has seen no new request for `settle` seconds, and there was none in flight.
    await anyio.to_thread.run_sync(requests_settle, server, settle)


@pytest.mark.parametrize("prefetch", [1, 8])
async def test_cancel_scope_around_a_stream_leaves_nothing_running(
    prefetch: int, anyio_backend: str, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    with FakeGradientServer(seed=3, latency=0.05) as server:
        run_uuid = server.add_run(prompts=2_000)
        client = AsyncGradientEvals(access_token=server.token, base_url=server.base_url, max_retries=0)
        async with client:
            got = 0
            # Cancelled from inside (no clock): the pages already fetched (page 2, or the batch of pages 2 to
            # 1 + prefetch) still come out, and the scope takes effect at the stream's next fetch.
            with anyio.CancelScope() as scope:
                async for _ in client.evaluation_runs.iter_results(run_uuid, per_page=20, prefetch=prefetch):
                    got += 1
                    if got == 30:
                        scope.cancel()
            assert scope.cancelled_caught
            assert got == 20 * (2 if prefetch == 1 else 1 + prefetch)
            await assert_quiet(server, client, anyio_backend)
            # The client is still usable afterwards.
            run = await client.evaluation_runs.retrieve(run_uuid)
            assert run.evaluation_run_uuid == run_uuid


async def test_cancel_while_a_request_is_in_flight(anyio_backend: str) -> None:
    with FakeGradientServer(seed=3, latency=0.25) as server:
        run_uuid = server.add_run(prompts=50)
        client = AsyncGradientEvals(access_token=server.token, base_url=server.base_url, max_retries=0)
        async with client:
            busy_midway: list[Any] = []
            async with anyio.create_task_group() as group:
                group.start_soon(client.evaluation_runs.retrieve, run_uuid)
                await anyio.sleep(0.05)
                busy_midway = busy_connections(client)  # the check below can see a request in flight
                group.cancel_scope.cancel()
            assert len(busy_midway) == 1
            # The request already sent is still answered (and logged) after the server's latency.
            await assert_quiet(server, client, anyio_backend, settle=0.3)
            assert len(server.requests) == 1


async def test_break_out_of_an_async_stream_makes_no_further_request(
    anyio_backend: str, server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=1_000)
    async with make_async() as client:
        async with client.evaluation_runs.iter_results(run_uuid, per_page=10) as stream:
            async for prompt in stream:
                if prompt.prompt_id is not None:
                    break
        before = len(server.requests)
        await assert_quiet(server, client, anyio_backend)
        assert len(server.requests) == before
        assert before == 1  # only the first page was needed


@pytest.mark.parametrize("parked", [True, False], ids=["between-items", "while-streaming"])
async def test_cancelling_a_task_that_streams(anyio_backend: str, parked: bool) -> None:
    """The task is cancelled once it has consumed two pages (an event, not a clock, says when): either parked in
    its loop body, or still streaming. Either way nothing keeps running and nothing more is consumed."""
    with FakeGradientServer(seed=5, latency=0.0) as server:
        run_uuid = server.add_run(prompts=3_000)
        client = AsyncGradientEvals(access_token=server.token, base_url=server.base_url, max_retries=0)
        seen: list[int | None] = []
        two_pages = anyio.Event()
        async with client:

            async def consume() -> None:
                async for prompt in client.evaluation_runs.iter_results(run_uuid, per_page=20):
                    seen.append(prompt.prompt_id)
                    if len(seen) == 40:
                        two_pages.set()
                        if parked:
                            await anyio.sleep_forever()

            async with anyio.create_task_group() as group:
                group.start_soon(consume)
                await two_pages.wait()
                group.cancel_scope.cancel()
            consumed = len(seen)
            if parked:
                assert seen == server.prompt_ids(run_uuid)[:40]
            else:
                assert 40 <= consumed < 3_000
                assert seen == server.prompt_ids(run_uuid)[:consumed]
            await assert_quiet(server, client, anyio_backend)
            assert len(seen) == consumed, "nothing was consumed after the cancellation"


# -- the blocking client -------------------------------------------------------------------------------------


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "gradient-evals-loop"]


def _client_side_threads() -> set[threading.Thread]:
    """Live threads, leaving out the emulator's own (its accept loop and per-connection handlers)."""
    return {t for t in threading.enumerate() if t.name != "fake-gradient" and "process_request_thread" not in t.name}


def _wait_for_threads(expected: set[threading.Thread]) -> None:
    deadline = time.monotonic() + 5
    while _client_side_threads() != expected and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("prefetch", [1, 8])
def test_break_out_of_a_sync_stream_leaves_no_thread_and_no_request(prefetch: int) -> None:
    with FakeGradientServer(seed=9, latency=0.01) as server:
        run_uuid = server.add_run(prompts=2_000)
        threads_before = _client_side_threads()
        client = GradientEvals(access_token=server.token, base_url=server.base_url, max_retries=0)
        with client:
            for got, _ in enumerate(client.evaluation_runs.iter_results(run_uuid, per_page=20, prefetch=prefetch)):
                if got == 29:
                    break
            settled = requests_settle(server)
            # Page 1, page 2 (where the loop broke) and, with prefetch, at most `prefetch` pages fetched ahead of
            # the caller on the loop thread; nothing after the break.
            assert (settled == 2) if prefetch == 1 else (2 <= settled <= 2 + prefetch)
            pool = client.async_client
            busy = client._loop.call_sync(busy_connections, pool)
            assert busy == []
            time.sleep(0.1)
            assert len(server.requests) == settled
        assert client.is_closed
        _wait_for_threads(threads_before)
        assert _client_side_threads() == threads_before
        assert _loop_threads() == []


def test_closing_a_sync_client_mid_stream_stops_its_thread() -> None:
    with FakeGradientServer(seed=9) as server:
        run_uuid = server.add_run(prompts=500)
        threads_before = _client_side_threads()
        client = GradientEvals(access_token=server.token, base_url=server.base_url)
        stream = iter(client.evaluation_runs.iter_results(run_uuid, per_page=10))
        next(stream)
        client.close()
        assert _loop_threads() == []
        assert _client_side_threads() == threads_before
        # A page asked for just before the close may reach the server's log a moment later on a busy machine.
        requests = requests_settle(server)
        del stream  # dropping the abandoned iterator must neither fail nor send anything
        gc.collect()
        assert len(server.requests) == requests
