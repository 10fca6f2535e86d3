"""``client.model_evaluation_runs`` and ``client.model_evaluation_metrics``: each request's method, path, query
and body, the models returned, and bad input refused before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, ConflictError, GradientEvals
from gradient_evals.resources.model_evaluation_runs import ModelRunDeleteError
from gradient_evals.types import (
    CandidateInferenceConfig,
    ModelEvaluationRun,
    ModelEvaluationRunsPage,
    ModelEvaluationRunStatus,
    StarMetric,
)

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com/v2/gen-ai"
RUNS = f"{BASE}/model_evaluation_runs"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
DATASET = "8d7c6b5a-4939-4281-8e7f-6a5b4c3d2e1f"
JUDGE = "c0ffee00-0000-4000-8000-00000000aaaa"
METRIC = "3f1c2b4a-1111-4a5b-8c6d-7e8f9a0b1c2d"
PRESET = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

DETAIL: dict[str, Any] = {
    "eval_run_uuid": RUN,
    "status": "MODEL_EVALUATION_RUN_SUCCESSFUL",
    "progress": {"candidate_rows_evaluated": "10", "judge_rows_evaluated": 10, "total_rows": 10},
    "result_summary": {
        "overall_score_percent": 81.5,
        "performance_metrics": {
            "candidate_latency": {"p95_latency_ms": 812.5},
            "token_usage": {"total_candidate_tokens": "18446744073709551615"},
        },
        "pricing": {"currency": "USD", "total_cost": 0.0123},
    },
    "metrics": [{"metric_uuid": METRIC, "metric_name": "Correctness"}],
    "a_key_from_the_future": True,
}


def _query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode())


async def test_list_sends_filters_and_sort_as_the_api_spells_them(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(
        json={
            "runs": [{"eval_run_uuid": RUN, "status": "MODEL_EVALUATION_RUN_SOMETHING_NEW"}],
            "available_statuses": ["MODEL_EVALUATION_RUN_QUEUED"],
            "meta": {"page": 2, "pages": 2, "total": 3},
        }
    )
    page = await client.model_evaluation_runs.list(
        page=2,
        per_page=2,
        statuses=["successful", ModelEvaluationRunStatus.FAILED],
        candidate_types=["serverless"],
        eval_preset_uuid=PRESET,
        search="llama",
        sort_by="created_at",
        sort_direction="asc",
    )
    request = only_request()
    assert (request.method, request.url.path) == ("GET", "/v2/gen-ai/model_evaluation_runs")
    assert _query(request) == {
        "page": ["2"],
        "per_page": ["2"],
        "statuses": ["MODEL_EVALUATION_RUN_SUCCESSFUL", "MODEL_EVALUATION_RUN_FAILED"],
        "candidate_types": ["CANDIDATE_MODEL_SOURCE_SERVERLESS"],
        "eval_preset_uuid": [PRESET],
        "search": ["llama"],
        "sort_by": ["MODEL_EVALUATION_RUN_SORT_FIELD_CREATED_AT"],
        "sort_direction": ["SORT_DIRECTION_ASC"],
    }
    assert isinstance(page, ModelEvaluationRunsPage)
    assert page.runs[0].status == "MODEL_EVALUATION_RUN_SOMETHING_NEW"  # an unknown status stays a string
    assert page.available_statuses == (ModelEvaluationRunStatus.QUEUED,)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"statuses": ["finished"]}, ValueError),
        ({"statuses": "successful"}, TypeError),
        ({"sort_direction": "up"}, ValueError),
        ({"sort_by": "name"}, ValueError),
        ({"eval_preset_uuid": "x"}, ValueError),
        ({"page": 0}, ValueError),
    ],
)
async def test_bad_listing_arguments_are_refused_before_any_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        await client.model_evaluation_runs.list(**kwargs)
    assert httpx_mock.get_requests() == []


async def test_create_sends_a_slug_as_the_candidates_name_and_saves_a_preset(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(method="POST", url=RUNS, json={"eval_run_uuid": RUN})
    created = await client.model_evaluation_runs.create(
        dataset_uuid=DATASET,
        candidate_model="llama3-8b-instruct",
        judge_model_uuid=JUDGE,
        metric_uuids=[METRIC],
        name="small model",
        candidate_inference_config=CandidateInferenceConfig(temperature=0.1, system_prompt="Be brief."),
        star_metric=StarMetric(metric_uuid=METRIC, success_threshold_pct=80),
        preset_name="small",
        preset_save_sections=["candidate", "judge"],
    )
    assert created == RUN
    assert json.loads(only_request().content) == {
        "dataset_uuid": DATASET,
        "candidate_model_name": "llama3-8b-instruct",
        "judge_model_uuid": JUDGE,
        "metric_uuids": [METRIC],
        "name": "small model",
        "candidate_inference_config": {"temperature": 0.1, "system_prompt": "Be brief."},
        "star_metric": {"metric_uuid": METRIC, "success_threshold_pct": 80},
        "save_as_preset": True,
        "preset_name": "small",
        "preset_save_sections": ["PRESET_SAVE_SECTION_CANDIDATE", "PRESET_SAVE_SECTION_JUDGE"],
    }


async def test_create_sends_a_uuid_as_the_candidates_uuid(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(method="POST", url=RUNS, json={"eval_run_uuid": RUN})
    await client.model_evaluation_runs.create(
        dataset_uuid=DATASET, candidate_model=JUDGE.upper(), judge_model_uuid=JUDGE, metric_uuids=[METRIC]
    )
    body = json.loads(only_request().content)
    assert body["candidate_model_uuid"] == JUDGE
    assert "candidate_model_name" not in body


@pytest.mark.parametrize(
    "kwargs",
    [
        {"metric_uuids": []},
        {"metric_uuids": METRIC},
        {"judge_model_uuid": "llama3.3-70b-instruct"},
        {"dataset_uuid": "data.csv"},
        {"candidate_model": "  "},
        {"preset_save_sections": ["candidate"]},
        {"candidate_model_source": "cloud"},
    ],
)
async def test_bad_create_arguments_are_refused_before_any_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, kwargs: dict[str, Any]
) -> None:
    arguments: dict[str, Any] = {
        "dataset_uuid": DATASET,
        "candidate_model": "llama3-8b-instruct",
        "judge_model_uuid": JUDGE,
        "metric_uuids": [METRIC],
    }
    with pytest.raises((TypeError, ValueError)):
        await client.model_evaluation_runs.create(**(arguments | kwargs))
    assert httpx_mock.get_requests() == []


async def test_retrieve_reads_the_run_with_its_summary(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{RUNS}/{RUN}", json={"run": DETAIL, "results": [], "meta": {}})
    run = await client.model_evaluation_runs.retrieve(RUN)
    assert isinstance(run, ModelEvaluationRun)
    assert run.status is ModelEvaluationRunStatus.SUCCESSFUL
    assert run.status.is_terminal
    assert run.progress is not None
    assert run.progress.candidate_rows_evaluated == 10
    summary = run.result_summary
    assert summary is not None
    assert summary.overall_score_percent == 81.5
    assert summary.performance_metrics is not None
    assert summary.performance_metrics.token_usage is not None
    assert summary.performance_metrics.token_usage.total_candidate_tokens == 18446744073709551615


async def test_update_patches_the_name_and_cancel_puts(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PATCH", url=f"{RUNS}/{RUN}", json={"run": {"eval_run_uuid": RUN, "name": "n"}})
    httpx_mock.add_response(
        method="PUT", url=f"{RUNS}/{RUN}/cancel", json={"run": {"status": "MODEL_EVALUATION_RUN_CANCELLING"}}
    )
    assert (await client.model_evaluation_runs.update(RUN, name="n")).name == "n"
    cancelled = await client.model_evaluation_runs.cancel(RUN)
    assert cancelled.status is ModelEvaluationRunStatus.CANCELLING
    patch, put = httpx_mock.get_requests()
    assert json.loads(patch.content) == {"eval_run_uuid": RUN, "name": "n"}
    assert json.loads(put.content) == {"eval_run_uuid": RUN}


async def test_cancelling_a_finished_run_raises_the_apis_error_typed(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="PUT", url=f"{RUNS}/{RUN}/cancel", status_code=409, json={"id": "conflict", "message": "finished"}
    )
    with pytest.raises(ConflictError, match="finished"):
        await client.model_evaluation_runs.cancel(RUN)


async def test_delete_raises_when_the_api_answers_its_failure_status(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="DELETE", url=f"{RUNS}/{RUN}", json={"status": "DELETE_MODEL_EVALUATION_RUN_STATUS_SUCCESS"}
    )
    assert await client.model_evaluation_runs.delete(RUN) is None
    httpx_mock.add_response(
        method="DELETE",
        url=f"{RUNS}/{RUN}",
        json={"status": "DELETE_MODEL_EVALUATION_RUN_STATUS_FAIL", "error": "busy"},
    )
    with pytest.raises(ModelRunDeleteError, match="busy"):
        await client.model_evaluation_runs.delete(RUN)


async def test_the_download_url_is_kept_out_of_repr(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    secret = "https://bucket.example/results.json.gz?X-Signature=secret"
    httpx_mock.add_response(url=f"{RUNS}/{RUN}/results/download_url", json={"download_url": secret})
    answer = await client.model_evaluation_runs.results_download_url(RUN)
    assert answer.download_url == secret
    assert "secret" not in repr(answer)


async def test_model_metrics_lists_the_catalog(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE}/model_evaluation_metrics", json={"metrics": [{"metric_name": "Toxicity"}]})
    assert [m.metric_name for m in await client.model_evaluation_metrics.list()] == ["Toxicity"]


def test_the_blocking_client_retrieves(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{RUNS}/{RUN}", json={"run": DETAIL})
    with GradientEvals("test-token", max_retries=0) as sync_client:
        assert sync_client.model_evaluation_runs.retrieve(RUN).eval_run_uuid == RUN
