"""The blocking client under Ctrl-C, fork and close-from-a-callback; the async client under a second event loop.

Ctrl-C is a real SIGINT sent to the main thread from inside the call (a hook or the mock server runs on the
client's loop thread), and the hook waits until the main thread's handler has run: the interrupt arrives while
the call is in progress, every time, without any timing assumption.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
import httpx
import pytest
import trio
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, ClientStateError, GradientEvals, GradientEvalsError, RetryPolicy
from gradient_evals.testing import FakeGradientServer

BASE = "https://api.test"
RUN = "7a6b5c4d-3e2f-4a1b-8c9d-000000000001"
RUNS = f"{BASE}/v2/gen-ai/evaluation_runs"
NO_BACKOFF = RetryPolicy(initial_backoff=0, max_backoff=0, jitter=False)

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals reach the main thread only"
)


# -- Ctrl-C ----------------------------------------------------------------------------------------------------


class CtrlC:
    """Sends SIGINT to the main thread and waits until its handler has raised ``KeyboardInterrupt`` there."""

    def __init__(self) -> None:
        self.delivered = threading.Event()
        self.release = threading.Event()

    def _handler(self, signum: int, frame: Any) -> None:
        self.delivered.set()
        raise KeyboardInterrupt

    def press(self) -> None:
        """Called on the client's loop thread, while the main thread waits for the call."""
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        assert self.delivered.wait(30), "the main thread never handled the interrupt"

    async def press_and_stall(self) -> None:
        """For a page request: Ctrl-C while its answer is still awaited (until cancelled, or the test ends)."""
        self.press()
        await anyio.to_thread.run_sync(self.release.wait, abandon_on_cancel=True)


@pytest.fixture
def ctrl_c() -> Iterator[CtrlC]:
    keys = CtrlC()
    previous = signal.signal(signal.SIGINT, keys._handler)
    try:
        yield keys
    finally:
        keys.release.set()
        signal.signal(signal.SIGINT, previous)


def _page(request: httpx.Request, total: int) -> httpx.Response:
    query = parse_qs(request.url.query.decode())
    page, per_page = int(query["page"][0]), int(query["per_page"][0])
    pages = -(-total // per_page)
    ids = range((page - 1) * per_page + 1, min(page * per_page, total) + 1)
    return httpx.Response(
        200,
        json={
            "prompts": [{"prompt_id": i, "input": f"q{i}"} for i in ids],
            "meta": {"page": page, "pages": pages, "total": total},
            "links": {"pages": {}},
        },
    )


def _run(status: str) -> httpx.Response:
    return httpx.Response(200, json={"evaluation_run": {"evaluation_run_uuid": RUN, "status": status}})


class Server:
    """Answers the run and its results; records every request; ``on_request`` runs inside the request."""

    def __init__(self, total: int = 100, status: str = "EVALUATION_RUN_RUNNING") -> None:
        self.total = total
        self.status = status
        self.requests: list[httpx.Request] = []
        self.on_page: dict[int, Any] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not request.url.path.endswith("/results"):
            return _run(self.status)
        hook = self.on_page.get(int(parse_qs(request.url.query.decode())["page"][0]))
        if hook is not None:
            await hook()
        return _page(request, self.total)


@pytest.fixture
def server(httpx_mock: HTTPXMock) -> Server:
    srv = Server()
    httpx_mock.add_callback(srv, is_reusable=True, is_optional=True)
    return srv


@pytest.fixture
def client() -> Iterator[GradientEvals]:
    with GradientEvals("t", base_url=BASE, retry=NO_BACKOFF) as c:
        yield c


def loop_tasks(client: GradientEvals) -> int:
    """Tasks alive on the client's loop (its own service tasks included)."""
    return client._loop.call_sync(lambda: len(asyncio.all_tasks()))


def assert_nothing_keeps_running(client: GradientEvals, server: Server, tasks_before: int) -> None:
    """No task of the interrupted call is left, and the next request is the only new one."""
    assert loop_tasks(client) == tasks_before, "the interrupted call is still running on the loop"
    requests = len(server.requests)
    assert client.evaluation_runs.retrieve(RUN).evaluation_run_uuid == RUN, "the client is still usable"
    assert len(server.requests) == requests + 1


def test_ctrl_c_while_iterating_raises_keyboard_interrupt_and_stops_the_stream(
    server: Server, client: GradientEvals, ctrl_c: CtrlC
) -> None:
    server.on_page[3] = ctrl_c.press_and_stall
    tasks_before = loop_tasks(client)
    seen: list[int | None] = []
    prompts = client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=1)
    with pytest.raises(KeyboardInterrupt):
        seen.extend(prompt.prompt_id for prompt in prompts)
    assert seen == list(range(1, 21))
    assert [parse_qs(r.url.query.decode())["page"] for r in server.requests] == [["1"], ["2"], ["3"]]
    assert_nothing_keeps_running(client, server, tasks_before)


def _read_all(pages: Any) -> None:
    with pages:
        for _ in pages:
            pass


@pytest.mark.parametrize("prefetch", [1, 8])
def test_ctrl_c_while_iterating_pages_stops_them(
    server: Server, client: GradientEvals, ctrl_c: CtrlC, prefetch: int
) -> None:
    server.on_page[2] = ctrl_c.press_and_stall
    tasks_before = loop_tasks(client)
    with pytest.raises(KeyboardInterrupt):
        _read_all(client.evaluation_runs.iter_results(RUN, per_page=10, prefetch=prefetch).pages())
    assert_nothing_keeps_running(client, server, tasks_before)


def test_ctrl_c_during_wait_stops_polling(server: Server, client: GradientEvals, ctrl_c: CtrlC) -> None:
    tasks_before = loop_tasks(client)
    with pytest.raises(KeyboardInterrupt):
        client.evaluation_runs.wait(RUN, on_update=lambda run: ctrl_c.press(), timeout=3600, poll_interval=0.01)
    assert len(server.requests) == 1
    assert_nothing_keeps_running(client, server, tasks_before)


def test_ctrl_c_during_export_writes_no_file(
    server: Server, client: GradientEvals, ctrl_c: CtrlC, tmp_path: Path
) -> None:
    path = tmp_path / "results.jsonl"
    pressed: list[int] = []

    def progress(done: int, total: int | None) -> None:
        if not pressed:
            pressed.append(done)
            ctrl_c.press()

    tasks_before = loop_tasks(client)
    with pytest.raises(KeyboardInterrupt):
        client.evaluation_runs.export(RUN, path, per_page=10, on_progress=progress)
    assert pressed == [10]
    assert_nothing_keeps_running(client, server, tasks_before)
    assert list(tmp_path.iterdir()) == [], "neither the file nor its temporary file"


# -- close() from inside a callback ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["EVALUATION_RUN_SUCCESSFUL", "EVALUATION_RUN_RUNNING"])
def test_close_from_on_update_stops_the_thread_and_pool_once_the_call_returns(server: Server, status: str) -> None:
    client = GradientEvals("t", base_url=BASE, retry=NO_BACKOFF)
    thread = client._loop._thread
    closed_during: list[bool] = []

    def on_update(run: Any) -> None:
        if not closed_during:
            client.close()
            closed_during.append(client.is_closed)
        server.status = "EVALUATION_RUN_SUCCESSFUL"  # the next poll (if any) finds the run finished

    server.status = status
    run = client.evaluation_runs.wait(RUN, on_update=on_update, poll_interval=0.01)
    assert run.is_successful, "the call in progress completes"
    assert closed_during == [True]
    assert not thread.is_alive()
    assert client.async_client.is_closed
    assert client.async_client._transport.http_client.is_closed
    with pytest.raises(ClientStateError, match="closed"):
        client.evaluation_runs.retrieve(RUN)


def test_close_on_the_loop_thread_outside_any_call_still_stops_it(server: Server) -> None:
    """A finalizer the garbage collector happens to run on the loop thread."""
    client = GradientEvals("t", base_url=BASE, retry=NO_BACKOFF)
    thread = client._loop._thread
    client._loop.call_sync(client.close)
    thread.join(timeout=60)  # a bound for a regression, not a synchronisation: the close ends the thread
    assert not thread.is_alive()
    assert client.async_client.is_closed


def test_calling_the_blocking_client_from_its_own_callback_says_why_it_cannot(server: Server) -> None:
    errors: list[BaseException] = []

    with GradientEvals("t", base_url=BASE, retry=NO_BACKOFF) as client:

        def on_update(run: Any) -> None:
            try:
                client.evaluation_runs.retrieve(RUN)
            except GradientEvalsError as exc:
                errors.append(exc)

        server.status = "EVALUATION_RUN_SUCCESSFUL"
        client.evaluation_runs.wait(RUN, on_update=on_update)
    assert len(errors) == 1
    assert isinstance(errors[0], ClientStateError)
    assert "callback" in str(errors[0])


# -- fork --------------------------------------------------------------------------------------------------------

FORK_SCENARIO = textwrap.dedent(
    """
    import os, sys, warnings
    warnings.simplefilter("ignore")
    from gradient_evals import ClientStateError, GradientEvals

    base_url, token, run = sys.argv[1:4]
    mode = sys.argv[4]
    client = GradientEvals(token, base_url=base_url)
    client.evaluation_runs.retrieve(run)  # the pool and the loop are in use before the fork
    pid = os.fork()
    if pid == 0:
        if mode == "call":
            try:
                client.evaluation_runs.retrieve(run)
            except ClientStateError as exc:
                print("child: ClientStateError:", exc, flush=True)
            with GradientEvals(token, base_url=base_url) as fresh:
                print("child: a new client works:", fresh.evaluation_runs.retrieve(run).evaluation_run_uuid == run)
        sys.exit(0)  # a normal exit: the exit-time cleanup of the inherited client runs
    _, status = os.waitpid(pid, 0)
    print("parent: child exited with", os.waitstatus_to_exitcode(status), flush=True)
    print("parent: still works:", client.evaluation_runs.retrieve(run).evaluation_run_uuid == run, flush=True)
    client.close()
    """
)


def _run_isolated(args: list[str]) -> str:
    """Run the fork scenario in its own process group, so a hang fails the test instead of the suite."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, script and arguments
        [sys.executable, "-c", FORK_SCENARIO, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the forked scenario hung")
    assert process.returncode == 0, err
    return out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
@pytest.mark.parametrize("mode", ["exit", "call"])
def test_a_forked_child_gets_a_clear_error_and_never_hangs(mode: str) -> None:
    with FakeGradientServer(seed=1) as fake:
        run_uuid = fake.add_run(prompts=3)
        out = _run_isolated([fake.base_url, fake.token, run_uuid, mode])
    lines = out.splitlines()
    if mode == "call":
        assert lines[0].startswith("child: ClientStateError:")
        assert "create a new client in the child" in lines[0]
        assert lines[1] == "child: a new client works: True"
    assert lines[-2:] == ["parent: child exited with 0", "parent: still works: True"]


# -- the async client and event loops -------------------------------------------------------------------------


def test_the_async_client_refuses_a_second_event_loop_clearly() -> None:
    with FakeGradientServer(seed=2) as fake:
        run_uuid = fake.add_run(prompts=3)
        client = AsyncGradientEvals(fake.token, base_url=fake.base_url)

        async def use() -> str | None:
            return (await client.evaluation_runs.retrieve(run_uuid)).evaluation_run_uuid

        assert asyncio.run(use()) == run_uuid
        with pytest.raises(ClientStateError, match="another event loop"):
            asyncio.run(use())
        with pytest.raises(ClientStateError, match="another event loop"):
            trio.run(use)
        requests = len(fake.requests)
        assert requests == 1, "a refused call sends nothing"


def test_the_async_client_from_two_threads_with_their_own_loops() -> None:
    with FakeGradientServer(seed=2) as fake:
        run_uuid = fake.add_run(prompts=3)
        client = AsyncGradientEvals(fake.token, base_url=fake.base_url)
        results: dict[str, BaseException | str | None] = {}

        async def use(name: str) -> None:
            try:
                results[name] = (await client.evaluation_runs.retrieve(run_uuid)).evaluation_run_uuid
            except Exception as exc:
                results[name] = exc

        first = threading.Thread(target=asyncio.run, args=(use("first"),))
        first.start()
        first.join()
        second = threading.Thread(target=trio.run, args=(use, "second"))
        second.start()
        second.join()
    assert results["first"] == run_uuid
    assert isinstance(results["second"], ClientStateError)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_one_loop_many_calls_is_fine(backend: str) -> None:
    with FakeGradientServer(seed=2) as fake:
        run_uuid = fake.add_run(prompts=3)

        async def main() -> list[str | None]:
            async with AsyncGradientEvals(fake.token, base_url=fake.base_url) as client:
                return [(await client.evaluation_runs.retrieve(run_uuid)).evaluation_run_uuid for _ in range(3)]

        assert anyio.run(main, backend=backend) == [run_uuid] * 3
