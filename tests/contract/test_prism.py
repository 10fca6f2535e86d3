"""Every SDK method, once, against Prism serving the official specification.

Prism validates each request against the specification (path, query and body types, the bearer token) and
answers 422 or 401 when one breaks it, so a 200 here means the SDK spoke the API as specified; the bodies it
returns are the specification's own examples, which must parse. Prism's paging metadata is made up (page 123
of 123), so nothing here auto-paginates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gradient_evals import (
    AsyncGradientEvals,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RunCreationUnknownError,
)
from gradient_evals.types import CreatedEvaluationRuns, EvaluationPrompt, EvaluationRun, ResultsPage

from ._operations import OPERATIONS

# Deselected by default (pyproject's addopts): `nox -s contract` starts Prism and runs them with `-m contract`.
pytestmark = [pytest.mark.anyio, pytest.mark.contract]

RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
TOKEN = "contract-test-token"


@pytest.fixture
async def client(prism_url: str) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(access_token=TOKEN, base_url=prism_url, max_retries=0, timeout=20) as sdk:
        yield sdk


async def test_create_with_agent_uuids(client: AsyncGradientEvals) -> None:
    created = await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="contract")
    assert isinstance(created, CreatedEvaluationRuns)
    assert created.evaluation_run_uuids


async def test_create_with_agent_deployment_names(client: AsyncGradientEvals) -> None:
    created = await client.evaluation_runs.create(
        test_case_uuid=TEST_CASE, agent_deployment_names=["support-prod", "support-canary"]
    )
    assert created.evaluation_run_uuids


async def test_create_with_both_kinds_of_agent(client: AsyncGradientEvals) -> None:
    created = await client.evaluation_runs.create(
        test_case_uuid=TEST_CASE, agent_uuids=[AGENT], agent_deployment_names=["support-prod"]
    )
    assert created.evaluation_run_uuids


async def test_retrieve(client: AsyncGradientEvals) -> None:
    run = await client.evaluation_runs.retrieve(RUN)
    assert isinstance(run, EvaluationRun)
    assert run.evaluation_run_uuid
    assert run.status is not None


@pytest.mark.parametrize(("page", "per_page"), [(None, None), (1, 10), (3, 1)])
async def test_list_results(client: AsyncGradientEvals, page: int | None, per_page: int | None) -> None:
    results = await client.evaluation_runs.list_results(RUN, page=page, per_page=per_page)
    assert isinstance(results, ResultsPage)
    assert results.prompts
    assert all(isinstance(p, EvaluationPrompt) for p in results.prompts)
    assert results.meta.total is not None


async def test_retrieve_results(client: AsyncGradientEvals) -> None:
    prompt = await client.evaluation_runs.retrieve_results(RUN, 1)
    assert isinstance(prompt, EvaluationPrompt)
    assert prompt.prompt_id is not None


async def test_list_evaluation_runs(client: AsyncGradientEvals) -> None:
    runs = await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE)
    assert runs
    assert all(isinstance(r, EvaluationRun) for r in runs)


async def test_list_evaluation_runs_of_one_version(client: AsyncGradientEvals) -> None:
    runs = await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE, evaluation_test_case_version=2)
    assert runs


@pytest.mark.parametrize("operation_id", list(OPERATIONS))
async def test_every_operation_is_accepted_and_its_answer_parses(client: AsyncGradientEvals, operation_id: str) -> None:
    # Prism checks the request against the operation (path, query, body), so a 200 means the SDK sent what the
    # specification asks: the metric UUID list on create, the {"metric_uuids": [...]} object on update.
    _, _, call, check = OPERATIONS[operation_id]
    result = await call(client)
    assert check(result), result


# -- Prism does check: the controls that give the successes above their meaning --------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", f"/v2/gen-ai/evaluation_runs/{RUN}", {"headers": {}}, 401),
        ("POST", "/v2/gen-ai/evaluation_runs", {"json": {"test_case_uuid": 5}}, 422),
        ("POST", "/v2/gen-ai/evaluation_runs", {"json": {"agent_uuids": "not-a-list"}}, 422),
        ("GET", f"/v2/gen-ai/evaluation_runs/{RUN}/results", {"params": {"page": "first"}}, 422),
        ("GET", f"/v2/gen-ai/evaluation_runs/{RUN}/results", {"params": {"per_page": "1.5"}}, 422),
        ("GET", f"/v2/gen-ai/evaluation_runs/{RUN}/results/one", {}, 422),
        (
            "GET",
            f"/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs",
            {"params": {"evaluation_test_case_version": "v2"}},
            422,
        ),
        ("POST", "/v2/gen-ai/evaluation_test_cases", {"json": {"metrics": {"metric_uuids": [AGENT]}}}, 422),
        ("PUT", f"/v2/gen-ai/evaluation_test_cases/{TEST_CASE}", {"json": {"metrics": [AGENT]}}, 422),
        ("POST", "/v2/gen-ai/evaluation_test_cases", {"json": {"star_metric": {"success_threshold_pct": "80"}}}, 422),
    ],
    ids=[
        "no-token",
        "body-type",
        "list-type",
        "page-type",
        "per-page-type",
        "prompt-id-type",
        "version-type",
        "create-metrics-shape",
        "update-metrics-shape",
        "star-threshold-type",
    ],
)
async def test_prism_refuses_requests_that_break_the_specification(
    prism_url: str, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    options = {"headers": {"Authorization": f"Bearer {TOKEN}"}, **kwargs}  # "headers": {} sends no token
    async with httpx.AsyncClient(base_url=prism_url, timeout=20) as raw:
        response = await raw.request(method, path, **options)
    assert response.status_code == status, response.text


async def test_prism_accepts_what_the_sdk_sends_for_the_same_requests(prism_url: str) -> None:
    async with httpx.AsyncClient(base_url=prism_url, timeout=20) as raw:
        response = await raw.get(f"/v2/gen-ai/evaluation_runs/{RUN}/results", params={"page": 1, "per_page": 10})
        assert response.status_code == 401  # no token...
        response = await raw.get(
            f"/v2/gen-ai/evaluation_runs/{RUN}/results",
            params={"page": 1, "per_page": 10},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 200  # ...and with one


# -- the specification's error examples, through the SDK's error mapping ----------------------------------


@pytest.mark.parametrize(
    ("code", "error", "error_id"),
    [
        (401, AuthenticationError, "unauthorized"),
        (404, NotFoundError, "not_found"),
        (429, RateLimitError, "too_many_requests"),
        (500, InternalServerError, "server_error"),
    ],
)
async def test_documented_error_responses_map_to_typed_errors(
    prism_url: str, code: int, error: type[Exception], error_id: str
) -> None:
    # Prism answers with the documented response for a status when asked with `Prefer: code=...`.
    http = httpx.AsyncClient(headers={"Prefer": f"code={code}"}, timeout=20)
    async with http, AsyncGradientEvals(access_token=TOKEN, base_url=prism_url, max_retries=0, http_client=http) as sdk:
        with pytest.raises(error) as info:
            await sdk.evaluation_runs.retrieve(RUN)
        assert info.value.error_id == error_id  # type: ignore[attr-defined]
        assert info.value.error_message  # type: ignore[attr-defined]
        with pytest.raises((error, RunCreationUnknownError)):
            await sdk.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT])
        with pytest.raises(error):
            await sdk.evaluation_test_cases.list_evaluation_runs(TEST_CASE)
