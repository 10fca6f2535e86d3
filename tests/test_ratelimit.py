"""The rate-limit pacer: one budget per client, spread out when it runs low, never held past a deadline.

The pacer runs here on a simulated clock: its sleeps advance the clock instead of waiting, so the tests check
what it decides (how long it holds which request) without depending on the machine's speed.
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
from collections.abc import Callable

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import (
    AsyncGradientEvals,
    GradientEvals,
    RateLimitError,
    RateLimitPolicy,
    RateLimitState,
    RetryPolicy,
)
from gradient_evals._pacer import Pacer, background_requests
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationRun

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
RUN_URL = f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}"
RUN_BODY = {"evaluation_run": {"evaluation_run_uuid": RUN, "status": "EVALUATION_RUN_SUCCESSFUL"}}
WALL = 1_750_000_000  # the simulated wall clock at monotonic 0


class SimClock:
    """A monotonic and a wall clock that move only when the pacer sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return WALL + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.sleep(0)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def make_pacer(clock: SimClock) -> Callable[..., Pacer]:
    def build(policy: RateLimitPolicy | None = RateLimitPolicy()) -> Pacer:  # noqa: B008 - immutable
        return Pacer(policy, clock=clock.monotonic, wall=clock.time, sleep=clock.sleep)

    return build


def answer(
    clock: SimClock,
    *,
    remaining: int,
    reset_in: int,
    limit: int = 30,
    status: int = 200,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    """A response carrying the rate-limit headers as the API sends them (the reset as an epoch second)."""
    headers = {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(int(clock.time()) + reset_in),
        **(extra or {}),
    }
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", f"{BASE}/v2/gen-ai/x"))


async def send(pacer: Pacer, timeout: float | None = None, *, background: bool = False) -> int:
    if background:
        with background_requests():
            return await pacer.acquire("GET", "/v2/gen-ai/x", timeout)
    return await pacer.acquire("GET", "/v2/gen-ai/x", timeout)


# -- the budget is plentiful ---------------------------------------------------------------------------------


async def test_a_plentiful_budget_never_holds_a_request(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    for remaining in range(5000, 4000, -1):
        ticket = await send(pacer, background=True)
        pacer.observe(ticket, answer(clock, remaining=remaining, reset_in=3600, limit=5000))
    assert clock.sleeps == []
    state = pacer.state()
    assert state is not None
    assert (state.limit, state.remaining, state.spacing, state.holding) == (5000, 4001, 0.0, 0.0)


async def test_nothing_is_known_before_the_first_answer(make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    assert pacer.state() is None
    assert pacer.allowance(8) == 8


# -- the budget runs low -------------------------------------------------------------------------------------


async def test_background_requests_are_spread_over_the_time_to_the_reset(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer()  # limit 30: a reserve of 2 (5%, rounded up); requests are planned from 4 left
    pacer.observe(await send(pacer), answer(clock, remaining=4, reset_in=10))
    start = clock.now
    # 4 left, 2 of them the reserve: two background requests share the 10 s to the reset.
    await send(pacer, background=True)
    await send(pacer, background=True)
    assert clock.now - start == pytest.approx(5.0)  # the first went at once, the second 5 s later
    # Only the reserve is left: the next one waits for the window to move on.
    await send(pacer, background=True)
    assert clock.now - start >= 10.0
    assert sum(clock.sleeps) == pytest.approx(clock.now - start)


async def test_interactive_calls_may_spend_the_reserve(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=2, reset_in=40))
    await send(pacer)
    await send(pacer)
    assert clock.sleeps == []  # the reserve is theirs
    await send(pacer)  # nothing at all is left: even an interactive call waits for the reset
    assert sum(clock.sleeps) == pytest.approx(40.0)


async def test_background_requests_leave_the_reserve_alone(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=2, reset_in=40))
    await send(pacer, background=True)
    assert sum(clock.sleeps) == pytest.approx(40.0)


async def test_answers_that_arrive_out_of_order_do_not_raise_the_estimate(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=20, reset_in=30))
    tickets = [await send(pacer) for _ in range(10)]
    # The server counted them in order (19 ... 10 left); the answers come back newest first.
    for ticket, remaining in zip(reversed(tickets), range(10, 20), strict=True):
        pacer.observe(ticket, answer(clock, remaining=remaining, reset_in=30))
        state = pacer.state()
        assert state is not None
        assert state.estimated_remaining is not None
        assert state.estimated_remaining <= 10


async def test_requests_in_flight_are_counted_against_the_budget(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer()
    first = await send(pacer)
    in_flight = [await send(pacer) for _ in range(5)]  # sent before any answer came back
    pacer.observe(first, answer(clock, remaining=20, reset_in=30))
    state = pacer.state()
    assert state is not None
    assert state.estimated_remaining == 20 - len(in_flight)


async def test_the_window_moving_on_restores_the_budget(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=5))
    ticket = await send(pacer)  # waits for the reset, then goes to find out
    assert sum(clock.sleeps) == pytest.approx(5.0)
    pacer.observe(ticket, answer(clock, remaining=29, reset_in=10))
    clock.sleeps.clear()
    for _ in range(20):
        await send(pacer, background=True)
    assert clock.sleeps == []


async def test_prefetch_shrinks_to_what_the_budget_allows(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=10, reset_in=10))
    assert pacer.allowance(8) == 6  # 10 left, planned one by one from 4
    assert pacer.allowance(3) == 3
    pacer.observe(await send(pacer), answer(clock, remaining=3, reset_in=10))
    assert pacer.allowance(8) == 1
    assert make_pacer(None).allowance(8) == 8


# -- the server refuses --------------------------------------------------------------------------------------


async def refused(pacer: Pacer, clock: SimClock, retry_after: str) -> int:
    """A request the server refuses with a 429 and ``Retry-After``; returns the ticket of its retry, if sent."""
    ticket = await send(pacer)
    pacer.observe(
        ticket, answer(clock, remaining=100, reset_in=60, limit=250, status=429, extra={"Retry-After": retry_after})
    )
    return await send(pacer)  # the client's retry, in the same task, after waiting what the server asked


async def test_retry_after_holds_every_other_request_until_then(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer()
    async with anyio.create_task_group() as group:
        group.start_soon(refused, pacer, clock, "3")
    assert clock.sleeps == []  # the retry itself is not held again: the client's retry layer waited already
    await send(pacer)  # another task's request
    assert clock.sleeps == [pytest.approx(3.0)]


async def test_an_answer_after_the_quiet_began_ends_it(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    retry: list[int] = []

    async def refused_then_retried() -> None:
        retry.append(await refused(pacer, clock, "3"))

    async with anyio.create_task_group() as group:
        group.start_soon(refused_then_retried)
    pacer.observe(retry[0], answer(clock, remaining=99, reset_in=60, limit=250))
    await send(pacer)
    assert clock.sleeps == []


# -- deadlines -----------------------------------------------------------------------------------------------


async def test_a_hold_longer_than_the_requests_timeout_raises_instead(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=30))
    with pytest.raises(RateLimitError) as info:
        await send(pacer, timeout=5.0)
    assert clock.sleeps == []
    assert info.value.retry_after == pytest.approx(30.0)
    assert "30.0 s" in str(info.value)
    assert "timeout of 5 s" in str(info.value)


async def test_a_hold_longer_than_max_wait_raises_instead(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer(RateLimitPolicy(max_wait=10))
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=30))
    with pytest.raises(RateLimitError, match="max_wait of 10 s"):
        await send(pacer, timeout=None)
    assert clock.sleeps == []


async def test_a_hold_past_the_callers_deadline_raises_instead(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=30))
    with anyio.fail_after(20), pytest.raises(RateLimitError, match="the caller's deadline"):
        await send(pacer, timeout=None)
    assert clock.sleeps == []


# -- the client's own ceiling, and no pacing -----------------------------------------------------------------


async def test_max_requests_per_minute_is_the_clients_own_ceiling(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer(RateLimitPolicy(max_requests_per_minute=3))
    start = clock.now
    for _ in range(3):
        await send(pacer)
    assert clock.sleeps == []
    await send(pacer)
    assert clock.now - start == pytest.approx(60.0)


async def test_without_pacing_nothing_is_held_but_the_state_is_kept(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer(None)
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=30))
    await send(pacer)
    assert clock.sleeps == []
    state = pacer.state()
    assert state is not None
    assert (state.remaining, state.pacing) == (0, False)
    assert "pacing off" in str(state)


# -- explaining itself ---------------------------------------------------------------------------------------


async def test_the_state_explains_what_the_pacer_is_doing(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=4, reset_in=10))
    state = pacer.state()
    assert state is not None
    assert (state.limit, state.remaining, state.reserve) == (30, 4, 2)
    assert state.reset == int(clock.time()) + 10
    assert state.reset_in == pytest.approx(10.0)
    assert state.spacing == pytest.approx(10.0 / 2)  # 2 requests above the reserve share 10 s
    text = str(state)
    assert "limit 30" in text
    assert "4 remaining" in text
    assert "2 kept in reserve" in text


async def test_pacing_is_logged_at_debug(
    clock: SimClock, make_pacer: Callable[..., Pacer], caplog: pytest.LogCaptureFixture
) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=7))
    with caplog.at_level(logging.DEBUG, logger="gradient_evals"):
        await send(pacer)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("rate limit: holding GET /v2/gen-ai/x for 7.00 s" in m for m in messages), messages


async def test_the_reset_is_read_on_the_servers_clock(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    server_now = clock.time() + 300  # the server's clock is five minutes ahead of ours
    date = email.utils.formatdate(server_now, usegmt=True)
    headers = {"ratelimit-limit": "30", "ratelimit-remaining": "0", "ratelimit-reset": str(int(server_now) + 10)}
    headers["date"] = date
    pacer.observe(await send(pacer), httpx.Response(200, headers=headers, request=httpx.Request("GET", BASE)))
    state = pacer.state()
    assert state is not None
    assert state.reset_in is not None
    assert 9.0 <= state.reset_in <= 11.0  # not 310 s: the Date header tells the skew
    assert abs(pacer.server_time() - server_now) <= 1.0


def dated(clock: SimClock, *, server_now: float, remaining: int, reset_in: int) -> httpx.Response:
    """An answer whose ``Date`` says ``server_now`` and whose reset is ``reset_in`` s after it."""
    headers = {
        "ratelimit-limit": "30",
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(int(server_now) + reset_in),
        "date": email.utils.formatdate(server_now, usegmt=True),
    }
    return httpx.Response(200, headers=headers, request=httpx.Request("GET", BASE))


async def test_the_skew_is_measured_once(clock: SimClock, make_pacer: Callable[..., Pacer]) -> None:
    pacer = make_pacer()
    pacer.observe(await send(pacer), dated(clock, server_now=clock.time() + 120, remaining=29, reset_in=10))
    for drift in (-300, 500, 90):  # later Dates that wander do not move the server's clock
        pacer.observe(await send(pacer), dated(clock, server_now=clock.time() + drift, remaining=29, reset_in=10))
    assert pacer.server_time() == pytest.approx(clock.time() + 120, abs=1.0)
    assert pacer.clock_offsets() == pytest.approx((0.0, 120.0), abs=1.0)


async def test_a_skew_beyond_the_bound_is_not_believed(
    clock: SimClock, make_pacer: Callable[..., Pacer], caplog: pytest.LogCaptureFixture
) -> None:
    pacer = make_pacer()
    behind = clock.time() - 22 * 3600
    with caplog.at_level(logging.WARNING, logger="gradient_evals"):
        # 22 h behind, and the reset 3 s away by the true clock.
        pacer.observe(await send(pacer), dated(clock, server_now=behind, remaining=0, reset_in=22 * 3600 + 3))
    assert pacer.server_time() == pytest.approx(clock.time())
    assert pacer.clock_offsets() == pytest.approx((0.0, -22 * 3600.0), abs=1.0)  # still known to recovery
    assert any("not believed" in r.getMessage() for r in caplog.records)
    await send(pacer)
    assert sum(clock.sleeps) <= 4.0  # held until the true reset, not for 22 h


async def test_a_reset_hours_away_holds_no_request_past_max_wait(
    clock: SimClock, make_pacer: Callable[..., Pacer]
) -> None:
    pacer = make_pacer(RateLimitPolicy(max_wait=10))
    pacer.observe(await send(pacer), answer(clock, remaining=0, reset_in=22 * 3600))
    state = pacer.state()
    assert state is not None
    assert state.spacing <= 10.0  # a wait() polls no slower than max_wait either
    with pytest.raises(RateLimitError) as info:
        await send(pacer)
    assert clock.sleeps == []
    assert info.value.retry_after is not None
    assert info.value.retry_after <= 10.0
    clock.now += 10.0  # max_wait has passed: the next request goes to the server to ask again
    ticket = await send(pacer)
    assert clock.sleeps == []
    # The server still says 22 h: believed again for max_wait only, read from this answer (not kept from the first).
    pacer.observe(ticket, answer(clock, remaining=0, reset_in=22 * 3600))
    with pytest.raises(RateLimitError) as info:
        await send(pacer, background=True)
    assert info.value.retry_after is not None
    assert 9.0 <= info.value.retry_after <= 10.0
    clock.now += 10.0
    pacer.observe(await send(pacer), answer(clock, remaining=29, reset_in=60))  # the window did move on
    for _ in range(10):
        await send(pacer, background=True)
    assert clock.sleeps == []


# -- through the client --------------------------------------------------------------------------------------


def test_options_are_checked_before_any_request() -> None:
    with pytest.raises(TypeError, match="rate_limit"):
        AsyncGradientEvals(access_token="t", rate_limit="fast")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reserve"):
        RateLimitPolicy(reserve=1.5)
    with pytest.raises(ValueError, match="max_wait"):
        RateLimitPolicy(max_wait=-1)
    with pytest.raises(ValueError, match="max_requests_per_minute"):
        RateLimitPolicy(max_requests_per_minute=0)


async def test_a_request_the_budget_cannot_allow_in_time_is_not_sent(
    make_client: Callable[..., AsyncGradientEvals], httpx_mock: HTTPXMock
) -> None:
    reset = int(time.time()) + 120
    httpx_mock.add_response(
        url=RUN_URL,
        json=RUN_BODY,
        headers={"ratelimit-limit": "250", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
    )
    async with make_client() as client:
        await client.evaluation_runs.retrieve(RUN)
        with pytest.raises(RateLimitError) as info:
            await client.evaluation_runs.retrieve(RUN, timeout=2)
        state = client.rate_limit
    assert len(httpx_mock.get_requests()) == 1  # neither sent nor retried
    assert info.value.retry_after is not None
    # The reset is 120 s away by the server's clock, which is believed for max_wait (60 s) at most.
    assert 2 < info.value.retry_after <= RateLimitPolicy().max_wait
    assert re.search(r"held it for 1[12]\d\.\d s", str(info.value))
    assert "timeout of 2 s" in str(info.value)
    assert "asked again" in str(info.value)
    assert isinstance(state, RateLimitState)
    assert (state.limit, state.remaining, state.reset) == (250, 0, reset)


async def test_rate_limit_none_sends_regardless(
    make_client: Callable[..., AsyncGradientEvals], httpx_mock: HTTPXMock
) -> None:
    headers = {"ratelimit-limit": "250", "ratelimit-remaining": "0", "ratelimit-reset": str(int(time.time()) + 120)}
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY, headers=headers, is_reusable=True)
    async with make_client(rate_limit=None) as client:
        await client.evaluation_runs.retrieve(RUN)
        await client.evaluation_runs.retrieve(RUN, timeout=2)
        assert client.rate_limit is not None
        assert not client.rate_limit.pacing
    assert len(httpx_mock.get_requests()) == 2


def test_the_blocking_clients_threads_share_one_budget(httpx_mock: HTTPXMock) -> None:
    counter = iter(range(1000, 0, -1))
    lock = threading.Lock()

    def respond(request: httpx.Request) -> httpx.Response:
        with lock:
            remaining = next(counter)
        headers = {"ratelimit-limit": "1000", "ratelimit-remaining": str(remaining), "ratelimit-reset": "0"}
        return httpx.Response(200, json=RUN_BODY, headers=headers)

    httpx_mock.add_callback(respond, url=RUN_URL, is_reusable=True)
    with GradientEvals(access_token="t") as client:

        def work() -> None:
            for _ in range(5):
                client.evaluation_runs.retrieve(RUN)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state = client.rate_limit
    assert len(httpx_mock.get_requests()) == 20
    assert state is not None
    assert state.estimated_remaining is not None
    # One budget saw all 20 answers: the lowest count the server gave (981) bounds what the client counts on.
    assert state.estimated_remaining <= 1000 - 20 + 1


# -- against the emulator, with a limit enforced ---------------------------------------------------------------

AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


async def test_three_streams_and_a_wait_finish_within_a_limit_they_exceed_together() -> None:
    # 20 requests in any 2 s: three streams of 10 pages, a create and a wait's polls need half as much again.
    with FakeGradientServer(seed=3, rate_limit=(20, 2.0), run_duration=1.0) as server:
        runs = [server.add_run(prompts=500) for _ in range(3)]
        test_case = server.add_test_case(prompts=5)
        retry = RetryPolicy(max_retries=8, initial_backoff=0, max_backoff=0, jitter=False)
        got: dict[str, list[int]] = {}
        finished: list[EvaluationRun] = []
        async with AsyncGradientEvals(access_token=server.token, base_url=server.base_url, retry=retry) as client:
            created = await client.evaluation_runs.create(test_case_uuid=test_case, agent_uuids=[AGENT])

            async def stream(run_uuid: str) -> None:
                got[run_uuid] = [p.prompt_id async for p in client.evaluation_runs.iter_results(run_uuid, per_page=50)]

            async def wait() -> None:
                run_uuid = created.evaluation_run_uuids[0]
                finished.append(await client.evaluation_runs.wait(run_uuid, poll_interval=0.05, timeout=120))

            async with anyio.create_task_group() as group:
                for run_uuid in runs:
                    group.start_soon(stream, run_uuid)
                group.start_soon(wait)
        served = [r for r in server.requests if r.status != 429]
        refused = [r for r in server.requests if r.status == 429]
        expected = {run_uuid: server.prompt_ids(run_uuid) for run_uuid in runs}
    assert got == expected  # every prompt, once, in order
    assert finished[0].is_terminal
    assert len(served) > 30  # together they needed half as much again as one window allows
    assert len(refused) <= 2, [r.path for r in refused]


def test_the_emulator_enforces_a_sliding_window_with_the_apis_headers() -> None:
    with FakeGradientServer(rate_limit=(3, 30.0)) as server:
        run_uuid = server.add_run(prompts=1)
        url = server.url_for(f"/v2/gen-ai/evaluation_runs/{run_uuid}")
        auth = {"Authorization": f"Bearer {server.token}"}
        answers = [httpx.get(url, headers=auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["ratelimit-limit"] for a in answers} == {"3"}
    first = server.requests[0].time
    assert int(answers[0].headers["ratelimit-reset"]) >= first + 30  # when the oldest counted request expires
    assert "retry-after" not in answers[2].headers
    assert 1 <= int(answers[3].headers["retry-after"]) <= 30
