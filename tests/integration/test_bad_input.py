"""Bad arguments are refused before anything is sent, by the async and the blocking client alike."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals.testing import FakeGradientServer

RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"

# (resource, method, positional args, keyword args, the error it must raise)
CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any], type[Exception]]] = [
    # evaluation run ids
    ("evaluation_runs", "retrieve", (123,), {}, TypeError),
    ("evaluation_runs", "retrieve", (None,), {}, TypeError),
    ("evaluation_runs", "retrieve", (b"0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01",), {}, TypeError),
    ("evaluation_runs", "retrieve", ([RUN],), {}, TypeError),
    ("evaluation_runs", "retrieve", ("",), {}, ValueError),
    ("evaluation_runs", "retrieve", ("not-a-uuid",), {}, ValueError),
    ("evaluation_runs", "retrieve", (f'"{RUN}"',), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"'{RUN}'",), {}, ValueError),
    ("evaluation_runs", "retrieve", ("../../v2/account",), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"{RUN}/../../account",), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"../{RUN}",), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"{RUN}?page=2",), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"{RUN}%2F..",), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"{{{RUN}}}",), {}, ValueError),
    ("evaluation_runs", "retrieve", (RUN.replace("-", ""),), {}, ValueError),
    ("evaluation_runs", "retrieve", (f"urn:uuid:{RUN}",), {}, ValueError),
    # one page of results
    ("evaluation_runs", "list_results", ("../results",), {}, ValueError),
    ("evaluation_runs", "list_results", (RUN,), {"page": 0}, ValueError),
    ("evaluation_runs", "list_results", (RUN,), {"page": -1}, ValueError),
    ("evaluation_runs", "list_results", (RUN,), {"per_page": -5}, ValueError),
    ("evaluation_runs", "list_results", (RUN,), {"per_page": 0}, ValueError),
    ("evaluation_runs", "list_results", (RUN,), {"page": True}, TypeError),
    ("evaluation_runs", "list_results", (RUN,), {"per_page": False}, TypeError),
    ("evaluation_runs", "list_results", (RUN,), {"page": "2"}, TypeError),
    ("evaluation_runs", "list_results", (RUN,), {"page": 1.0}, TypeError),
    ("evaluation_runs", "list_results", (RUN,), {"per_page": None, "page": "1"}, TypeError),
    # streams
    ("evaluation_runs", "iter_results", ("nope",), {}, ValueError),
    ("evaluation_runs", "iter_results", (RUN,), {"per_page": -1}, ValueError),
    ("evaluation_runs", "iter_results", (RUN,), {"per_page": 0}, ValueError),
    ("evaluation_runs", "iter_results", (RUN,), {"per_page": True}, TypeError),
    ("evaluation_runs", "iter_results", (RUN,), {"prefetch": 0}, ValueError),
    ("evaluation_runs", "iter_results", (RUN,), {"prefetch": True}, TypeError),
    ("evaluation_runs", "iter_results", (RUN,), {"prefetch": 2.5}, TypeError),
    # one prompt
    ("evaluation_runs", "retrieve_results", (RUN, "5"), {}, TypeError),
    ("evaluation_runs", "retrieve_results", (RUN, "../5"), {}, TypeError),
    ("evaluation_runs", "retrieve_results", (RUN, 5.0), {}, TypeError),
    ("evaluation_runs", "retrieve_results", (RUN, True), {}, TypeError),
    ("evaluation_runs", "retrieve_results", (RUN, None), {}, TypeError),
    ("evaluation_runs", "retrieve_results", (RUN, -1), {}, ValueError),
    ("evaluation_runs", "retrieve_results", ("../x", 1), {}, ValueError),
    # create
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": []}, ValueError),
    (
        "evaluation_runs",
        "create",
        (),
        {"test_case_uuid": TEST_CASE, "agent_uuids": [], "agent_deployment_names": []},
        ValueError,
    ),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": AGENT}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": ["nope"]}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": [f'"{AGENT}"']}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT, 7]}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT, "../x"]}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_deployment_names": "prod"}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_deployment_names": [""]}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_deployment_names": ["  "]}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_deployment_names": [3]}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT], "run_name": 5}, TypeError),
    (
        "evaluation_runs",
        "create",
        (),
        {"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT], "run_name": ["a"]},
        TypeError,
    ),
    (
        "evaluation_runs",
        "create",
        (),
        {"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT], "run_name": ""},
        ValueError,
    ),
    ("evaluation_runs", "create", (), {"test_case_uuid": None, "agent_uuids": [AGENT]}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": 42, "agent_uuids": [AGENT]}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": f'"{TEST_CASE}"', "agent_uuids": [AGENT]}, ValueError),
    ("evaluation_runs", "create", (), {"test_case_uuid": "../evaluation_runs", "agent_uuids": [AGENT]}, ValueError),
    # runs of a test case
    ("evaluation_test_cases", "list_evaluation_runs", ("x",), {}, ValueError),
    ("evaluation_test_cases", "list_evaluation_runs", (f'"{TEST_CASE}"',), {}, ValueError),
    ("evaluation_test_cases", "list_evaluation_runs", ("../../evaluation_runs",), {}, ValueError),
    ("evaluation_test_cases", "list_evaluation_runs", (7,), {}, TypeError),
    (
        "evaluation_test_cases",
        "list_evaluation_runs",
        (TEST_CASE,),
        {"evaluation_test_case_version": 0},
        ValueError,
    ),
    (
        "evaluation_test_cases",
        "list_evaluation_runs",
        (TEST_CASE,),
        {"evaluation_test_case_version": True},
        TypeError,
    ),
    (
        "evaluation_test_cases",
        "list_evaluation_runs",
        (TEST_CASE,),
        {"evaluation_test_case_version": "1"},
        TypeError,
    ),
    # per-call timeouts
    ("evaluation_runs", "retrieve", (RUN,), {"timeout": "fast"}, TypeError),
    ("evaluation_runs", "retrieve", (RUN,), {"timeout": -1}, ValueError),
    ("evaluation_runs", "retrieve", (RUN,), {"timeout": 0}, ValueError),
    ("evaluation_runs", "retrieve", (RUN,), {"timeout": True}, TypeError),
    ("evaluation_runs", "retrieve", (RUN,), {"timeout": float("nan")}, ValueError),
    ("evaluation_runs", "list_results", (RUN,), {"timeout": 0}, ValueError),
    ("evaluation_runs", "iter_results", (RUN,), {"timeout": -2}, ValueError),
    ("evaluation_runs", "retrieve_results", (RUN, 1), {"timeout": "1"}, TypeError),
    ("evaluation_runs", "create", (), {"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT], "timeout": 0}, ValueError),
    ("evaluation_test_cases", "list_evaluation_runs", (TEST_CASE,), {"timeout": -1.0}, ValueError),
]


def _case_id(case: tuple[str, str, tuple[Any, ...], dict[str, Any], type[Exception]]) -> str:
    _, method, args, kwargs, error = case
    shown = ", ".join([*(repr(a)[:24] for a in args), *(f"{k}={v!r}"[:30] for k, v in kwargs.items())])
    return f"{method}({shown})->{error.__name__}"


async def _call_async(call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    result = call(*args, **kwargs)
    if inspect.isawaitable(result):
        await result
    else:  # a stream: its first item would need the first request
        async for _ in result:
            break


def _call_sync(call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], *, stream: bool) -> None:
    result = call(*args, **kwargs)
    for _ in result if stream else ():
        break


@pytest.fixture(scope="module")
def emulator() -> Any:
    with FakeGradientServer(seed=2) as server:
        yield server


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
async def test_async_client_refuses_bad_arguments_without_a_request(case: Any, emulator: FakeGradientServer) -> None:
    resource, method, args, kwargs, error = case
    emulator.clear_requests()
    async with AsyncGradientEvals(access_token=emulator.token, base_url=emulator.base_url, max_retries=0) as client:
        call = getattr(getattr(client, resource), method)
        with pytest.raises(error) as info:
            await _call_async(call, args, kwargs)
    assert emulator.requests == []
    assert str(info.value)  # says what was wrong


@pytest.fixture(scope="module")
def blocking_client(emulator: FakeGradientServer) -> Any:
    with GradientEvals(access_token=emulator.token, base_url=emulator.base_url, max_retries=0) as client:
        yield client


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_sync_client_refuses_bad_arguments_without_a_request(
    case: Any, emulator: FakeGradientServer, blocking_client: GradientEvals
) -> None:
    resource, method, args, kwargs, error = case
    emulator.clear_requests()
    call: Callable[..., Any] = getattr(getattr(blocking_client, resource), method)
    with pytest.raises(error):
        _call_sync(call, args, kwargs, stream=method == "iter_results")
    assert emulator.requests == []


@pytest.mark.anyio
async def test_good_arguments_do_reach_the_server(emulator: FakeGradientServer) -> None:
    """The control: the same calls with valid arguments are sent (so the empty logs above mean something)."""
    run = emulator.add_run(prompts=3)
    test_case = emulator.add_test_case(prompts=2)
    emulator.clear_requests()
    async with AsyncGradientEvals(access_token=emulator.token, base_url=emulator.base_url, max_retries=0) as client:
        await client.evaluation_runs.retrieve(uuid.UUID(run))  # type: ignore[arg-type]
        await client.evaluation_runs.retrieve(run.upper())
        await client.evaluation_runs.retrieve(f" {run}\n")  # surrounding whitespace is dropped, not sent
        await client.evaluation_runs.list_results(run, page=1, per_page=2)
        first = emulator.prompt_ids(run)[0]
        await client.evaluation_runs.retrieve_results(run, first)
        await client.evaluation_runs.create(test_case_uuid=test_case, agent_uuids=[AGENT], run_name="ok")
        await client.evaluation_test_cases.list_evaluation_runs(test_case, evaluation_test_case_version=1)
    assert len(emulator.requests) == 7
    assert all(r.status == 200 for r in emulator.requests)
    assert emulator.requests[1].path == f"/v2/gen-ai/evaluation_runs/{run}"
    assert emulator.requests[2].path == f"/v2/gen-ai/evaluation_runs/{run}"
