"""Waiting for runs: ``wait`` and ``create_and_wait`` against the emulator over real sockets."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

from gradient_evals import (
    AsyncGradientEvals,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    GradientEvals,
    RateLimitState,
    RetryPolicy,
)
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationRun, EvaluationRunStatus
from gradient_evals.workflows.wait import WaitOptions, next_poll_delay, wait_for_run

AGENTS = ["9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"]
NO_BACKOFF = RetryPolicy(initial_backoff=0, max_backoff=0, jitter=False)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=3, run_duration=0.3) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(server.token, base_url=server.base_url, retry=NO_BACKOFF) as c:
        yield c


def _run_gets(server: FakeGradientServer, run_uuid: str) -> int:
    path = f"/v2/gen-ai/evaluation_runs/{run_uuid}"
    return sum(1 for r in server.requests if r.method == "GET" and r.path == path)


# -- wait ----------------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_wait_returns_the_finished_run_and_reports_each_status_once(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    tc = server.add_test_case(prompts=30)
    created = await client.evaluation_runs.create(test_case_uuid=tc, agent_uuids=AGENTS[:1])
    run_uuid = created.evaluation_run_uuids[0]
    seen: list[EvaluationRun] = []

    run = await client.evaluation_runs.wait(run_uuid, timeout=10, poll_interval=0.02, on_update=seen.append)

    assert run.status == EvaluationRunStatus.SUCCESSFUL
    assert run.evaluation_run_uuid == run_uuid
    statuses = [r.status for r in seen]
    assert statuses[-1] == EvaluationRunStatus.SUCCESSFUL
    assert len(statuses) == len(set(statuses)), "on_update fires on changes only"
    assert server.run_json(run_uuid)["status"] == "EVALUATION_RUN_SUCCESSFUL"


@pytest.mark.anyio
async def test_wait_accepts_a_coroutine_callback(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    run_uuid = server.add_run(prompts=5)
    seen: list[str] = []

    async def on_update(run: EvaluationRun) -> None:
        await anyio.sleep(0)
        seen.append(str(run.status))

    run = await client.evaluation_runs.wait(run_uuid, poll_interval=0.01, on_update=on_update)
    assert run.is_successful
    assert seen == ["EVALUATION_RUN_SUCCESSFUL"]
    assert _run_gets(server, run_uuid) == 1, "a finished run needs one poll"


@pytest.mark.anyio
async def test_wait_times_out_with_the_last_run_seen(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    run_uuid = server.add_run(prompts=10, status="EVALUATION_RUN_RUNNING_DATASET")
    started = time.monotonic()
    # The run never finishes: only the deadline can end the wait (the guard turns a missing one into a failure).
    with anyio.fail_after(60), pytest.raises(EvaluationRunTimeout) as caught:
        await client.evaluation_runs.wait(run_uuid, timeout=0.4, poll_interval=0.05)
    elapsed = time.monotonic() - started

    assert isinstance(caught.value, TimeoutError)
    assert caught.value.run_uuid == run_uuid
    assert caught.value.run is not None
    assert caught.value.run.status == EvaluationRunStatus.RUNNING_DATASET
    assert "RUNNING_DATASET" in str(caught.value)
    assert elapsed >= 0.35, "not before the deadline"


@pytest.mark.anyio
async def test_wait_backs_off_between_polls(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    run_uuid = server.add_run(prompts=10, status="EVALUATION_RUN_QUEUED")
    with pytest.raises(EvaluationRunTimeout):
        await client.evaluation_runs.wait(run_uuid, timeout=1.0, poll_interval=0.05, max_poll_interval=0.2)
    polls = _run_gets(server, run_uuid)
    # Without backoff a 1 s wait at 0.05 s would poll 20 times; 0.05 * 1.5^k capped at 0.2 gives about 8.
    assert 4 <= polls <= 10


@pytest.mark.anyio
@pytest.mark.parametrize("status", ["EVALUATION_RUN_FAILED", "EVALUATION_RUN_CANCELLED"])
async def test_wait_raises_for_failed_runs_only_when_asked(
    server: FakeGradientServer, client: AsyncGradientEvals, status: str
) -> None:
    run_uuid = server.add_run(prompts=3, status=status, error_description="agent unreachable")

    run = await client.evaluation_runs.wait(run_uuid, poll_interval=0.01)
    assert run.status == status

    with pytest.raises(EvaluationRunFailed) as caught:
        await client.evaluation_runs.wait(run_uuid, poll_interval=0.01, raise_on_failure=True)
    assert caught.value.run.status == status
    assert run_uuid in str(caught.value)


@pytest.mark.anyio
async def test_partially_successful_is_not_a_failure(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    run_uuid = server.add_run(prompts=3, status="EVALUATION_RUN_PARTIALLY_SUCCESSFUL")
    run = await client.evaluation_runs.wait(run_uuid, poll_interval=0.01, raise_on_failure=True)
    assert run.status == EvaluationRunStatus.PARTIALLY_SUCCESSFUL


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": 0}, ValueError),
        ({"timeout": -1.0}, ValueError),
        ({"poll_interval": 0}, ValueError),
        ({"max_poll_interval": float("nan")}, ValueError),
        ({"timeout": "10"}, TypeError),
    ],
)
async def test_wait_checks_its_arguments_before_polling(
    server: FakeGradientServer, client: AsyncGradientEvals, kwargs: dict[str, object], error: type[Exception]
) -> None:
    run_uuid = server.add_run(prompts=1)
    with pytest.raises(error):
        await client.evaluation_runs.wait(run_uuid, **kwargs)  # type: ignore[arg-type]
    assert _run_gets(server, run_uuid) == 0


# -- rate limit ----------------------------------------------------------------------------------------------


def test_poll_delay_is_the_interval_while_the_rate_limit_is_healthy() -> None:
    assert next_poll_delay(2.0, None) == 2.0
    assert next_poll_delay(2.0, RateLimitState(limit=5000, remaining=4000, spacing=0.0)) == 2.0


def test_poll_delay_follows_the_pacers_spacing_when_the_budget_is_low() -> None:
    assert next_poll_delay(1.0, RateLimitState(limit=250, remaining=4, spacing=25.0)) == 25.0
    assert next_poll_delay(60.0, RateLimitState(limit=250, remaining=4, spacing=25.0)) == 60.0


@pytest.mark.anyio
async def test_wait_slows_down_when_the_rate_limit_runs_low() -> None:
    polls: list[float] = []
    statuses = iter(["EVALUATION_RUN_QUEUED", "EVALUATION_RUN_QUEUED", "EVALUATION_RUN_SUCCESSFUL"])

    class Runs:
        async def retrieve(self, evaluation_run_uuid: str) -> EvaluationRun:
            polls.append(time.monotonic())
            return EvaluationRun(evaluation_run_uuid=evaluation_run_uuid, status=EvaluationRunStatus(next(statuses)))

    def rate_limit() -> RateLimitState:
        return RateLimitState(limit=250, remaining=0, spacing=0.3)  # the pacer spaces background requests

    run = await wait_for_run(Runs(), "r", WaitOptions(timeout=10, poll_interval=0.01), rate_limit=rate_limit)
    assert run.is_successful
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert all(gap >= 0.3 for gap in gaps), gaps  # sleeps last at least as long as asked


# -- create_and_wait -----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_create_and_wait_makes_one_request_and_returns_runs_in_created_order(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    tc = server.add_test_case(prompts=40)
    updates: list[tuple[str | None, object]] = []

    runs = await client.evaluation_runs.create_and_wait(
        test_case_uuid=tc,
        agent_uuids=AGENTS,
        run_name="nightly",
        timeout=10,
        poll_interval=0.02,
        on_update=lambda run: updates.append((run.evaluation_run_uuid, run.status)),
    )

    assert server.created_run_count == 2
    assert [r.evaluation_run_uuid for r in runs] == server.runs_of(tc)
    assert [r.agent_uuid for r in runs] == AGENTS
    assert all(r.status == EvaluationRunStatus.SUCCESSFUL and r.run_name == "nightly" for r in runs)
    for run in runs:
        assert (run.evaluation_run_uuid, EvaluationRunStatus.SUCCESSFUL) in updates
    posts = [r for r in server.requests if r.method == "POST"]
    assert len(posts) == 1


@pytest.mark.anyio
async def test_create_and_wait_times_out_across_all_runs() -> None:
    with FakeGradientServer(run_duration=30) as srv:
        tc = srv.add_test_case(prompts=5)
        async with AsyncGradientEvals(srv.token, base_url=srv.base_url, retry=NO_BACKOFF) as client:
            # The runs take 30 s: without the deadline this would return them, not raise.
            with pytest.raises(EvaluationRunTimeout) as caught:
                await client.evaluation_runs.create_and_wait(
                    test_case_uuid=tc, agent_uuids=AGENTS, timeout=0.4, poll_interval=0.05
                )
        assert caught.value.run_uuid in srv.runs_of(tc)
        assert srv.created_run_count == 2


@pytest.mark.anyio
async def test_create_and_wait_raises_the_first_failure_unwrapped() -> None:
    with FakeGradientServer(run_duration=0.2, final_status="EVALUATION_RUN_FAILED") as srv:
        tc = srv.add_test_case(prompts=5)
        async with AsyncGradientEvals(srv.token, base_url=srv.base_url, retry=NO_BACKOFF) as client:
            with pytest.raises(EvaluationRunFailed) as caught:
                await client.evaluation_runs.create_and_wait(
                    test_case_uuid=tc, agent_uuids=AGENTS, poll_interval=0.02, raise_on_failure=True
                )
            assert caught.value.run.status == EvaluationRunStatus.FAILED

            runs = await client.evaluation_runs.create_and_wait(
                test_case_uuid=tc, agent_deployment_names=["prod"], poll_interval=0.02
            )
            assert [r.status for r in runs] == [EvaluationRunStatus.FAILED]
            assert runs[0].agent_deployment_name == "prod"


@pytest.mark.anyio
async def test_create_and_wait_checks_arguments_before_creating(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    tc = server.add_test_case(prompts=5)
    with pytest.raises(ValueError):
        await client.evaluation_runs.create_and_wait(test_case_uuid=tc, agent_uuids=AGENTS, poll_interval=-1)
    with pytest.raises(ValueError):
        await client.evaluation_runs.create_and_wait(test_case_uuid=tc)
    assert server.created_run_count == 0


# -- sync twins ----------------------------------------------------------------------------------------------


def test_sync_client_waits_too(server: FakeGradientServer) -> None:
    tc = server.add_test_case(prompts=10)
    seen: list[object] = []
    with GradientEvals(server.token, base_url=server.base_url, retry=NO_BACKOFF) as client:
        runs = client.evaluation_runs.create_and_wait(
            test_case_uuid=tc, agent_uuids=AGENTS[:1], poll_interval=0.02, on_update=lambda r: seen.append(r.status)
        )
        assert runs[0].is_successful
        again = client.evaluation_runs.wait(runs[0].evaluation_run_uuid or "", poll_interval=0.02)
        assert again.evaluation_run_uuid == runs[0].evaluation_run_uuid
        frozen = server.add_run(prompts=2, status="EVALUATION_RUN_QUEUED")
        with pytest.raises(EvaluationRunTimeout):
            client.evaluation_runs.wait(frozen, timeout=0.2, poll_interval=0.05)
    assert seen[-1] == EvaluationRunStatus.SUCCESSFUL
