"""Malformed arguments are refused before anything is sent."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals
from gradient_evals._validation import check_uuid, path_segment

pytestmark = pytest.mark.anyio

RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
QUOTED = '"123e4567-e89b-12d3-a456-426614174000"'

Call = Callable[[AsyncGradientEvals], Awaitable[Any]]

BAD_UUIDS: list[tuple[Any, type[Exception], str]] = [
    ("not-a-uuid", ValueError, "must be a UUID"),
    ("", ValueError, "must be a UUID"),
    (QUOTED, ValueError, "quotes"),
    ("'123e4567-e89b-12d3-a456-426614174000'", ValueError, "quotes"),
    ("../etc", ValueError, "must be a UUID"),
    ("../../v2/gen-ai/evaluation_runs", ValueError, "must be a UUID"),
    (f"{RUN}/results", ValueError, "must be a UUID"),
    (f"{RUN}?page=2", ValueError, "must be a UUID"),
    ("123e4567e89b12d3a456426614174000", ValueError, "8-4-4-4-12"),
    ("{123e4567-e89b-12d3-a456-426614174000}", ValueError, "8-4-4-4-12"),
    ("urn:uuid:123e4567-e89b-12d3-a456-426614174000", ValueError, "8-4-4-4-12"),
    (12345, TypeError, "got int"),
    (None, TypeError, "got NoneType"),
    (b"123e4567-e89b-12d3-a456-426614174000", TypeError, "got bytes"),
]


def _uuid_calls(bad: Any) -> list[tuple[str, Call]]:
    return [
        ("retrieve", lambda c: c.evaluation_runs.retrieve(bad)),
        ("list_results", lambda c: c.evaluation_runs.list_results(bad)),
        ("retrieve_results", lambda c: c.evaluation_runs.retrieve_results(bad, 1)),
        ("create", lambda c: c.evaluation_runs.create(test_case_uuid=bad, agent_uuids=[AGENT])),
        ("create-agent", lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[bad])),
        ("list_evaluation_runs", lambda c: c.evaluation_test_cases.list_evaluation_runs(bad)),
    ]


# Every bad UUID against one endpoint, and a few of them against every endpoint that takes a UUID.
UUID_CASES = [
    pytest.param(lambda c, bad=bad: c.evaluation_runs.retrieve(bad), error, match, id=f"retrieve-{bad!r}")
    for bad, error, match in BAD_UUIDS
] + [
    pytest.param(call, error, match, id=f"{name}-{bad!r}")
    for bad, error, match in (BAD_UUIDS[2], BAD_UUIDS[4], BAD_UUIDS[-2])
    for name, call in _uuid_calls(bad)[1:]
]

OTHER_CASES = [
    pytest.param(
        lambda c: c.evaluation_runs.list_results(RUN, page=0), ValueError, "page must be at least 1", id="page=0"
    ),
    pytest.param(lambda c: c.evaluation_runs.list_results(RUN, page=-3), ValueError, "at least 1", id="page=-3"),
    pytest.param(lambda c: c.evaluation_runs.list_results(RUN, page=True), TypeError, "got bool", id="page=True"),
    pytest.param(lambda c: c.evaluation_runs.list_results(RUN, page="2"), TypeError, "got str", id="page='2'"),
    pytest.param(lambda c: c.evaluation_runs.list_results(RUN, page=1.0), TypeError, "got float", id="page=1.0"),
    pytest.param(
        lambda c: c.evaluation_runs.list_results(RUN, per_page=-1), ValueError, "per_page must be", id="per_page=-1"
    ),
    pytest.param(lambda c: c.evaluation_runs.list_results(RUN, per_page=0), ValueError, "per_page", id="per_page=0"),
    pytest.param(lambda c: c.evaluation_runs.retrieve_results(RUN, "3"), TypeError, "prompt_id", id="prompt_id='3'"),
    pytest.param(lambda c: c.evaluation_runs.retrieve_results(RUN, -1), ValueError, "prompt_id", id="prompt_id=-1"),
    pytest.param(lambda c: c.evaluation_runs.retrieve_results(RUN, True), TypeError, "prompt_id", id="prompt_id=True"),
    pytest.param(lambda c: c.evaluation_runs.retrieve_results(RUN, 1.5), TypeError, "prompt_id", id="prompt_id=1.5"),
    pytest.param(lambda c: c.evaluation_runs.retrieve_results(RUN, None), TypeError, "prompt_id", id="prompt_id=None"),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE), ValueError, "at least one agent", id="no-agents"
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[]),
        ValueError,
        "at least one agent",
        id="empty-agent-list",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[], agent_deployment_names=[]),
        ValueError,
        "at least one agent",
        id="both-lists-empty",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=AGENT),
        TypeError,
        "agent_uuids must be a list",
        id="agent_uuids-as-str",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=None, agent_deployment_names="bot"),
        TypeError,
        "agent_deployment_names must be a list",
        id="deployment-names-as-str",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_deployment_names=[""]),
        ValueError,
        "must not be empty",
        id="empty-deployment-name",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_deployment_names=[7]),
        TypeError,
        r"agent_deployment_names\[0\]",
        id="deployment-name-int",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT, QUOTED]),
        ValueError,
        r"agent_uuids\[1\].*quotes",
        id="second-agent-quoted",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name=5),
        TypeError,
        "run_name must be a string",
        id="run_name-int",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name=["x"]),
        TypeError,
        "run_name",
        id="run_name-list",
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="   "),
        ValueError,
        "run_name must not be empty",
        id="run_name-blank",
    ),
    pytest.param(
        lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE, evaluation_test_case_version=0),
        ValueError,
        "evaluation_test_case_version",
        id="version=0",
    ),
    pytest.param(
        lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE, evaluation_test_case_version="2"),
        TypeError,
        "evaluation_test_case_version",
        id="version='2'",
    ),
    pytest.param(
        lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE, evaluation_test_case_version=False),
        TypeError,
        "evaluation_test_case_version",
        id="version=False",
    ),
]


@pytest.mark.parametrize(("call", "error", "match"), UUID_CASES + OTHER_CASES)
async def test_bad_arguments_raise_and_send_nothing(
    call: Call, error: type[Exception], match: str, client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(error, match=match):
        await call(client)
    assert httpx_mock.get_requests() == []


def test_iter_results_checks_arguments_before_iterating(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    with pytest.raises(ValueError, match="quotes"):
        client.evaluation_runs.iter_results(QUOTED)
    with pytest.raises(ValueError, match="per_page"):
        client.evaluation_runs.iter_results(RUN, per_page=0)
    with pytest.raises(TypeError, match="prefetch"):
        client.evaluation_runs.iter_results(RUN, prefetch=True)
    assert httpx_mock.get_requests() == []


def test_quoted_uuid_message_names_the_argument_and_the_bare_value() -> None:
    with pytest.raises(ValueError, match="quotes") as info:
        check_uuid(QUOTED, "evaluation_run_uuid")
    message = str(info.value)
    assert "evaluation_run_uuid" in message
    assert "'123e4567-e89b-12d3-a456-426614174000'" in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (RUN, RUN),
        (RUN.upper(), RUN),
        (f"  {RUN} ", RUN),
        (uuid.UUID(RUN), RUN),
    ],
)
def test_valid_uuids_are_canonicalised(given: Any, expected: str) -> None:
    assert check_uuid(given, "x") == expected


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ValueError, match="must be a UUID") as info:
        check_uuid("x" * 1000, "evaluation_run_uuid")
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("value", ["../etc", "a/b", "a?b", "a#b", "%2e%2e", 12])
def test_path_segment_cannot_change_the_path(value: str | int) -> None:
    escaped = path_segment(value)
    assert "/" not in escaped
    assert "?" not in escaped
    assert "#" not in escaped
