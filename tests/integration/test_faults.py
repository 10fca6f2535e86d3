"""The SDK under a misbehaving network and service: nothing lost, nothing repeated, no duplicate runs.

Every test runs against the embedded emulator over real sockets, on asyncio and on trio. Faults are injected
with fixed seeds, so a failure reproduces.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from gradient_evals import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncGradientEvals,
    EvaluationRunTimeout,
    GradientEvals,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    RunCreationUnknownError,
)
from gradient_evals.testing import FakeGradientServer, Fault

pytestmark = pytest.mark.anyio

# A hundred pages, so about twenty faults a stream; small pages, because the faults hit requests, not prompts.
PROMPTS = 1_000
PER_PAGE = 10
FAULT_SHARE = 0.2
SEEDS = [1, 7, 2024]

_STREAM_FAULTS: list[Fault] = [
    Fault.rate_limited(retry_after=1),
    Fault.rate_limited(retry_after=None),
    Fault.status(500),
    Fault.html_error(502),
    Fault.status(503),
    Fault.reset(),
    Fault.truncated(),
]


def inject_mix(server: FakeGradientServer, faults: list[Fault], share: float, **match: Any) -> None:
    """Inject ``faults`` so that together they fire on about ``share`` of the matching requests.

    The first rule that decides to fire wins, so each gets the rate ``r`` with ``1 - (1 - r)**n == share``.
    """
    rate = 1 - (1 - share) ** (1 / len(faults))
    for fault in faults:
        server.inject(fault, rate=rate, **match)


async def drain(stream: Any, into: list[Any], on_item: Callable[[int], None] | None = None) -> None:
    """Read ``stream`` to its end (or its error), appending each prompt id to ``into``."""
    async for prompt in stream:
        into.append(prompt.prompt_id)
        if on_item is not None:
            on_item(len(into))


def no_backoff_retry(max_retries: int) -> RetryPolicy:
    return RetryPolicy(max_retries=max_retries, initial_backoff=0, max_backoff=0, jitter=False)


def fault_server(seed: int) -> FakeGradientServer:
    return FakeGradientServer(seed=seed, latency=0.0).start()


# -- streaming ----------------------------------------------------------------------------------------------


# Every seed on asyncio, one on trio: each case streams a hundred pages, and the suite must stay fast.
_BACKEND_SEEDS = [("asyncio", seed) for seed in SEEDS] + [("trio", SEEDS[0])]


@pytest.mark.parametrize("prefetch", [1, 8], ids=["prefetch=1", "prefetch=default"])
@pytest.mark.parametrize(("anyio_backend", "seed"), _BACKEND_SEEDS)
async def test_stream_under_faults_yields_every_prompt_once_in_order(
    seed: int, prefetch: int, retry_policy: Callable[..., Any], recorded_sleeps: Any
) -> None:
    with fault_server(seed) as server:
        run_uuid = server.add_run(prompts=PROMPTS)
        expected = server.prompt_ids(run_uuid)
        inject_mix(server, _STREAM_FAULTS, FAULT_SHARE)
        client = AsyncGradientEvals(
            access_token=server.token, base_url=server.base_url, retry=retry_policy(max_retries=12)
        )
        async with client:
            kwargs: dict[str, Any] = {"per_page": PER_PAGE}
            if prefetch != 8:
                kwargs["prefetch"] = prefetch
            got = [p.prompt_id async for p in client.evaluation_runs.iter_results(run_uuid, **kwargs)]
        log = server.requests

    pages = PROMPTS // PER_PAGE
    faulted = [r for r in log if r.fault is not None]
    duplicates = len(got) - len(set(got))
    print(
        f"\nseed={seed} prefetch={prefetch}: requests={len(log)} retries={len(faulted)} "
        f"(faulted: {sorted({r.fault for r in faulted if r.fault})}) prompts={len(got)} duplicates={duplicates} "
        f"server-requested waits={sum(1 for w in recorded_sleeps.waits if w > 0)}"
    )
    assert got == expected
    assert duplicates == 0
    assert len(got) == PROMPTS
    # Every faulted request was retried once, and nothing else was asked twice.
    assert len(log) == pages + len(faulted)
    assert len(faulted) > pages * FAULT_SHARE / 2  # the faults really fired
    served = sorted(int(r.query["page"]) for r in log if r.fault is None)
    assert served == list(range(1, pages + 1))
    # The SDK waited as long as the server asked on each 429 (Retry-After, else ratelimit-reset ~60 s).
    limited = sum(1 for r in faulted if r.fault == "rate_limited")
    assert sum(1 for w in recorded_sleeps.waits if w >= 1) == limited
    assert all(w == 0 or w == 1 or 55 <= w <= 61 for w in recorded_sleeps.waits)


@pytest.mark.parametrize("prefetch", [1, 8], ids=["prefetch=1", "prefetch=default"])
async def test_exhausted_retries_name_the_failed_page(
    prefetch: int, server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=1_000)
    expected = server.prompt_ids(run_uuid)
    got: list[int | None] = []
    async with make_async() as client:
        stream = client.evaluation_runs.iter_results(run_uuid, per_page=PER_PAGE, prefetch=prefetch)

        def outage_after_page_one(count: int) -> None:
            if count == PER_PAGE:  # page 1 handed out: from now on the service is down
                server.inject(Fault.status(503))

        with pytest.raises(InternalServerError) as info:
            await drain(stream, got, outage_after_page_one)
    assert info.value.page == 2
    assert "page 2" in str(info.value)
    assert got == expected[:PER_PAGE]
    failed = [r for r in server.requests if r.fault is not None]
    assert {r.query["page"] for r in failed} >= {"2"}
    assert sum(1 for r in failed if r.query["page"] == "2") == 3  # the first attempt and two retries


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("prefetch", [1, 8], ids=["prefetch=1", "prefetch=default"])
async def test_stream_that_gives_up_midway_yields_a_clean_prefix(
    seed: int, prefetch: int, retry_policy: Callable[..., Any], recorded_sleeps: Any
) -> None:
    with fault_server(seed) as server:
        run_uuid = server.add_run(prompts=PROMPTS)
        expected = server.prompt_ids(run_uuid)
        inject_mix(server, _STREAM_FAULTS, 0.5)
        client = AsyncGradientEvals(
            access_token=server.token, base_url=server.base_url, retry=retry_policy(max_retries=1)
        )
        got: list[int | None] = []
        async with client:
            stream = client.evaluation_runs.iter_results(run_uuid, per_page=PER_PAGE, prefetch=prefetch)
            with pytest.raises(APIError) as info:
                await drain(stream, got)
    page = info.value.page
    assert page is not None
    assert page >= 1
    assert f"page {page}" in str(info.value)
    assert len(got) == len(set(got))
    assert got == expected[: len(got)]
    # Every page before the one that failed was handed out, whatever was fetched ahead of it.
    assert len(got) == (page - 1) * PER_PAGE


# -- create ---------------------------------------------------------------------------------------------------

_BEFORE = [
    Fault.rate_limited(retry_after=0),
    Fault.rate_limited(retry_after=None),
    Fault.status(500),
    Fault.html_error(502),
    Fault.status(503),
    Fault.reset(),
    Fault.truncated(),
]
_AFTER = [
    Fault.status(500, after_action=True),
    Fault.html_error(502, after_action=True),
    Fault.reset(after_action=True),
    Fault.truncated(after_action=True),
]


@pytest.mark.parametrize("seed", SEEDS)
async def test_create_under_faults_never_starts_a_duplicate_run(
    seed: int, retry_policy: Callable[..., Any], recorded_sleeps: Any
) -> None:
    with fault_server(seed) as server:
        test_case = server.add_test_case(prompts=3)
        agents = ["9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"]
        rules = [server.inject(f, rate=1 - 0.8 ** (1 / 11), method="POST") for f in [*_BEFORE, *_AFTER]]
        after_rules = rules[len(_BEFORE) :]
        believed = told = unknown = 0
        described: list[tuple[str, str | None, str, bool]] = []
        client = AsyncGradientEvals(
            access_token=server.token, base_url=server.base_url, retry=retry_policy(max_retries=3)
        )
        async with client:
            for i in range(60):
                created_before = server.created_run_count
                try:
                    created = await client.evaluation_runs.create(
                        test_case_uuid=test_case, agent_uuids=agents, run_name=f"run-{i}"
                    )
                except RunCreationUnknownError as exc:
                    # Runs that could not be told apart come back as candidates: the caller is told of them.
                    unknown += 1
                    told += len(exc.candidates)
                    described.append((exc.test_case_uuid, exc.run_name, f"run-{i}", "may have succeeded" in str(exc)))
                except RateLimitError:
                    # Four 429s in a row: refused each time, so nothing was created.
                    assert server.created_run_count == created_before
                else:
                    believed += len(created.evaluation_run_uuids)
                    names = {server.run_json(uuid)["run_name"] for uuid in created.evaluation_run_uuids}
                    assert names == {f"run-{i}"}
                    assert server.created_run_count - created_before == len(agents)
        after_fired = sum(r.fired for r in after_rules)
        posts = [r for r in server.requests if r.method == "POST"]
        per_name = Counter(server.run_json(uuid)["run_name"] for uuid in server.runs_of(test_case))
    print(
        f"\ncreate seed={seed}: calls=60 posts={len(posts)} faulted={sum(1 for r in posts if r.fault)} "
        f"believed={believed} unknown={unknown} server_created={server.created_run_count} "
        f"after_action_faults={after_fired}"
    )
    assert max(per_name.values()) == len(agents)  # no create started its runs twice
    assert server.created_run_count == believed + told  # every run made was reported to its caller
    assert described == [(test_case, name, name, True) for _, _, name, _ in described]
    assert after_fired > 0


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(500, after_action=True),
        Fault.reset(after_action=True),
        Fault.truncated(after_action=True),
        Fault.html_error(502, after_action=True),
    ],
    ids=lambda f: f.name,
)
async def test_create_with_unknown_outcome_recovers_the_run_it_made(
    fault: Fault,
    server: FakeGradientServer,
    make_async: Callable[..., AsyncGradientEvals],
    caplog: pytest.LogCaptureFixture,
) -> None:
    test_case = server.add_test_case(prompts=3)
    server.inject(fault, on_request=1, method="POST")
    async with make_async(max_retries=5) as client:
        with caplog.at_level(logging.WARNING, logger="gradient_evals"):
            created = await client.evaluation_runs.create(
                test_case_uuid=test_case, agent_uuids=["9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"]
            )
        # With the caller's own name the same run is found but cannot be proven this create's: reported instead.
        server.inject(fault, on_request=1, method="POST")
        with pytest.raises(RunCreationUnknownError) as info:
            await client.evaluation_runs.create(
                test_case_uuid=test_case, agent_uuids=["9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"], run_name="nightly"
            )
    assert created.evaluation_run_uuids == server.runs_of(test_case)[:1]
    assert [run.evaluation_run_uuid for run in info.value.candidates] == server.runs_of(test_case)[1:]
    assert server.created_run_count == 2
    assert sum(1 for r in server.requests if r.method == "POST") == 2  # neither sent again
    assert any("recovered" in record.getMessage() for record in caplog.records)


async def test_create_is_retried_after_a_429_and_creates_once(
    server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    test_case = server.add_test_case(prompts=3)
    server.inject(Fault.rate_limited(retry_after=0), times=2, method="POST")
    async with make_async() as client:
        created = await client.evaluation_runs.create(
            test_case_uuid=test_case, agent_deployment_names=["support-prod"], run_name="after-429"
        )
    assert len(created.evaluation_run_uuids) == 1
    assert server.created_run_count == 1
    assert [r.status for r in server.requests] == [429, 429, 200]


# -- timeouts -------------------------------------------------------------------------------------------------


async def test_stalled_body_times_out_within_the_configured_timeout(
    server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=5)
    server.inject(Fault.stall(10))
    async with make_async(timeout=0.5, max_retries=0) as client:
        started = time.perf_counter()
        with pytest.raises(APITimeoutError) as info:
            await client.evaluation_runs.retrieve(run_uuid)
        elapsed = time.perf_counter() - started
    # A timeout, not the connection error the stalled server's close gives 10 s later: the timeout ended it.
    assert elapsed >= 0.4, "not before the timeout"
    assert "timed out" in str(info.value)
    assert len(server.requests) == 1


async def test_stalled_body_with_retries_stays_bounded(
    server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=5)
    server.inject(Fault.stall(10))
    async with make_async(timeout=0.3, max_retries=2) as client:
        started = time.perf_counter()
        with pytest.raises(APITimeoutError):
            await client.evaluation_runs.retrieve(run_uuid)
        elapsed = time.perf_counter() - started
    assert len(server.requests) == 3  # each attempt timed out (a stall ends in a connection error 10 s later)
    assert elapsed >= 3 * 0.25, "each attempt waited its timeout"


async def test_stalled_stream_page_times_out_with_its_page(
    server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=200)
    server.inject(Fault.stall(10), on_request=3, times=None)
    got: list[int | None] = []
    async with make_async(timeout=0.5, max_retries=0) as client:
        started = time.perf_counter()
        stream = client.evaluation_runs.iter_results(run_uuid, per_page=20, prefetch=1)
        with pytest.raises(APITimeoutError) as info:
            await drain(stream, got)
        elapsed = time.perf_counter() - started
    assert info.value.page == 3  # the stalled page's own timeout, not the connection error 10 s later
    assert len(got) == 40
    assert elapsed >= 0.4


async def test_a_slow_but_steady_answer_is_not_cut_off(
    server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=5)
    server.inject(Fault.delay(0.2), on_request=1)
    async with make_async(timeout=1.0, max_retries=0) as client:
        run = await client.evaluation_runs.retrieve(run_uuid)
    assert run.evaluation_run_uuid == run_uuid


async def test_connection_refused_is_a_connection_error_and_retried(retry_policy: Callable[..., Any]) -> None:
    # A port nobody listens on: bind, note it, close.
    with FakeGradientServer() as gone:
        base_url, token = gone.base_url, gone.token
    client = AsyncGradientEvals(access_token=token, base_url=base_url, retry=retry_policy(2), timeout=2)
    async with client:
        with anyio.fail_after(10), pytest.raises(APIConnectionError) as info:
            await client.evaluation_runs.retrieve("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a")
    assert not isinstance(info.value, APITimeoutError)


# -- waiting for a run: one overall deadline ----------------------------------------------------------------


# The misbehaving polls last an hour (closing the emulator ends them), or ask for a 30 s pause (within what the
# client honours), so only the deadline can end the wait; a guard twice that long turns a missing deadline into a
# failure rather than a hang.
GUARD = 60


@pytest.mark.parametrize(
    "fault",
    [None, Fault.stall(3600), Fault.delay(3600), Fault.rate_limited(retry_after=30), Fault.status(503)],
    ids=["never-finishes", "stalled-poll", "slow-poll", "429-retry-after-30", "503s"],
)
async def test_wait_has_an_overall_deadline(
    fault: Fault | None, server: FakeGradientServer, make_async: Callable[..., AsyncGradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=5, status="EVALUATION_RUN_RUNNING_DATASET")
    if fault is not None:
        server.inject(fault, on_request=2, times=None)  # the first poll answers, the later ones misbehave
    # Per-request timeout and retries far beyond the deadline: only the deadline can end this wait.
    async with make_async(timeout=30, retry=no_backoff_retry(50)) as client:
        started = time.perf_counter()
        with anyio.fail_after(GUARD), pytest.raises(EvaluationRunTimeout) as info:
            await client.evaluation_runs.wait(run_uuid, timeout=0.3, poll_interval=0.05)
        elapsed = time.perf_counter() - started
    assert elapsed >= 0.25, "not before the deadline"
    assert isinstance(info.value, TimeoutError)
    assert info.value.run_uuid == run_uuid
    assert info.value.run is not None
    assert info.value.run.status == "EVALUATION_RUN_RUNNING_DATASET"


def test_blocking_wait_has_an_overall_deadline(
    server: FakeGradientServer, make_sync: Callable[..., GradientEvals]
) -> None:
    run_uuid = server.add_run(prompts=5, status="EVALUATION_RUN_QUEUED")
    server.inject(Fault.stall(20), on_request=2, times=None)
    client = make_sync(timeout=3600)
    with pytest.raises(EvaluationRunTimeout) as info:
        client.evaluation_runs.wait(run_uuid, timeout=0.3, poll_interval=0.05)
    assert info.value.run_uuid == run_uuid
    # The deadline cut the stalled poll short: had it waited for the stall to end (a connection error 20 s
    # later), the poll would have been retried.
    assert len(server.requests) == 2
