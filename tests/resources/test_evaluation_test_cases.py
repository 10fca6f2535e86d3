"""client.evaluation_test_cases: the request each method sends and the model it returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals
from gradient_evals.types import (
    EvaluationRun,
)

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
Example = Callable[[str], Any]


# -- evaluation_test_cases.list_evaluation_runs ------------------------------------------------------------


async def test_list_evaluation_runs_with_version(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    example: Example,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs?evaluation_test_case_version=2",
        method="GET",
        json=example("spec_list_runs_by_test_case"),
    )
    runs = await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE, evaluation_test_case_version=2)
    assert isinstance(runs, list)
    assert len(runs) == 1
    assert isinstance(runs[0], EvaluationRun)
    assert runs[0].test_case_version == 123
    request = only_request()
    assert request.url.path == f"/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs"
    assert dict(request.url.params) == {"evaluation_test_case_version": "2"}
    assert_common_headers(request)


async def test_list_evaluation_runs_without_version(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    runs_body = {
        "evaluation_runs": [
            {"evaluation_run_uuid": RUN, "status": "EVALUATION_RUN_SUCCESSFUL", "run_name": "a"},
            {"evaluation_run_uuid": AGENT, "status": "EVALUATION_RUN_QUEUED", "run_name": "b"},
        ]
    }
    httpx_mock.add_response(url=f"{BASE}/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs", json=runs_body)
    runs = await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE)
    assert [r.run_name for r in runs] == ["a", "b"]
    assert [r.is_terminal for r in runs] == [True, False]
    request = only_request()
    assert "evaluation_test_case_version" not in request.url.params
    assert request.url.query == b""


async def test_list_evaluation_runs_empty(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE}/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs", json={})
    assert await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE) == []
