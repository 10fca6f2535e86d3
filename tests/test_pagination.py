"""The results stream: ``iter_results`` follows the API's paging lazily, in order, without loops or leaks."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, AsyncPager, InternalServerError, PaginationError, RetryPolicy
from gradient_evals._pagination import DEFAULT_PREFETCH
from gradient_evals.types import EvaluationRun, PageMeta, ResultsPage

BASE = "https://api.test"
TOKEN = "tok-pagination"
RUN = "6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f"
TEST_CASE = "0b9d8c7a-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
RESULTS = f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}/results"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _stream_client(max_retries: int = 2) -> AsyncGradientEvals:
    return AsyncGradientEvals(
        TOKEN,
        base_url=BASE,
        retry=RetryPolicy(max_retries=max_retries, initial_backoff=0, max_backoff=0, jitter=False),
    )


class _PagedServer:
    """A fake results endpoint that pages like the real API, records every request and tracks concurrency.

    ``page_for`` maps the requested page number to the page actually served (to fake a misbehaving server),
    ``next_for`` builds the ``links.pages.next`` of a page (``None`` for none), ``delay`` slows a page down,
    ``failures`` makes a page answer 503 that many times first (``-1``: always); ``with_ids=False`` serves
    prompts without ``prompt_id`` (which cannot be de-duplicated).
    """

    def __init__(
        self,
        total: int,
        *,
        with_meta: bool = True,
        with_pages: bool = True,
        with_links: bool = True,
        page_for: Callable[[int], int] | None = None,
        next_for: Callable[[int, int, int], str | None] | None = None,
        prompts_for: Callable[[int, int], list[int]] | None = None,
        delay: Callable[[int], float] | None = None,
        failures: dict[int, int] | None = None,
        with_ids: bool = True,
    ) -> None:
        self.total = total
        self.with_ids = with_ids
        self.with_meta = with_meta
        self.with_pages = with_pages
        self.with_links = with_links
        self.page_for = page_for
        self.next_for = next_for
        self.prompts_for = prompts_for
        self.delay = delay
        self.failures = dict(failures or {})
        self.requests: list[httpx.Request] = []
        self.pages_requested: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def link(self, page: int, per_page: int) -> str:
        return f"{RESULTS}?page={page}&per_page={per_page}"

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != "api.test" or request.url.port is not None or request.url.scheme != "https":
            return httpx.Response(404, json={"id": "not_found", "message": "wrong origin"})
        query = parse_qs(request.url.query.decode())
        asked = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["20"])[0])
        self.pages_requested.append(asked)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay is not None:
                await anyio.sleep(self.delay(asked))
        finally:
            self.in_flight -= 1
        remaining = self.failures.get(asked, 0)
        if remaining:
            self.failures[asked] = remaining - 1
            return httpx.Response(503, json={"id": "service_unavailable", "message": "try again"})
        served = self.page_for(asked) if self.page_for else asked
        pages = max(1, math.ceil(self.total / per_page))
        if self.prompts_for is not None:
            ids = self.prompts_for(served, per_page)
        else:
            ids = list(range((served - 1) * per_page + 1, min(served * per_page, self.total) + 1))
        body: dict[str, Any] = {
            "evaluation_run": {"evaluation_run_uuid": RUN, "status": "EVALUATION_RUN_SUCCESSFUL"},
            "prompts": [
                {"prompt_id": i, "input": f"q{i}", "output": f"a{i}"} if self.with_ids else {"input": f"q{i}"}
                for i in ids
            ],
        }
        if self.with_meta:
            meta: dict[str, int] = {"page": served, "total": self.total}
            if self.with_pages:
                meta["pages"] = pages
            body["meta"] = meta
        if self.with_links:
            nxt = (
                self.next_for(served, pages, per_page)
                if self.next_for
                else (self.link(served + 1, per_page) if served < pages else None)
            )
            links: dict[str, str] = {"first": self.link(1, per_page), "last": self.link(pages, per_page)}
            if served > 1:
                links["previous"] = self.link(served - 1, per_page)
            if nxt is not None:
                links["next"] = nxt
            body["links"] = {"pages": links}
        return httpx.Response(200, json=body)


def _serve(httpx_mock: HTTPXMock, server: _PagedServer) -> _PagedServer:
    httpx_mock.add_callback(server, is_reusable=True)
    return server


async def _collect(client: AsyncGradientEvals, **kwargs: Any) -> list[int | None]:
    return [p.prompt_id async for p in client.evaluation_runs.iter_results(RUN, **kwargs)]


async def _drain(pager: AsyncPager[ResultsPage, Any], seen: list[int | None]) -> None:
    async for prompt in pager:
        seen.append(prompt.prompt_id)


def _assert_clean_prefix(seen: list[int | None], *, pages_before: int, per_page: int, exact: bool) -> None:
    """``seen`` is whole pages from the first, in order, without repeats, stopping before the failed page."""
    assert len(seen) % per_page == 0
    assert seen == list(range(1, len(seen) + 1))
    assert per_page <= len(seen) <= pages_before * per_page
    if exact:
        assert len(seen) == pages_before * per_page


# -- every prompt, once, in order ----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("per_page", [1, 7, 100])
@pytest.mark.parametrize("prefetch", [1, 2, 8])
@pytest.mark.parametrize("total", [21, 23, 100])
async def test_every_prompt_once_in_order(
    httpx_mock: HTTPXMock, anyio_backend: str, per_page: int, prefetch: int, total: int
) -> None:
    server = _serve(httpx_mock, _PagedServer(total))
    async with _stream_client() as client:
        ids = await _collect(client, per_page=per_page, prefetch=prefetch)
    assert ids == list(range(1, total + 1))
    pages = math.ceil(total / per_page)
    assert sorted(server.pages_requested) == list(range(1, pages + 1))  # each page once, none past the last
    for request in server.requests:
        assert parse_qs(request.url.query.decode())["per_page"] == [str(per_page)]


@pytest.mark.anyio
async def test_empty_run_yields_nothing_after_one_request(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(0))
    async with _stream_client() as client:
        assert await _collect(client) == []
        assert [page async for page in client.evaluation_runs.iter_results(RUN).pages()] == []
    assert server.pages_requested == [1, 1]


@pytest.mark.anyio
async def test_default_prefetch_is_used(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(30 * 3, delay=lambda page: 0.0 if page == 1 else 0.01))
    async with _stream_client() as client:
        assert await _collect(client, per_page=3) == list(range(1, 91))
    assert server.max_in_flight == DEFAULT_PREFETCH


@pytest.mark.anyio
async def test_follows_next_links_when_the_page_count_is_unknown(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(25, with_meta=False))
    async with _stream_client() as client:
        assert await _collect(client, per_page=10) == list(range(1, 26))
    assert server.pages_requested == [1, 2, 3]
    assert all(r.url.path.endswith(f"/{RUN}/results") for r in server.requests)


@pytest.mark.anyio
async def test_follows_page_count_when_there_are_no_links(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(25, with_links=False))
    async with _stream_client() as client:
        assert await _collect(client, per_page=10, prefetch=1) == list(range(1, 26))
    assert server.pages_requested == [1, 2, 3]


@pytest.mark.anyio
async def test_a_next_link_that_jumps_ahead_skips_no_page(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    def skip_one(served: int, pages: int, per_page: int) -> str | None:
        return f"{RESULTS}?page={served + 2}&per_page={per_page}" if served < pages else None

    server = _serve(httpx_mock, _PagedServer(50, with_meta=False, next_for=skip_one))
    async with _stream_client() as client:
        assert await _collect(client, per_page=10) == list(range(1, 51))
    assert server.pages_requested == [1, 2, 3, 4, 5]


@pytest.mark.anyio
async def test_fewer_items_than_the_server_counted_is_reported(
    httpx_mock: HTTPXMock, anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Page 2 of 3 comes back short: the stream still ends, but not silently.
    def short_second_page(page: int, per_page: int) -> list[int]:
        ids = list(range((page - 1) * per_page + 1, min(page * per_page, 30) + 1))
        return ids[:4] if page == 2 else ids

    _serve(httpx_mock, _PagedServer(30, prompts_for=short_second_page))
    with caplog.at_level("WARNING", logger="gradient_evals"):
        async with _stream_client() as client:
            assert len(await _collect(client, per_page=10)) == 24
    assert "counted 30 items but its pages held 24" in caplog.text


@pytest.mark.anyio
async def test_a_complete_stream_reports_nothing(
    httpx_mock: HTTPXMock, anyio_backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    _serve(httpx_mock, _PagedServer(30))
    with caplog.at_level("WARNING", logger="gradient_evals"):
        async with _stream_client() as client:
            assert await _collect(client, per_page=10) == list(range(1, 31))
    assert caplog.records == []


@pytest.mark.anyio
async def test_without_meta_or_links_stops_after_the_first_page(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(25, with_meta=False, with_links=False))
    async with _stream_client() as client:
        assert await _collect(client, per_page=10) == list(range(1, 11))
    assert server.pages_requested == [1]


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_stops_on_an_empty_page(httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int) -> None:
    # The server claims 5 pages but page 3 is empty: nothing after it is handed out.
    def prompts(page: int, per_page: int) -> list[int]:
        return [] if page >= 3 else list(range((page - 1) * per_page + 1, page * per_page + 1))

    server = _serve(httpx_mock, _PagedServer(50, prompts_for=prompts))
    async with _stream_client() as client:
        assert await _collect(client, per_page=10, prefetch=prefetch) == list(range(1, 21))
    if prefetch == 1:
        assert server.pages_requested == [1, 2, 3]


@pytest.mark.anyio
@pytest.mark.parametrize("back_to", [1, 2])
async def test_a_next_link_that_does_not_advance_raises(
    httpx_mock: HTTPXMock, anyio_backend: str, back_to: int
) -> None:
    server = _PagedServer(
        100, with_pages=False, next_for=lambda page, pages, per_page: server.link(min(page + 1, back_to), per_page)
    )
    _serve(httpx_mock, server)
    seen: list[int | None] = []
    async with _stream_client() as client:
        with pytest.raises(PaginationError) as caught:
            await _drain(client.evaluation_runs.iter_results(RUN, per_page=10), seen)
    assert seen == list(range(1, 10 * back_to + 1))
    assert caught.value.page == back_to
    assert len(server.requests) == back_to


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_repeated_pages_raise_instead_of_looping(
    httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int
) -> None:
    # Every page number gets page 1's prompts, without a page number in meta: the repeat must be noticed.
    server = _serve(httpx_mock, _PagedServer(1000, with_meta=False, prompts_for=lambda page, per_page: [1, 2, 3]))
    seen: list[int | None] = []
    async with _stream_client() as client:
        with pytest.raises(PaginationError, match="already returned"):
            await _drain(client.evaluation_runs.iter_results(RUN, per_page=3, prefetch=prefetch), seen)
    assert seen == [1, 2, 3]
    assert len(server.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_a_page_served_for_the_wrong_number_raises(
    httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int
) -> None:
    _serve(httpx_mock, _PagedServer(50, page_for=lambda page: 1 if page == 3 else page))
    seen: list[int | None] = []
    async with _stream_client() as client:
        with pytest.raises(PaginationError, match="sent page 1") as caught:
            await _drain(client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=prefetch), seen)
    assert caught.value.page == 3
    # Every prompt before the failing page 3, or (fetched ahead in one batch with it) only page 1's: in order,
    # none twice, and never anything from page 3 on.
    _assert_clean_prefix(seen, pages_before=2, per_page=10, exact=prefetch == 1)


@pytest.mark.anyio
async def test_overlapping_pages_yield_each_prompt_once(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    # Each page repeats the last two prompts of the one before (rows shifted while paging): none twice, none lost.
    def prompts(page: int, per_page: int) -> list[int]:
        start = max(1, (page - 1) * per_page - 1)
        return list(range(start, min(page * per_page, 40) + 1))

    _serve(httpx_mock, _PagedServer(40, prompts_for=prompts))
    async with _stream_client() as client:
        pager = client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=2)
        pages = [page async for page in pager.pages()]
    assert [p.prompt_id for page in pages for p in page.prompts] == list(range(1, 41))
    assert [len(page.prompts) for page in pages] == [10, 10, 10, 10]


@pytest.mark.anyio
async def test_pages_yields_results_pages(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    _serve(httpx_mock, _PagedServer(25))
    async with _stream_client() as client:
        pager = client.evaluation_runs.iter_results(RUN, per_page=10)
        assert isinstance(pager, AsyncPager)
        pages = [page async for page in pager.pages()]
    assert all(isinstance(page, ResultsPage) for page in pages)
    assert [page.meta for page in pages] == [PageMeta(page=n, pages=3, total=25) for n in (1, 2, 3)]
    assert [len(page.prompts) for page in pages] == [10, 10, 5]
    for page in pages:
        assert isinstance(page.evaluation_run, EvaluationRun)
        assert page.evaluation_run.evaluation_run_uuid == RUN


@pytest.mark.anyio
async def test_pages_can_be_closed_with_async_with(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(100))
    async with _stream_client() as client:
        async with client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=1).pages() as pages:
            first = await pages.__anext__()
            assert [p.prompt_id for p in first.prompts] == list(range(1, 11))
        # Left: closed, so asking for more ends the stream and makes no request.
        assert [page async for page in pages] == []
        await pages.aclose()  # closing twice is harmless
    assert server.pages_requested == [1]


# -- servers that page badly: prompts without ids, moving page sizes -----------------------------------------


def _endless(server: _PagedServer, link: str) -> str | None:
    """A next link forever -- but only "forever" up to 50 requests, so a stream that loops fails the test
    instead of hanging the suite."""
    return link if len(server.requests) < 50 else None


async def _drain_inputs(pager: AsyncPager[ResultsPage, Any], got: list[str | None]) -> None:
    async for prompt in pager:
        got.append(prompt.input)


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
@pytest.mark.parametrize("with_meta", [True, False])
async def test_prompts_without_ids_served_again_and_again_raise_instead_of_looping(
    httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int, with_meta: bool
) -> None:
    """The server ignores ``?page``: every page holds the same three prompts, its ``meta`` (if any) echoes the
    page asked for without a page count, and its next links advance forever."""
    server = _serve(
        httpx_mock,
        _PagedServer(
            3,
            with_ids=False,
            with_pages=False,
            prompts_for=lambda page, per_page: [1, 2, 3],
            next_for=lambda page, pages, per_page: _endless(
                server, f"{RESULTS}?page={len(server.requests) + 1}&per_page={per_page}"
            ),
        ),
    )
    server.with_meta = with_meta
    got: list[str | None] = []
    async with _stream_client() as client:
        with pytest.raises(PaginationError, match=r"repeat|more than"):
            await _drain_inputs(client.evaluation_runs.iter_results(RUN, per_page=3, prefetch=prefetch), got)
    assert got == ["q1", "q2", "q3"], "the three prompts once, never again"
    assert len(server.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("with_pages", "problem", "page"),
    [
        # One page counted (3 prompts, 3 a page), but a next link anyway.
        (True, "counted 1 pages", 1),
        # No page count; every page different, but more prompts than meta.total says exist.
        (False, "more than the 3", 2),
    ],
)
async def test_pages_beyond_the_servers_own_counts_raise(
    httpx_mock: HTTPXMock, anyio_backend: str, with_pages: bool, problem: str, page: int
) -> None:
    server = _serve(
        httpx_mock,
        _PagedServer(
            3,
            with_ids=False,
            with_pages=with_pages,
            next_for=lambda page, pages, per_page: _endless(server, server.link(page + 1, per_page)),
            prompts_for=lambda page, per_page: [page * 10 + k for k in range(per_page)],
        ),
    )
    got: list[str | None] = []
    async with _stream_client() as client:
        with pytest.raises(PaginationError, match=problem) as caught:
            await _drain_inputs(client.evaluation_runs.iter_results(RUN, per_page=3, prefetch=1), got)
    assert caught.value.page == page
    assert got == ["q10", "q11", "q12"]
    assert len(server.requests) == page


@pytest.mark.anyio
@pytest.mark.parametrize("with_pages", [True, False])
async def test_prompts_without_ids_on_honest_pages_all_arrive(
    httpx_mock: HTTPXMock, anyio_backend: str, with_pages: bool
) -> None:
    _serve(httpx_mock, _PagedServer(23, with_ids=False, with_pages=with_pages))
    async with _stream_client() as client:
        got = [p.input async for p in client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=3)]
    assert got == [f"q{i}" for i in range(1, 24)]


@pytest.mark.anyio
@pytest.mark.parametrize("link_per_page", ["20", "2", None])
@pytest.mark.parametrize("with_ids", [True, False])
async def test_a_next_link_that_changes_per_page_loses_no_prompt(
    httpx_mock: HTTPXMock, anyio_backend: str, link_per_page: str | None, with_ids: bool
) -> None:
    """Same origin and path, but another page size (or none, i.e. the server's default): following it as given
    would skip (or repeat) prompts, so each page is asked for by number with the stream's own ``per_page``."""

    def next_for(page: int, pages: int, per_page: int) -> str | None:
        if page >= pages:
            return None
        size = "" if link_per_page is None else f"&per_page={link_per_page}"
        return f"{RESULTS}?page={page + 1}{size}"

    server = _serve(httpx_mock, _PagedServer(47, with_ids=with_ids, with_pages=False, next_for=next_for))
    async with _stream_client() as client:
        got = [p.input async for p in client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=1)]
    assert got == [f"q{i}" for i in range(1, 48)]
    assert [parse_qs(r.url.query.decode())["per_page"] for r in server.requests] == [["5"]] * 10
    assert server.pages_requested == list(range(1, 11))


@pytest.mark.anyio
async def test_a_next_link_keeping_our_page_size_is_followed_as_given(
    httpx_mock: HTTPXMock, anyio_backend: str
) -> None:
    """The server's own extra parameters (a cursor) are kept when the page size is ours."""
    server = _serve(
        httpx_mock,
        _PagedServer(
            12,
            with_pages=False,
            next_for=lambda page, pages, per_page: (
                f"{RESULTS}?page={page + 1}&per_page={per_page}&cursor=c{page}" if page < pages else None
            ),
        ),
    )
    async with _stream_client() as client:
        assert await _collect(client, per_page=5, prefetch=1) == list(range(1, 13))
    assert [parse_qs(r.url.query.decode()).get("cursor") for r in server.requests] == [None, ["c1"], ["c2"]]


# -- the token stays home ------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("other", ["https://evil.test", "http://api.test", "https://api.test:8443"])
@pytest.mark.parametrize("with_pages", [True, False])
async def test_a_next_link_to_another_origin_is_not_followed(
    httpx_mock: HTTPXMock, anyio_backend: str, other: str, with_pages: bool
) -> None:
    server = _PagedServer(
        25,
        with_pages=with_pages,
        next_for=lambda page, pages, per_page: (
            f"{other}/v2/gen-ai/evaluation_runs/{RUN}/results?page={page + 1}&per_page={per_page}"
            if page < pages
            else None
        ),
    )
    _serve(httpx_mock, server)
    async with _stream_client() as client:
        assert await _collect(client, per_page=10, prefetch=1) == list(range(1, 26))
    assert server.pages_requested == [1, 2, 3]
    requests = httpx_mock.get_requests()
    assert len(requests) == 3
    for request in requests:
        assert (request.url.scheme, request.url.host, request.url.port) == ("https", "api.test", None)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"


# -- lazy, bounded, leak-free --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 4])
async def test_breaking_out_stops_fetching(httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int) -> None:
    server = _serve(httpx_mock, _PagedServer(100, delay=lambda page: 0.001))
    async with _stream_client() as client:
        pager = client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=prefetch)
        async for prompt in pager:
            if prompt.prompt_id == 7:
                break
        fetched = len(server.requests)
        assert server.in_flight == 0
        await pager.aclose()
        await anyio.sleep(0.05)
        assert len(server.requests) == fetched
        assert server.in_flight == 0
    # Only the first page and (with prefetch) the first batch after it: never the whole run.
    assert fetched == (2 if prefetch == 1 else 1 + prefetch)


@pytest.mark.anyio
async def test_breaking_out_without_closing_stops_fetching(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(100, delay=lambda page: 0.001))
    async with _stream_client() as client:
        async for prompt in client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=3):
            if prompt.prompt_id == 6:
                break
        await anyio.sleep(0.05)
        assert server.in_flight == 0
    assert sorted(server.pages_requested) == [1, 2, 3, 4]


@pytest.mark.anyio
async def test_lazy_nothing_is_fetched_before_iterating(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(10))
    server_requests = server.requests
    async with _stream_client() as client:
        pager = client.evaluation_runs.iter_results(RUN)
        await anyio.sleep(0.01)
        assert server_requests == []
        assert (await pager.__anext__()).prompt_id == 1
        assert len(server_requests) == 1
        await pager.aclose()


@pytest.mark.anyio
async def test_cancelling_the_consumer_leaves_no_request_in_flight(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    server = _serve(httpx_mock, _PagedServer(100, delay=lambda page: 0.0 if page == 1 else 5.0))
    seen: list[int | None] = []
    async with _stream_client() as client:
        pager = client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=4)
        with anyio.move_on_after(0.2) as scope:
            async for prompt in pager:
                seen.append(prompt.prompt_id)
        assert scope.cancelled_caught
        assert server.max_in_flight == 4
        assert server.in_flight == 0
        await pager.aclose()
    assert seen == list(range(1, 11))


@pytest.mark.anyio
async def test_no_connection_is_left_busy_after_a_break(anyio_backend: str) -> None:
    from gradient_evals.testing import FakeGradientServer

    with FakeGradientServer(seed=3) as fake:
        run_uuid = fake.add_run(prompts=60)
        async with AsyncGradientEvals(fake.token, base_url=fake.base_url) as client:
            pager = client.evaluation_runs.iter_results(run_uuid, per_page=5, prefetch=4)
            async for _prompt in pager:
                break
            await pager.aclose()
            pool = client._transport.http_client._transport._pool  # type: ignore[attr-defined]
            assert pool.connections, "the stream should have used the pool"
            assert all(connection.is_idle() for connection in pool.connections)
            assert not pool._requests


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 2, 8])
async def test_prefetch_is_bounded_and_order_is_kept(httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int) -> None:
    # Later pages answer faster than earlier ones, so completion order differs from page order.
    server = _serve(httpx_mock, _PagedServer(20 * 4, delay=lambda page: 0.001 * (21 - page)))
    async with _stream_client() as client:
        assert await _collect(client, per_page=4, prefetch=prefetch) == list(range(1, 81))
    assert server.max_in_flight <= prefetch
    if prefetch == 1:
        assert server.max_in_flight == 1
    else:
        assert server.max_in_flight > 1
    assert sorted(server.pages_requested) == list(range(1, 21))


# -- retries per page ----------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_a_page_failing_once_is_retried_and_the_stream_completes(
    httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int
) -> None:
    server = _serve(httpx_mock, _PagedServer(50, failures={3: 1}))
    async with _stream_client() as client:
        assert await _collect(client, per_page=10, prefetch=prefetch) == list(range(1, 51))
    assert sorted(server.pages_requested) == [1, 2, 3, 3, 4, 5]


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_exhausted_retries_raise_with_the_failed_page(
    httpx_mock: HTTPXMock, anyio_backend: str, prefetch: int
) -> None:
    server = _serve(httpx_mock, _PagedServer(50, failures={3: 100}))
    seen: list[int | None] = []
    async with _stream_client(max_retries=2) as client:
        with pytest.raises(InternalServerError) as caught:
            await _drain(client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=prefetch), seen)
    assert caught.value.page == 3
    assert caught.value.status_code == 503
    assert "page 3" in str(caught.value)
    assert len(seen) == len(set(seen))
    # Every prompt before the failing page 3, or (fetched ahead in one batch with it) only page 1's: in order,
    # none twice, and never anything from page 3 on.
    _assert_clean_prefix(seen, pages_before=2, per_page=10, exact=prefetch == 1)
    assert server.pages_requested.count(3) == 3


# -- test case runs: one list, pages followed -----------------------------------------------------------------

RUNS_URL = f"{BASE}/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs"


def _run(n: int) -> dict[str, str]:
    return {"evaluation_run_uuid": f"00000000-0000-4000-8000-{n:012d}", "run_name": f"run-{n}"}


@pytest.mark.anyio
async def test_list_evaluation_runs_in_one_response(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    httpx_mock.add_response(url=RUNS_URL, json={"evaluation_runs": [_run(1), _run(2)]})
    async with _stream_client() as client:
        runs = await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE)
    assert isinstance(runs, list)
    assert [run.run_name for run in runs] == ["run-1", "run-2"]
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_list_evaluation_runs_follows_next_links(httpx_mock: HTTPXMock, anyio_backend: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        query = parse_qs(urlsplit(str(request.url)).query)
        page = int(query.get("page", ["1"])[0])
        assert query.get("evaluation_test_case_version") == ["2"]
        body: dict[str, Any] = {"evaluation_runs": [_run(2 * page - 1), _run(2 * page)]}
        if page < 3:
            body["links"] = {"pages": {"next": f"{RUNS_URL}?evaluation_test_case_version=2&page={page + 1}"}}
        return httpx.Response(200, json=body)

    httpx_mock.add_callback(answer, is_reusable=True)
    async with _stream_client() as client:
        runs = await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE, evaluation_test_case_version=2)
    assert [run.run_name for run in runs] == [f"run-{n}" for n in range(1, 7)]
    assert len(httpx_mock.get_requests()) == 3
