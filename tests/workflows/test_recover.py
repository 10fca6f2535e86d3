"""Create recovery: when a create's answer is lost, the runs it made are found, or it is safely sent again.

The first part drives :func:`create_runs` with stand-ins for the request and the run list, so every outcome is
reached on purpose; the second sends creates to the emulator with faults injected before and after the server
has acted, many times each, and counts the runs.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import pytest

from gradient_evals import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncGradientEvals,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    RunCreationUnknownError,
)
from gradient_evals.testing import FakeGradientServer, Fault
from gradient_evals.types import CreatedEvaluationRuns, EvaluationRun, EvaluationRunsPage
from gradient_evals.workflows.recover import CLOCK_TOLERANCE, RECHECKS, create_runs, generated_run_name

pytestmark = pytest.mark.anyio

TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT_A = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
AGENT_B = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
SENT_AT = 1_750_000_000.0


def lost_answer() -> APIError:
    """A failure after which the server may have acted: the connection dropped mid-answer."""
    error = APIConnectionError("POST /v2/gen-ai/evaluation_runs failed: RemoteProtocolError", method="POST")
    error.__cause__ = httpx.RemoteProtocolError("peer closed connection")
    return error


def refused_connection() -> APIError:
    error = APIConnectionError("POST /v2/gen-ai/evaluation_runs failed: ConnectError", method="POST")
    error.__cause__ = httpx.ConnectError("refused")
    return error


def run(
    uuid: str, name: str, *, agent: str | None = None, deployment: str | None = None, at: float = SENT_AT
) -> EvaluationRun:
    return EvaluationRun(
        evaluation_run_uuid=uuid,
        run_name=name,
        test_case_uuid=TEST_CASE,
        agent_uuid=agent,
        agent_deployment_name=deployment,
        queued_at=datetime.fromtimestamp(at, tz=UTC),
    )


class Server:
    """Stands in for the API (one create request and its test case's run list, as recovery sees them): answers
    (or fails) creates in turn, and lists what it holds after each look."""

    def __init__(self, answers: list[CreatedEvaluationRuns | APIError], listings: list[list[EvaluationRun] | APIError]):
        self.answers = answers
        self.listings = listings
        self.sent = 0
        self.looks = 0

    async def send(self) -> CreatedEvaluationRuns:
        answer = self.answers[self.sent]
        self.sent += 1
        if isinstance(answer, APIError):
            raise answer
        return answer

    @contextlib.asynccontextmanager
    async def list_pages(self) -> AsyncIterator[AsyncIterator[EvaluationRunsPage]]:
        listing = self.listings[min(self.looks, len(self.listings) - 1)]
        self.looks += 1

        async def pages() -> AsyncIterator[EvaluationRunsPage]:
            if isinstance(listing, APIError):
                raise listing
            yield EvaluationRunsPage(evaluation_runs=tuple(listing))

        yield pages()


class Clocks:
    """Where the server's clock may be, as the pacer would say."""

    def __init__(self, offsets: tuple[float, ...]) -> None:
        self.offsets = offsets

    def clock_offsets(self) -> tuple[float, ...]:
        return self.offsets


NO_PAUSE = RetryPolicy(initial_backoff=0.0, max_backoff=0.0, jitter=False)


async def create(
    server: Server,
    *,
    name: str = "nightly",
    by_caller: bool = True,
    recover: bool = True,
    agents: tuple[str, ...] = (AGENT_A,),
    deployments: tuple[str, ...] = (),
    offsets: tuple[float, ...] = (0.0,),
) -> CreatedEvaluationRuns:
    return await create_runs(
        server,
        Clocks(offsets),
        test_case_uuid=TEST_CASE,
        run_name=name,
        named_by_caller=by_caller,
        agent_uuids=agents,
        agent_deployment_names=deployments,
        recover=recover,
        retry=NO_PAUSE,
        wall=lambda: SENT_AT,
    )


# -- outcomes ------------------------------------------------------------------------------------------------


async def test_an_answered_create_does_not_look(caplog: pytest.LogCaptureFixture) -> None:
    server = Server([CreatedEvaluationRuns(evaluation_run_uuids=["r1"])], [])
    assert (await create(server)).evaluation_run_uuids == ["r1"]
    assert server.looks == 0


async def test_a_failure_before_the_server_acted_is_raised_as_is() -> None:
    server = Server([RateLimitError("429", status_code=429)], [])
    with pytest.raises(RateLimitError):
        await create(server)
    assert server.looks == 0


async def test_the_runs_a_lost_create_made_are_returned(caplog: pytest.LogCaptureFixture) -> None:
    name = generated_run_name()
    mine = [
        run("r-b", name, agent=AGENT_B),
        run("r-a", name, agent=AGENT_A),
        run("r-d", name, deployment="support-prod"),
    ]
    older = run("r-old", "nightly", agent=AGENT_A, at=SENT_AT - 86_400)
    other = run("r-x", "weekly", agent=AGENT_A)
    server = Server([lost_answer()], [[older, *mine, other]])
    with caplog.at_level(logging.WARNING, logger="gradient_evals"):
        created = await create(
            server, name=name, by_caller=False, agents=(AGENT_A, AGENT_B), deployments=("support-prod",)
        )
    assert created.evaluation_run_uuids == ["r-a", "r-b", "r-d"]  # in the order of the request
    assert server.sent == 1
    assert any("recovered" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_runs_of_a_callers_name_are_candidates_never_the_answer() -> None:
    # The runs look exactly like this request's, but another process may have made them under the same name.
    mine = [run("r-a", "nightly", agent=AGENT_A), run("r-b", "nightly", agent=AGENT_B)]
    older = run("r-old", "nightly", agent=AGENT_A, at=SENT_AT - 86_400)  # yesterday's run of the same name
    server = Server([lost_answer()], [[older, *mine]])
    with pytest.raises(RunCreationUnknownError, match="chosen by the caller") as info:
        await create(server, agents=(AGENT_A, AGENT_B))
    assert [r.evaluation_run_uuid for r in info.value.candidates] == ["r-a", "r-b"]  # not yesterday's
    assert server.sent == 1


async def test_a_run_a_little_older_than_the_request_still_counts_for_clock_skew() -> None:
    name = generated_run_name()
    server = Server([lost_answer()], [[run("r-a", name, agent=AGENT_A, at=SENT_AT - CLOCK_TOLERANCE / 2)]])
    assert (await create(server, name=name, by_caller=False)).evaluation_run_uuids == ["r-a"]


async def test_a_generated_name_is_matched_on_the_servers_clock_too() -> None:
    # The server's Date said it is an hour behind this machine, and its run's time agrees with its Date.
    name = generated_run_name()
    server = Server([lost_answer()], [[run("r-a", name, agent=AGENT_A, at=SENT_AT - 3600)]])
    created = await create(server, name=name, by_caller=False, offsets=(0.0, -3600.0))
    assert created.evaluation_run_uuids == ["r-a"]


@pytest.mark.parametrize("age", [3600.0, 365 * 86_400.0, -3600.0])
async def test_a_generated_name_on_a_run_of_another_time_is_not_claimed(age: float) -> None:
    # A server that echoes the name asked for, on a run queued long before (or after) this request.
    name = generated_run_name()
    server = Server([lost_answer()], [[run("r-old", name, agent=AGENT_A, at=SENT_AT - age)]])
    with pytest.raises(RunCreationUnknownError) as info:
        await create(server, name=name, by_caller=False)
    assert [r.evaluation_run_uuid for r in info.value.candidates] == ["r-old"]
    assert server.sent == 1  # not sent again either: a run bearing the name exists


async def test_nothing_found_after_the_rechecks_sends_the_create_again() -> None:
    server = Server([lost_answer(), CreatedEvaluationRuns(evaluation_run_uuids=["r-a"])], [[]])
    assert (await create(server)).evaluation_run_uuids == ["r-a"]
    assert server.sent == 2
    assert server.looks == 1 + RECHECKS


async def test_runs_that_appear_on_a_recheck_are_found_and_nothing_is_sent_again() -> None:
    name = generated_run_name()
    server = Server([lost_answer()], [[], [run("r-a", name, agent=AGENT_A)]])
    assert (await create(server, name=name, by_caller=False)).evaluation_run_uuids == ["r-a"]
    assert server.sent == 1


async def test_without_recover_nothing_is_sent_again() -> None:
    server = Server([lost_answer()], [[]])
    with pytest.raises(RunCreationUnknownError, match="recover=False") as info:
        await create(server, recover=False)
    assert server.sent == 1
    assert info.value.candidates == ()


async def test_a_second_lost_answer_is_looked_up_once_more() -> None:
    name = generated_run_name()
    found = [run("r-a", name, agent=AGENT_A)]
    server = Server([lost_answer(), lost_answer()], [[], [], [], found])
    assert (await create(server, name=name, by_caller=False)).evaluation_run_uuids == ["r-a"]
    assert server.sent == 2


async def test_too_many_runs_of_a_generated_name_are_ambiguous() -> None:
    # The server made two runs of one request for the same agent.
    name = generated_run_name()
    twins = [run("r-1", name, agent=AGENT_A), run("r-2", name, agent=AGENT_A)]
    server = Server([lost_answer()], [twins])
    with pytest.raises(RunCreationUnknownError, match="do not match") as info:
        await create(server, name=name, by_caller=False)
    assert [r.evaluation_run_uuid for r in info.value.candidates] == ["r-1", "r-2"]
    assert server.sent == 1


async def test_runs_for_other_agents_are_ambiguous() -> None:
    server = Server([lost_answer()], [[run("r-1", "nightly", agent=AGENT_B)]])
    with pytest.raises(RunCreationUnknownError) as info:
        await create(server)
    assert [r.evaluation_run_uuid for r in info.value.candidates] == ["r-1"]


async def test_some_but_not_all_runs_is_reported_with_them() -> None:
    name = generated_run_name()
    server = Server([lost_answer()], [[run("r-a", name, agent=AGENT_A)]])
    with pytest.raises(RunCreationUnknownError, match="only 1 of the 2") as info:
        await create(server, name=name, by_caller=False, agents=(AGENT_A, AGENT_B))
    assert [r.evaluation_run_uuid for r in info.value.candidates] == ["r-a"]
    assert server.looks == 1 + RECHECKS  # it waited for the server to finish writing
    assert server.sent == 1


async def test_a_failed_listing_raises_unknown_with_both_causes() -> None:
    failure = lost_answer()
    listing_failure = InternalServerError("GET ... returned 500", status_code=500)
    server = Server([failure], [listing_failure])
    with pytest.raises(RunCreationUnknownError, match="listing the test case's runs") as info:
        await create(server)
    assert info.value.cause is failure
    assert info.value.__cause__ is listing_failure
    assert info.value.candidates == ()
    assert info.value.run_name == "nightly"


def test_generated_names_follow_the_documented_format_and_do_not_repeat() -> None:
    names = {generated_run_name() for _ in range(1000)}
    assert len(names) == 1000
    assert all(re.fullmatch(r"run-\d{8}-\d{6}-[0-9a-f]{8}", name) for name in names)


# -- through the client, against the emulator ----------------------------------------------------------------

CREATES = 50
NO_BACKOFF = RetryPolicy(max_retries=3, initial_backoff=0, max_backoff=0, jitter=False)


@pytest.fixture(params=["asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.5) as srv:
        yield srv


async def run_creates(
    server: FakeGradientServer,
    create: Callable[[AsyncGradientEvals, int], Awaitable[CreatedEvaluationRuns]],
    *,
    concurrency: int = 10,
) -> tuple[list[list[str]], list[RunCreationUnknownError]]:
    """Run ``CREATES`` creates, ``concurrency`` at a time; returns the runs each caller was told of."""
    told: list[list[str]] = []
    unknown: list[RunCreationUnknownError] = []
    limiter = anyio.CapacityLimiter(concurrency)

    async def one(client: AsyncGradientEvals, i: int) -> None:
        async with limiter:
            try:
                created = await create(client, i)
            except RunCreationUnknownError as exc:
                unknown.append(exc)
                told.append([r.evaluation_run_uuid for r in exc.candidates if r.evaluation_run_uuid])
            else:
                told.append(list(created.evaluation_run_uuids))

    settings: dict[str, Any] = {"access_token": server.token, "base_url": server.base_url, "retry": NO_BACKOFF}
    async with AsyncGradientEvals(**settings) as client, anyio.create_task_group() as group:
        for i in range(CREATES):
            group.start_soon(one, client, i)
    return told, unknown


AFTER_ACTING = {
    "truncated": Fault.truncated(after_action=True),
    "reset": Fault.reset(after_action=True),
    "502": Fault.html_error(502, after_action=True),
    "timeout": Fault.stall(5, after_action=True),
}
BEFORE_ACTING = {
    "refused": None,  # a connection the server never accepted: simulated in the client (below)
    "429": Fault.rate_limited(retry_after=0),
    "502": Fault.html_error(502),
}


@pytest.mark.parametrize("kind", list(AFTER_ACTING))
async def test_faults_after_the_server_acted_start_no_duplicate(kind: str, server: FakeGradientServer) -> None:
    test_case = server.add_test_case(prompts=2)
    server.inject(AFTER_ACTING[kind], every=2, method="POST")

    async def create(client: AsyncGradientEvals, i: int) -> CreatedEvaluationRuns:
        return await client.evaluation_runs.create(
            test_case_uuid=test_case, agent_uuids=[AGENT_A, AGENT_B], timeout=1.0 if kind == "timeout" else None
        )

    told, unknown = await run_creates(server, create)
    check_counts(server, test_case, told, per_create=2)
    assert unknown == []  # every lost answer was recovered: the runs were there to find
    assert sum(1 for r in server.requests if r.method == "POST") == CREATES  # none sent twice


@pytest.mark.parametrize("kind", list(BEFORE_ACTING))
async def test_faults_before_the_server_acted_start_each_run_once(
    kind: str, server: FakeGradientServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_case = server.add_test_case(prompts=2)
    fault = BEFORE_ACTING[kind]
    rule = server.inject(fault, every=2, method="POST") if fault is not None else None
    refused = refuse_every_other_connection(monkeypatch) if fault is None else []

    async def create(client: AsyncGradientEvals, i: int) -> CreatedEvaluationRuns:
        return await client.evaluation_runs.create(
            test_case_uuid=test_case, agent_uuids=[AGENT_A], run_name=f"nightly-{i}"
        )

    # One at a time, so that every other create is the one refused (its re-send, if any, is not).
    told, unknown = await run_creates(server, create, concurrency=1)
    check_counts(server, test_case, told, per_create=1)
    assert unknown == []
    assert (rule.fired if rule is not None else len(refused)) >= CREATES // 2  # the faults really happened


def check_counts(server: FakeGradientServer, test_case: str, told: list[list[str]], *, per_create: int) -> None:
    """No duplicate runs, each create told of its own runs, and the emulator holds exactly what callers were told."""
    made = server.runs_of(test_case)
    per_name = Counter(server.run_json(uuid)["run_name"] for uuid in made)
    assert len(told) == CREATES
    assert all(len(uuids) == per_create for uuids in told), told
    assert set(per_name.values()) == {per_create}  # no name has more runs than one create makes
    assert len(per_name) == CREATES
    assert sorted(uuid for uuids in told for uuid in uuids) == sorted(made)
    assert server.created_run_count == CREATES * per_create


def refuse_every_other_connection(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every other create's first attempt fails to connect, as against a restarting server (nothing reaches it).

    Creates go out one at a time as POSTs: ok; refused, its retry; ok; refused, its retry... Returns the
    numbers of the POSTs refused.
    """
    original = httpx.AsyncHTTPTransport.handle_async_request
    posts = iter(range(10**6))
    refused: list[int] = []

    async def handle(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and (number := next(posts)) % 3 == 1:
            refused.append(number)
            raise httpx.ConnectError("connection refused", request=request)
        return await original(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle)
    return refused


async def test_a_lost_answer_with_recover_off_and_no_runs_raises_with_no_candidates(server: FakeGradientServer) -> None:
    test_case = server.add_test_case(prompts=2)
    server.inject(Fault.status(500), on_request=1, method="POST")  # refused before acting, but a 500 says nothing
    async with AsyncGradientEvals(access_token=server.token, base_url=server.base_url, retry=NO_BACKOFF) as client:
        with pytest.raises(RunCreationUnknownError) as info:
            await client.evaluation_runs.create(test_case_uuid=test_case, agent_uuids=[AGENT_A], recover=False)
    assert info.value.candidates == ()
    assert server.created_run_count == 0
    assert isinstance(info.value.cause, APIError)
    assert not isinstance(info.value.cause, APITimeoutError)
