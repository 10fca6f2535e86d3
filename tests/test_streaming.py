"""Scoped streams: ``stream_results`` fetches ahead while the loop body works, in order, bounded, leaving nothing.

The fake endpoint below counts the requests in flight (a request cancelled on the client side leaves through its
``finally``), so "nothing is left running" is checked directly rather than inferred from elapsed time.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qs

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, InternalServerError, PaginationError, RetryPolicy
from gradient_evals.types import EvaluationPrompt

BASE = "https://api.test"
RUN = "6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f"
RESULTS = f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}/results"

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class _Endpoint:
    """A results endpoint of ``total`` prompts; ``hold`` pages wait until released, ``fail`` pages answer 500."""

    def __init__(self, total: int, *, hold: set[int] | None = None, fail: set[int] | None = None) -> None:
        self.total = total
        self.hold = hold or set()
        self.fail = fail or set()
        self.requested: list[int] = []
        self.in_flight = 0
        self.release = anyio.Event()
        self.arrived = anyio.Event()  # set whenever a request arrives (replaced after each wait)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode())
        number = int(query["page"][0])
        per_page = int(query["per_page"][0])
        self.requested.append(number)
        self.in_flight += 1
        self.arrived.set()
        try:
            if number in self.hold:
                await self.release.wait()
            await anyio.sleep(0)
            if number in self.fail:
                return httpx.Response(500, json={"id": "server_error", "message": "boom", "request_id": "r"})
            pages = math.ceil(self.total / per_page)
            first = (number - 1) * per_page
            ids = range(first + 1, min(first + per_page, self.total) + 1)
            body = {
                "prompts": [{"prompt_id": i, "input": f"q{i}"} for i in ids],
                "meta": {"page": number, "pages": pages, "total": self.total},
            }
            return httpx.Response(200, json=body)
        finally:
            self.in_flight -= 1

    async def wait_for(self, condition: object) -> None:
        """Wait (events, not sleeps) until ``condition()`` holds; a broken stream fails by the guard's deadline."""
        with anyio.fail_after(30):  # a hang guard only: a correct stream gets there in a few event-loop turns
            while not condition():  # type: ignore[operator]
                self.arrived = anyio.Event()
                if condition():  # type: ignore[operator]
                    break
                await self.arrived.wait()


def _client() -> AsyncGradientEvals:
    return AsyncGradientEvals(
        "tok-stream",
        base_url=BASE,
        retry=RetryPolicy(max_retries=0, initial_backoff=0, max_backoff=0, jitter=False),
    )


@pytest.fixture
def endpoint(httpx_mock: HTTPXMock) -> _Endpoint:
    fake = _Endpoint(1_050)
    httpx_mock.add_callback(fake, is_reusable=True, is_optional=True)
    return fake


async def test_every_prompt_in_order(endpoint: _Endpoint) -> None:
    async with _client() as client, client.evaluation_runs.stream_results(RUN, per_page=100) as stream:
        ids = [prompt.prompt_id async for prompt in stream]
    assert ids == list(range(1, 1_051))
    assert sorted(endpoint.requested) == list(range(1, 12))
    assert endpoint.in_flight == 0


async def test_whole_pages(endpoint: _Endpoint) -> None:
    async with _client() as client, client.evaluation_runs.stream_results(RUN, per_page=500) as stream:
        sizes = [len(page.prompts) async for page in stream.pages()]
    assert sizes == [500, 500, 50]


async def test_fetches_run_while_the_loop_body_works(endpoint: _Endpoint) -> None:
    prefetch = 3
    async with _client() as client:
        stream = client.evaluation_runs.stream_results(RUN, per_page=100, prefetch=prefetch)
        async with stream:
            async for prompt in stream:
                # Still working on the first prompt: the next `prefetch` pages are requested meanwhile.
                assert prompt.prompt_id == 1
                await endpoint.wait_for(lambda: set(range(2, 2 + prefetch)) <= set(endpoint.requested))
                break
        assert endpoint.in_flight == 0


async def test_never_more_than_prefetch_pages_ahead(endpoint: _Endpoint) -> None:
    prefetch = 2
    async with (
        _client() as client,
        client.evaluation_runs.stream_results(RUN, per_page=100, prefetch=prefetch) as stream,
    ):
        async for page in stream.pages():
            current = page.meta.page
            assert current is not None
            assert max(endpoint.requested) <= current + prefetch, (current, endpoint.requested)
            for _ in range(5):  # give the fetchers every chance to run too far ahead
                await anyio.sleep(0)


async def test_break_stops_every_fetch_before_the_block_returns(httpx_mock: HTTPXMock) -> None:
    fake = _Endpoint(1_000, hold=set(range(3, 11)))  # pages 3+ would never answer
    httpx_mock.add_callback(fake, is_reusable=True, is_optional=True)
    async with _client() as client:
        async with client.evaluation_runs.stream_results(RUN, per_page=100, prefetch=4) as stream:
            seen: list[EvaluationPrompt] = []
            async for prompt in stream:
                seen.append(prompt)
                if len(seen) == 200:
                    await fake.wait_for(lambda: fake.in_flight >= 4)  # pages 3-6 are stuck in flight
                    break
        assert fake.in_flight == 0  # cancelled, not abandoned
        assert len(seen) == 200


async def test_an_exception_in_the_body_propagates_as_itself(endpoint: _Endpoint) -> None:
    class Stop(Exception):
        pass

    async def read_and_fail() -> None:
        async with _client() as client, client.evaluation_runs.stream_results(RUN, per_page=100) as stream:
            async for _ in stream:
                raise Stop

    with pytest.raises(Stop):
        await read_and_fail()
    assert endpoint.in_flight == 0


async def test_a_failed_page_comes_after_the_pages_before_it(httpx_mock: HTTPXMock) -> None:
    fake = _Endpoint(1_000, fail={3})
    httpx_mock.add_callback(fake, is_reusable=True, is_optional=True)
    ids: list[int | None] = []

    async def read() -> None:
        async with _client() as client, client.evaluation_runs.stream_results(RUN, per_page=100, prefetch=4) as stream:
            async for prompt in stream:
                ids.append(prompt.prompt_id)

    with pytest.raises(InternalServerError) as raised:
        await read()
    assert ids == list(range(1, 201))
    assert raised.value.page == 3
    assert fake.in_flight == 0


async def test_cancellation_from_outside_leaves_nothing_running(httpx_mock: HTTPXMock) -> None:
    fake = _Endpoint(1_000, hold={4, 5, 6})
    httpx_mock.add_callback(fake, is_reusable=True, is_optional=True)
    async with _client() as client:
        with anyio.CancelScope() as scope:
            async with client.evaluation_runs.stream_results(RUN, per_page=100, prefetch=3) as stream:
                async for prompt in stream:
                    if prompt.prompt_id == 300:
                        await fake.wait_for(lambda: 4 in fake.requested)
                        scope.cancel()
                        await anyio.sleep_forever()
        assert scope.cancelled_caught
        assert fake.in_flight == 0


async def test_iterating_without_entering_is_an_error(endpoint: _Endpoint) -> None:
    async with _client() as client:
        stream = client.evaluation_runs.stream_results(RUN)
        with pytest.raises(RuntimeError, match="async with"):
            async for _ in stream:
                pass


async def test_pages_default_to_the_largest_size(endpoint: _Endpoint, httpx_mock: HTTPXMock) -> None:
    async with _client() as client, client.evaluation_runs.stream_results(RUN) as stream:
        ids = [prompt.prompt_id async for prompt in stream]
    assert len(ids) == 1_050
    sizes = {parse_qs(r.url.query.decode())["per_page"][0] for r in httpx_mock.get_requests()}
    assert sizes == {"200"}
    assert len(endpoint.requested) == 6


# -- the stream walks a listing as iter_results does -------------------------------------------------------------


def _growing(request: httpx.Request) -> httpx.Response:
    """Ten prompts a page; each page counts one page more than the one before, up to three (a run filling up)."""
    number = int(request.url.params["page"])
    ids = range((number - 1) * 10 + 1, number * 10 + 1)
    meta = {"page": number, "pages": min(number + 1, 3), "total": min(number + 1, 3) * 10}
    return httpx.Response(200, json={"prompts": [{"prompt_id": i} for i in ids], "meta": meta})


async def test_a_page_count_that_grows_is_followed(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_callback(_growing, is_reusable=True)
    async with _client() as client, client.evaluation_runs.stream_results(RUN, per_page=10, prefetch=4) as stream:
        ids = [prompt.prompt_id async for prompt in stream]
    assert ids == list(range(1, 31))
    assert sorted(int(r.url.params["page"]) for r in httpx_mock.get_requests()) == [1, 2, 3]


async def test_a_next_link_past_the_count_raises_as_in_iter_results(httpx_mock: HTTPXMock) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        ids = range((number - 1) * 10 + 1, number * 10 + 1)
        body = {
            "prompts": [{"prompt_id": i} for i in ids],
            "meta": {"page": number, "pages": 2},
            "links": {"pages": {"next": f"{RESULTS}?page={number + 1}&per_page=10"}},
        }
        return httpx.Response(200, json=body)

    httpx_mock.add_callback(answer, is_reusable=True)
    ids: list[int | None] = []

    async def read() -> None:
        async with _client() as client, client.evaluation_runs.stream_results(RUN, per_page=10) as stream:
            async for prompt in stream:
                ids.append(prompt.prompt_id)

    with pytest.raises(PaginationError, match="counted 2 pages") as raised:
        await read()
    assert raised.value.page == 2
    assert ids == list(range(1, 21))
    assert len(httpx_mock.get_requests()) == 2


async def test_fetching_ahead_in_a_group_the_caller_owns(endpoint: _Endpoint) -> None:
    async with _client() as client, anyio.create_task_group() as group:
        pager = client.evaluation_runs.iter_results(RUN, per_page=100).fetching_ahead_in(group, prefetch=3)
        async for prompt in pager:
            assert prompt.prompt_id == 1
            # The window's fetches run in the caller's group while the caller is still on its first prompt.
            await endpoint.wait_for(lambda: {2, 3, 4} <= set(endpoint.requested))
            break
        await pager.aclose()
        assert max(endpoint.requested) <= 4
        group.cancel_scope.cancel()
    assert endpoint.in_flight == 0
