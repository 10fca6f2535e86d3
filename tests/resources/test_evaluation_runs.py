"""client.evaluation_runs: the request each method sends (method, path, query, body, headers), the model it returns."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, NotFoundError
from gradient_evals.types import (
    CreatedEvaluationRuns,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationRunStatus,
    ResultsPage,
)

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
OTHER_AGENT = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
Example = Callable[[str], Any]


# -- create -------------------------------------------------------------------------------------------------


async def test_create_sends_body_and_headers(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_runs",
        method="POST",
        json={"evaluation_run_uuids": [RUN, "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928"]},
    )
    created = await client.evaluation_runs.create(
        test_case_uuid=TEST_CASE,
        agent_uuids=[AGENT, OTHER_AGENT],
        agent_deployment_names=["support-bot-prod"],
        run_name="nightly",
    )
    assert isinstance(created, CreatedEvaluationRuns)
    assert created.evaluation_run_uuids == [RUN, "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928"]
    request = only_request()
    assert request.method == "POST"
    assert request.url.path == "/v2/gen-ai/evaluation_runs"
    assert request.url.query == b""
    assert_common_headers(request)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "test_case_uuid": TEST_CASE,
        "agent_uuids": [AGENT, OTHER_AGENT],
        "agent_deployment_names": ["support-bot-prod"],
        "run_name": "nightly",
    }


def sent_body(httpx_mock: HTTPXMock) -> dict[str, Any]:
    (request,) = httpx_mock.get_requests()
    body: dict[str, Any] = json.loads(request.content)
    return body


async def test_create_sends_only_given_fields_and_a_generated_run_name(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/v2/gen-ai/evaluation_runs", json={"evaluation_run_uuids": [RUN]}
    )
    created = await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT])
    assert created.evaluation_run_uuids == [RUN]
    body = sent_body(httpx_mock)
    assert body.keys() == {"test_case_uuid", "agent_uuids", "run_name"}
    assert (body["test_case_uuid"], body["agent_uuids"]) == (TEST_CASE, [AGENT])
    # Without a name of the caller's, one no other request uses, so that a lost answer can be looked up.
    assert re.fullmatch(r"run-\d{8}-\d{6}-[0-9a-f]{8}", body["run_name"])


async def test_create_with_deployment_names_only(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/v2/gen-ai/evaluation_runs",
        match_json={"test_case_uuid": TEST_CASE, "agent_deployment_names": ["a", "b"], "run_name": "n"},
        json={"evaluation_run_uuids": [RUN, RUN]},
    )
    created = await client.evaluation_runs.create(
        test_case_uuid=TEST_CASE, agent_deployment_names=["a", "b"], run_name="n"
    )
    assert len(created.evaluation_run_uuids) == 2


async def test_create_normalises_uuids(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    import uuid

    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/v2/gen-ai/evaluation_runs",
        match_json={"test_case_uuid": TEST_CASE, "agent_uuids": [AGENT], "run_name": "n"},
        json={"evaluation_run_uuids": [RUN]},
    )
    await client.evaluation_runs.create(test_case_uuid=TEST_CASE.upper(), agent_uuids=[uuid.UUID(AGENT)], run_name="n")


# -- retrieve -----------------------------------------------------------------------------------------------


async def test_retrieve(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    example: Example,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    body = example("spec_get_run")
    body["evaluation_run"]["evaluation_run_uuid"] = RUN
    body["evaluation_run"]["status"] = "EVALUATION_RUN_RUNNING_DATASET"
    httpx_mock.add_response(url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}", method="GET", json=body)
    run = await client.evaluation_runs.retrieve(RUN)
    assert isinstance(run, EvaluationRun)
    assert run.evaluation_run_uuid == RUN
    assert run.status is EvaluationRunStatus.RUNNING_DATASET
    assert not run.is_terminal
    assert run.created_by_user_id == "12345"
    request = only_request()
    assert request.method == "GET"
    assert request.url.path == f"/v2/gen-ai/evaluation_runs/{RUN}"
    assert request.url.query == b""
    assert_common_headers(request)
    assert "Content-Type" not in request.headers
    assert request.content == b""


async def test_retrieve_not_found(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}",
        status_code=404,
        json={"id": "not_found", "message": "The resource you requested could not be found."},
    )
    with pytest.raises(NotFoundError):
        await client.evaluation_runs.retrieve(RUN)


# -- list_results -------------------------------------------------------------------------------------------


async def test_list_results_with_paging(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    example: Example,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}/results?page=2&per_page=50",
        method="GET",
        json=example("seed_run_results"),
    )
    page = await client.evaluation_runs.list_results(RUN, page=2, per_page=50)
    assert isinstance(page, ResultsPage)
    assert page.meta.total == 123
    assert page.links.next == "example string"
    assert page.prompts[0].input_tokens == 12345
    request = only_request()
    assert request.url.path == f"/v2/gen-ai/evaluation_runs/{RUN}/results"
    assert dict(request.url.params) == {"page": "2", "per_page": "50"}
    assert_common_headers(request)


async def test_list_results_without_paging_sends_no_query(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}/results", json={})
    page = await client.evaluation_runs.list_results(RUN)
    assert page.prompts == ()
    assert page.evaluation_run is None
    assert page.meta.total is None
    assert only_request().url.query == b""


# -- retrieve_results ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt_id", [0, 3, 123456])
async def test_retrieve_results(
    prompt_id: int,
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    example: Example,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    body = example("spec_prompt_results")
    body["prompt"]["prompt_id"] = prompt_id
    httpx_mock.add_response(url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}/results/{prompt_id}", json=body)
    prompt = await client.evaluation_runs.retrieve_results(RUN, prompt_id)
    assert isinstance(prompt, EvaluationPrompt)
    assert prompt.prompt_id == prompt_id
    assert prompt.output_tokens == 12345
    assert prompt.evaluation_trace_spans[0].input == body["prompt"]["evaluation_trace_spans"][0]["input"]
    request = only_request()
    assert request.method == "GET"
    assert request.url.path == f"/v2/gen-ai/evaluation_runs/{RUN}/results/{prompt_id}"
    assert_common_headers(request)


# -- base URL handling --------------------------------------------------------------------------------------


async def test_base_url_with_path_prefix(make_client: Callable[..., AsyncGradientEvals], httpx_mock: HTTPXMock) -> None:
    client = make_client(base_url="https://proxy.example.com/do-api/")
    httpx_mock.add_response(
        url=f"https://proxy.example.com/do-api/v2/gen-ai/evaluation_runs/{RUN}",
        json={"evaluation_run": {"evaluation_run_uuid": RUN}},
    )
    run = await client.evaluation_runs.retrieve(RUN)
    assert run.evaluation_run_uuid == RUN
