"""The blocking facade: one background loop, usable from any thread (and from inside a running loop)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import math
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import trio
from pytest_httpx import HTTPXMock

from gradient_evals import GradientEvals, InternalServerError, NotFoundError, RetryPolicy, SyncPager
from gradient_evals.types import EvaluationPrompt, ResultsPage

BASE = "https://api.test"
TOKEN = "tok-sync"
LOOP_THREAD = "gradient-evals-loop"


def _uuid(n: int) -> str:
    return f"7a6b5c4d-3e2f-4a1b-8c9d-{n:012d}"


RUN = _uuid(1)


def _sync_client(max_retries: int = 2) -> GradientEvals:
    return GradientEvals(
        TOKEN,
        base_url=BASE,
        retry=RetryPolicy(max_retries=max_retries, initial_backoff=0, max_backoff=0, jitter=False),
    )


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == LOOP_THREAD]


class _RunsServer:
    """Serves ``GET .../evaluation_runs/{uuid}`` and its paged ``/results`` for any run; prompt ids encode the run.

    Prompt ``k`` of run number ``r`` has id ``r * 10_000 + k``. Records every request, thread-safely.
    """

    def __init__(self, prompts: int, *, failures: dict[int, int] | None = None) -> None:
        self.prompts = prompts
        self.failures = dict(failures or {})
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    @staticmethod
    def expected(run: int, prompts: int) -> list[int]:
        return [run * 10_000 + k for k in range(1, prompts + 1)]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        parts = request.url.path.split("/")  # ['', 'v2', 'gen-ai', 'evaluation_runs', uuid, ('results')]
        run_uuid = parts[4]
        run = int(run_uuid.rsplit("-", 1)[1])
        record = {"evaluation_run_uuid": run_uuid, "run_name": f"run-{run}", "status": "EVALUATION_RUN_SUCCESSFUL"}
        if len(parts) == 5:
            return httpx.Response(200, json={"evaluation_run": record})
        query = parse_qs(request.url.query.decode())
        page = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["20"])[0])
        with self._lock:
            remaining = self.failures.get(page, 0)
            if remaining:
                self.failures[page] = remaining - 1
        if remaining:
            return httpx.Response(503, json={"id": "service_unavailable", "message": "busy"})
        pages = max(1, math.ceil(self.prompts / per_page))
        ids = [run * 10_000 + k for k in range((page - 1) * per_page + 1, min(page * per_page, self.prompts) + 1)]
        links = {"next": f"{BASE}{request.url.path}?page={page + 1}&per_page={per_page}"} if page < pages else {}
        return httpx.Response(
            200,
            json={
                "evaluation_run": record,
                "prompts": [{"prompt_id": i} for i in ids],
                "meta": {"page": page, "pages": pages, "total": self.prompts},
                "links": {"pages": links},
            },
        )

    def result_pages(self) -> list[int]:
        return [
            int(parse_qs(r.url.query.decode()).get("page", ["1"])[0])
            for r in self.requests
            if r.url.path.endswith("/results")
        ]


@pytest.fixture
def runs_server(httpx_mock: HTTPXMock) -> _RunsServer:
    server = _RunsServer(prompts=45)
    httpx_mock.add_callback(server, is_reusable=True, is_optional=True)
    return server


@pytest.fixture
def sync_client() -> Iterator[GradientEvals]:
    with _sync_client() as client:
        yield client


def _count_hops(client: GradientEvals) -> list[str]:
    """Wrap the loop thread's ``call`` so every crossing into the loop is recorded."""
    loop = client._loop
    hops: list[str] = []
    original: Callable[..., Any] = loop.call

    def counting(func: Callable[..., Any], *args: Any) -> Any:
        hops.append(getattr(func, "__name__", repr(func)))
        return original(func, *args)

    loop.call = counting  # type: ignore[method-assign]
    return hops


# -- calls -----------------------------------------------------------------------------------------------------


def test_calls_from_the_main_thread(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    run = sync_client.evaluation_runs.retrieve(RUN)
    assert run.evaluation_run_uuid == RUN
    assert run.is_successful
    assert [p.prompt_id for p in sync_client.evaluation_runs.iter_results(RUN, per_page=10)] == _RunsServer.expected(
        1, 45
    )


def test_calls_from_a_plain_thread(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["run"] = sync_client.evaluation_runs.retrieve(_uuid(3))
            outcome["ids"] = [p.prompt_id for p in sync_client.evaluation_runs.iter_results(_uuid(3), per_page=7)]
        except BaseException as exc:  # surfaced to the test below
            outcome["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert "error" not in outcome
    assert outcome["run"].run_name == "run-3"
    assert outcome["ids"] == _RunsServer.expected(3, 45)


def test_calls_from_eight_threads_at_once(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    barrier = threading.Barrier(8)

    def work(n: int) -> tuple[str | None, list[int | None]]:
        barrier.wait(timeout=5)
        run = sync_client.evaluation_runs.retrieve(_uuid(n))
        ids = [p.prompt_id for p in sync_client.evaluation_runs.iter_results(_uuid(n), per_page=5, prefetch=3)]
        return run.run_name, ids

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(1, 9)))
    assert results == [(f"run-{n}", _RunsServer.expected(n, 45)) for n in range(1, 9)]
    assert len(runs_server.requests) == 8 * (1 + 9)


@pytest.mark.parametrize("runner", ["asyncio", "trio"])
def test_calls_from_inside_a_running_event_loop(
    runs_server: _RunsServer, sync_client: GradientEvals, runner: str
) -> None:
    async def notebook_cell() -> tuple[str | None, list[int | None]]:
        # A blocking call straight from a coroutine, as in a notebook: it must neither fail nor deadlock.
        run = sync_client.evaluation_runs.retrieve(RUN)
        ids = [p.prompt_id for p in sync_client.evaluation_runs.iter_results(RUN, per_page=20)]
        return run.evaluation_run_uuid, ids

    result = asyncio.run(notebook_cell()) if runner == "asyncio" else trio.run(notebook_cell)
    assert result == (RUN, _RunsServer.expected(1, 45))


def test_errors_cross_the_facade_typed(httpx_mock: HTTPXMock, sync_client: GradientEvals) -> None:
    httpx_mock.add_response(status_code=404, json={"id": "not_found", "message": "no such run"})
    with pytest.raises(NotFoundError, match="no such run") as caught:
        sync_client.evaluation_runs.retrieve(RUN)
    assert caught.value.status_code == 404


def test_exhausted_retries_mid_stream_name_the_page(httpx_mock: HTTPXMock) -> None:
    server = _RunsServer(prompts=45, failures={2: 100})
    httpx_mock.add_callback(server, is_reusable=True)
    seen: list[int | None] = []
    with _sync_client(max_retries=1) as client:
        pager = client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=1)
        with pytest.raises(InternalServerError, match="page 2") as caught:
            seen.extend(p.prompt_id for p in pager)
    assert caught.value.page == 2
    assert seen == _RunsServer.expected(1, 10)


def test_one_connection_pool_for_every_call(
    runs_server: _RunsServer, sync_client: GradientEvals, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[int] = []
    send = httpx.AsyncClient.send

    async def recording_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        used.append(id(self))
        return await send(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", recording_send)
    pool = sync_client.async_client._transport.http_client
    for _ in range(3):
        sync_client.evaluation_runs.retrieve(RUN)
    list(sync_client.evaluation_runs.iter_results(RUN, per_page=10))
    assert sync_client.async_client._transport.http_client is pool
    assert len(used) == 3 + 5
    assert set(used) == {id(pool)}


# -- the stream ------------------------------------------------------------------------------------------------


def test_iter_results_crosses_threads_once_per_page(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    hops = _count_hops(sync_client)
    pager = sync_client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=2)
    assert isinstance(pager, SyncPager)
    prompts = list(pager)
    assert all(isinstance(p, EvaluationPrompt) for p in prompts)
    assert [p.prompt_id for p in prompts] == _RunsServer.expected(1, 45)
    pages = 9
    assert sorted(runs_server.result_pages()) == list(range(1, pages + 1))
    # One hop per page, one to learn the stream has ended, one to close it: never one per prompt.
    assert hops.count("_next_page") == pages + 1
    assert len(hops) <= pages + 2


def test_sync_pages_yields_results_pages(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    pages = list(sync_client.evaluation_runs.iter_results(RUN, per_page=20).pages())
    assert all(isinstance(page, ResultsPage) for page in pages)
    assert [page.meta.page for page in pages] == [1, 2, 3]
    assert [len(page.prompts) for page in pages] == [20, 20, 5]
    assert all(page.evaluation_run is not None for page in pages)


@pytest.mark.parametrize("prefetch", [1, 4])
def test_early_break_and_close_stop_fetching(
    runs_server: _RunsServer, sync_client: GradientEvals, prefetch: int
) -> None:
    pager = sync_client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=prefetch)
    for prompt in pager:
        if prompt.prompt_id == _RunsServer.expected(1, 7)[-1]:  # on page 2
            break
    pager.close()
    fetched = len(runs_server.requests)
    sync_client.evaluation_runs.retrieve(RUN)  # a round trip through the loop: anything pending would have run
    assert len(runs_server.requests) == fetched + 1
    # The caller took page 2; the loop thread may have fetched ahead of it, never more than `prefetch` pages.
    assert 2 <= fetched <= 2 + (prefetch if prefetch > 1 else 0)
    with pytest.raises(StopIteration):
        next(pager)


def test_with_block_on_the_pager_closes_it(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    with sync_client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=1) as pager:
        assert next(pager).prompt_id == _RunsServer.expected(1, 1)[0]
    assert len(runs_server.requests) == 1
    with pytest.raises(StopIteration):
        next(pager)


def test_with_block_on_the_pages_closes_them(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    with sync_client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=1).pages() as pages:
        assert [p.prompt_id for p in next(pages).prompts] == _RunsServer.expected(1, 5)
    sync_client.evaluation_runs.retrieve(RUN)  # a round trip through the loop: anything pending would have run
    assert runs_server.result_pages() == [1]
    assert list(pages) == []
    pages.close()  # closing twice is harmless


def test_a_pager_outliving_its_client_is_collected_quietly(runs_server: _RunsServer) -> None:
    client = _sync_client()
    pager = client.evaluation_runs.iter_results(RUN, per_page=5)
    assert next(pager).prompt_id == _RunsServer.expected(1, 1)[0]
    client.close()
    unraisable: list[Any] = []
    previous = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        del pager
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert unraisable == []


# -- lifetime --------------------------------------------------------------------------------------------------


def test_close_stops_the_loop_thread(runs_server: _RunsServer) -> None:
    client = _sync_client()
    thread = client._loop._thread
    assert thread in _loop_threads()
    client.evaluation_runs.retrieve(RUN)
    client.close()
    assert client.is_closed
    assert thread not in threading.enumerate()
    client.close()  # idempotent
    with pytest.raises(RuntimeError):
        client.evaluation_runs.retrieve(RUN)


def test_leaving_the_with_block_stops_the_loop_thread(runs_server: _RunsServer) -> None:
    before = len(_loop_threads())
    with _sync_client() as client:
        thread = client._loop._thread
        list(client.evaluation_runs.iter_results(RUN, per_page=20))
        assert len(_loop_threads()) == before + 1
    assert not thread.is_alive()
    assert thread not in threading.enumerate()
    assert len(_loop_threads()) == before


def test_a_forgotten_client_does_not_leave_its_thread() -> None:
    before = len(_loop_threads())
    client = _sync_client()
    thread = weakref.ref(client._loop._thread)
    gone = weakref.ref(client)
    del client
    gc.collect()
    assert gone() is None
    alive = thread()
    if alive is not None:
        alive.join(timeout=5)
        assert not alive.is_alive()
    assert len(_loop_threads()) == before


def test_a_process_that_never_closes_its_client_exits_promptly() -> None:
    script = textwrap.dedent(
        """
        import httpx
        from gradient_evals import GradientEvals

        def answer(request):
            return httpx.Response(200, json={"evaluation_run": {"evaluation_run_uuid": "x", "run_name": "r"}})

        client = GradientEvals(
            "tok", base_url="https://api.test", http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer))
        )
        run = client.evaluation_runs.retrieve("7a6b5c4d-3e2f-4a1b-8c9d-000000000001")
        assert run.run_name == "r"
        print("done")
        """
    )
    finished = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "done"
    assert finished.stderr == ""


def test_breaking_out_of_a_temporary_pager_stops_fetching(runs_server: _RunsServer, sync_client: GradientEvals) -> None:
    hops = _count_hops(sync_client)
    for prompt in sync_client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=1):
        if prompt.prompt_id == _RunsServer.expected(1, 7)[-1]:
            break
    # Two pages crossed to the caller; the pager was dropped at the break and its stream closed on the loop
    # right away (leaving the stream's scope), without another page crossing or a request.
    assert hops == ["_next_page", "_next_page"]
    fetched = len(runs_server.requests)
    sync_client.evaluation_runs.retrieve(RUN)
    assert len(runs_server.requests) == fetched + 1
    assert runs_server.result_pages() == [1, 2]


def test_the_next_pages_are_fetched_while_the_caller_works(
    runs_server: _RunsServer, sync_client: GradientEvals
) -> None:
    prefetch = 3
    for prompt in sync_client.evaluation_runs.iter_results(RUN, per_page=5, prefetch=prefetch):
        assert prompt.prompt_id == _RunsServer.expected(1, 1)[0]
        # The caller is still on its first prompt; the loop thread fetches the next pages meanwhile.
        deadline = time.monotonic() + 30  # a hang guard, not a timing expectation
        while set(runs_server.result_pages()) < {1, 2, 3, 4} and time.monotonic() < deadline:
            time.sleep(0.005)
        assert set(runs_server.result_pages()) >= {1, 2, 3, 4}
        assert max(runs_server.result_pages()) <= 1 + prefetch
        break


# -- page counts the server makes up ---------------------------------------------------------------------------

_CLAIMING_SERVER = textwrap.dedent(
    """
    import json, resource, sys
    import anyio, httpx
    from gradient_evals import AsyncGradientEvals, GradientEvals, PaginationError

    mode, prompts = sys.argv[1], sys.argv[2]
    RUN = "7a6b5c4d-3e2f-4a1b-8c9d-000000000001"
    # A failing stream must fail here rather than take the machine's memory: 1 GiB more address space at most.
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + (1 << 30), resource.RLIM_INFINITY))

    def answer(request):
        page = int(request.url.params.get("page", "1"))
        if prompts == "repeated":  # the same three prompts, without ids, on every page
            items = [{"input": f"q{k}"} for k in range(3)]
        elif prompts == "repeated-ids":
            items = [{"prompt_id": k, "input": f"q{k}"} for k in range(1, 4)]
        else:  # "endless": new prompts, without ids, on every page, for ever
            items = [{"input": f"q{page}-{k}"} for k in range(3)]
        meta = {"page": page, "pages": 10**9}  # echoes the page asked for; claims a billion pages
        return httpx.Response(200, json={"prompts": items, "meta": meta})

    def transport():
        return httpx.AsyncClient(transport=httpx.MockTransport(answer))

    PAGES_READ = 2_000  # how far a reader goes into an endless listing before it stops
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome, read = "ended", 0
    try:
        if mode == "blocking":
            with GradientEvals("tok", base_url="https://api.test", http_client=transport()) as client:
                for page in client.evaluation_runs.iter_results(RUN, per_page=3).pages():
                    read += 1
                    if read == PAGES_READ:
                        break
        else:  # "asyncio" or "trio": the scoped stream; "plain": async for over iter_results
            async def main():
                global read
                async with (
                    AsyncGradientEvals("tok", base_url="https://api.test", http_client=transport()) as client,
                    client.evaluation_runs.stream_results(RUN, per_page=3) as stream,
                ):
                    pages = client.evaluation_runs.iter_results(RUN, per_page=3).pages() if mode == "plain" else (
                        stream.pages()
                    )
                    async for page in pages:
                        read += 1
                        if read == PAGES_READ:
                            break
            anyio.run(main, backend="asyncio" if mode == "plain" else mode)
    except PaginationError as exc:
        outcome = f"PaginationError at page {exc.page}"
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"outcome": outcome, "read": read, "growth_kib": growth}))
    """
)


@pytest.mark.parametrize("mode", ["blocking", "asyncio", "trio", "plain"])
@pytest.mark.parametrize(
    ("prompts", "outcome", "read"),
    [
        ("repeated", "PaginationError at page 2", 1),
        ("repeated-ids", "PaginationError at page 2", 1),
        ("endless", "ended", 2_000),
    ],
)
def test_a_claimed_page_count_costs_nothing_per_claimed_page(mode: str, prompts: str, outcome: str, read: int) -> None:
    """``meta`` claims a billion pages and echoes the page asked for: the stream holds its window and no more, and
    it ends (with a typed error when the pages repeat) or runs as long as its reader wants without growing."""
    finished = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CLAIMING_SERVER, mode, prompts],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard only
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout)
    assert (result["outcome"], result["read"]) == (outcome, read)
    # Peak RSS: a window of pages is a few hundred KiB; 64 MiB leaves room for the interpreter's own noise.
    assert result["growth_kib"] < 64 * 1024, result
