"""``client.evaluation_test_cases``: every operation's request and model, names resolved, bad input refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, BadRequestError, GradientEvals
from gradient_evals.types import (
    EvaluationDatasetType,
    EvaluationMetric,
    EvaluationRun,
    EvaluationTestCase,
    StarMetric,
    UpdatedEvaluationTestCase,
)

from ._catalog import BASE, CORRECTNESS, DATASET, HALLUCINATION, METRICS_URL, TEST_CASE, TONE, WORKSPACE, catalog_body

pytestmark = pytest.mark.anyio

CASES_URL = f"{BASE}/v2/gen-ai/evaluation_test_cases"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
Example = Callable[[str], Any]

TEST_CASE_BODY: dict[str, Any] = {
    "test_case_uuid": TEST_CASE,
    "name": "support",
    "version": 3,
    "dataset": {
        "dataset_uuid": DATASET,
        "dataset_name": "faq.csv",
        "dataset_type": "EVALUATION_DATASET_TYPE_ADK",
        "file_size": "12345",
        "row_count": 40,
    },
    "metrics": catalog_body()["metrics"],
    "star_metric": {"metric_uuid": CORRECTNESS, "name": "Correctness", "success_threshold_pct": 80},
    "total_runs": 7,
    "created_by_user_id": "18446744073709551615",
    "updated_by_user_id": '"12345"',
    "created_at": "2025-01-02T03:04:05Z",
}


def _body(httpx_mock: HTTPXMock, method: str) -> Any:
    (request,) = [r for r in httpx_mock.get_requests() if r.method == method]
    return json.loads(request.content)


async def test_create_resolves_names_and_sends_a_plain_uuid_list(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    httpx_mock.add_response(method="POST", url=CASES_URL, json={"test_case_uuid": TEST_CASE})
    uuid = await client.evaluation_test_cases.create(
        name="support",
        dataset_uuid=DATASET,
        metrics=["correctness", EvaluationMetric(metric_uuid=TONE), HALLUCINATION],
        star_metric=StarMetric(name="CORRECTNESS", success_threshold_pct=80),
        description="FAQ answers",
        workspace_uuid=WORKSPACE,
        agent_workspace_name="support-ws",
    )
    assert uuid == TEST_CASE
    assert _body(httpx_mock, "POST") == {
        "name": "support",
        "dataset_uuid": DATASET,
        "metrics": [CORRECTNESS, TONE, HALLUCINATION],
        "star_metric": {"metric_uuid": CORRECTNESS, "name": "Correctness", "success_threshold_pct": 80},
        "description": "FAQ answers",
        "workspace_uuid": WORKSPACE,
        "agent_workspace_name": "support-ws",
    }


async def test_update_wraps_the_metrics_and_returns_the_new_version(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    httpx_mock.add_response(
        method="PUT", url=f"{CASES_URL}/{TEST_CASE}", json={"test_case_uuid": TEST_CASE, "version": 4}
    )
    updated = await client.evaluation_test_cases.update(
        TEST_CASE,
        metrics=["Tone", CORRECTNESS],
        star_metric=StarMetric(metric_uuid=CORRECTNESS, success_threshold=0.75),
    )
    assert updated == UpdatedEvaluationTestCase(test_case_uuid=TEST_CASE, version=4)
    assert _body(httpx_mock, "PUT") == {
        "test_case_uuid": TEST_CASE,
        "metrics": {"metric_uuids": [TONE, CORRECTNESS]},
        "star_metric": {"metric_uuid": CORRECTNESS, "success_threshold": 0.75},
    }


async def test_update_of_the_name_alone_needs_no_catalog(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="PUT", url=f"{CASES_URL}/{TEST_CASE}", json={"test_case_uuid": TEST_CASE, "version": 2}
    )
    await client.evaluation_test_cases.update(TEST_CASE, name="renamed")
    assert _body(httpx_mock, "PUT") == {"test_case_uuid": TEST_CASE, "name": "renamed"}
    assert len(httpx_mock.get_requests()) == 1


async def test_retrieve_parses_the_whole_test_case(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{CASES_URL}/{TEST_CASE}?evaluation_test_case_version=2", json={"evaluation_test_case": TEST_CASE_BODY}
    )
    case = await client.evaluation_test_cases.retrieve(TEST_CASE, evaluation_test_case_version=2)
    assert isinstance(case, EvaluationTestCase)
    assert case.version == 3
    assert case.dataset is not None
    assert case.dataset.dataset_type is EvaluationDatasetType.ADK
    assert case.dataset.file_size == 12345  # a uint64 count: an int
    assert case.created_by_user_id == "18446744073709551615"  # an identifier: stays a string
    assert case.updated_by_user_id == '"12345"'
    assert [m.metric_name for m in case.metrics] == ["Correctness", "Hallucination rate", "Tone"]
    assert case.star_metric == StarMetric(metric_uuid=CORRECTNESS, name="Correctness", success_threshold_pct=80)


async def test_lists(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=CASES_URL, json={"evaluation_test_cases": [TEST_CASE_BODY]})
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/workspaces/{WORKSPACE}/evaluation_test_cases", json={"evaluation_test_cases": []}
    )
    (case,) = await client.evaluation_test_cases.list()
    assert case.test_case_uuid == TEST_CASE
    assert await client.evaluation_test_cases.list_by_workspace(WORKSPACE) == ()


async def test_api_refusal_carries_the_message(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST", url=CASES_URL, status_code=400, json={"id": "invalid_argument", "message": "dataset not found"}
    )
    with pytest.raises(BadRequestError, match="dataset not found"):
        await client.evaluation_test_cases.create(name="n", dataset_uuid=DATASET, metrics=[CORRECTNESS])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": ""}, ValueError, "name must not be empty"),
        ({"dataset_uuid": "faq.csv"}, ValueError, "dataset_uuid must be a UUID"),
        ({"metrics": []}, ValueError, "at least one metric"),
        ({"metrics": "Correctness"}, TypeError, "must be a list"),
        ({"metrics": ["Corectness"]}, ValueError, "close matches: 'Correctness'"),
        (
            {"star_metric": StarMetric(name="Correctness", success_threshold=1, success_threshold_pct=1)},
            ValueError,
            "not both",
        ),
        ({"star_metric": StarMetric(name="Correctness", success_threshold_pct=101)}, ValueError, "from 0 to 100"),
        ({"star_metric": StarMetric(name="Correctness", success_threshold_pct=-1)}, ValueError, "from 0 to 100"),
        ({"star_metric": StarMetric(name="Correctness", success_threshold=float("nan"))}, ValueError, "finite"),
        ({"star_metric": StarMetric(name="Correctness", success_threshold_pct=50.5)}, TypeError, "int from 0"),  # type: ignore[arg-type]
        ({"star_metric": StarMetric(success_threshold_pct=50)}, ValueError, "needs a metric"),
        ({"star_metric": StarMetric(name="Corectness")}, ValueError, "star_metric.name: no metric"),
        ({"star_metric": "Correctness"}, TypeError, "must be a StarMetric"),
    ],
)
async def test_create_refuses_bad_input_before_sending_it(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body(), is_optional=True)
    arguments: dict[str, Any] = {"name": "n", "dataset_uuid": DATASET, "metrics": ["Correctness"], **kwargs}
    with pytest.raises(error, match=message):
        await client.evaluation_test_cases.create(**arguments)
    assert all(r.method == "GET" for r in httpx_mock.get_requests())  # at most the catalog was read


async def test_update_refuses_bad_input_before_sending_it(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    with pytest.raises(ValueError, match="nothing to update"):
        await client.evaluation_test_cases.update(TEST_CASE)
    with pytest.raises(ValueError, match="at least one metric"):
        await client.evaluation_test_cases.update(TEST_CASE, metrics=[])
    with pytest.raises(ValueError, match="evaluation_test_case_version must be at least 1"):
        await client.evaluation_test_cases.retrieve(TEST_CASE, evaluation_test_case_version=0)
    assert httpx_mock.get_requests() == []


def test_blocking_client(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    httpx_mock.add_response(method="POST", url=CASES_URL, json={"test_case_uuid": TEST_CASE})
    httpx_mock.add_response(url=f"{CASES_URL}/{TEST_CASE}", json={"evaluation_test_case": TEST_CASE_BODY})
    with GradientEvals("test-token", base_url=BASE) as client:
        uuid = client.evaluation_test_cases.create(name="n", dataset_uuid=DATASET, metrics=["Tone"])
        assert client.evaluation_test_cases.retrieve(uuid).name == "support"


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


async def test_update_is_not_retried_after_a_server_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="PUT", url=f"{CASES_URL}/{TEST_CASE}", status_code=502, json={"id": "x", "message": "gateway"}
    )
    with pytest.raises(Exception, match="gateway"):
        await client.evaluation_test_cases.update(TEST_CASE, name="renamed")
    # The update may have made a new version already: sending it again would make another.
    assert len(httpx_mock.get_requests()) == 1
