"""``client.custom_evaluation_metrics``: the requests sent, the models returned, the catalog refreshed."""

from __future__ import annotations

import json

import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, GradientEvals, NotFoundError
from gradient_evals.types import EvaluationMetricSource

from ._catalog import BASE, METRICS_URL, TONE_CUSTOM, catalog_body

pytestmark = pytest.mark.anyio

CUSTOM_URL = f"{BASE}/v2/gen-ai/custom_evaluation_metrics"
NEW_UUID = "0f0e0d0c-0b0a-4908-8706-050403020100"


def _metric(uuid: str, name: str) -> dict[str, object]:
    return {
        "metric": {
            "metric_uuid": uuid,
            "metric_name": name,
            "source": "EVALUATION_METRIC_SOURCE_CUSTOM",
            "custom_eval_config": {"scoring_prompt": "Is it polite?", "requires_ground_truth": False},
        }
    }


async def test_create_sends_the_config_object(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=CUSTOM_URL, json=_metric(TONE_CUSTOM, "Politeness"))
    metric = await client.custom_evaluation_metrics.create(
        metric_name="Politeness", description="Polite answers", scoring_prompt="Is it polite?"
    )
    assert metric.metric_uuid == TONE_CUSTOM
    assert metric.source is EvaluationMetricSource.CUSTOM
    assert metric.custom_eval_config is not None
    assert metric.custom_eval_config.scoring_prompt == "Is it polite?"
    assert json.loads(httpx_mock.get_requests()[0].content) == {
        "metric_name": "Politeness",
        "description": "Polite answers",
        "config": {"scoring_prompt": "Is it polite?", "requires_ground_truth": False},
    }


async def test_create_is_not_retried_after_a_server_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=CUSTOM_URL, status_code=500, json={"id": "x", "message": "boom"})
    with pytest.raises(Exception, match="boom"):
        await client.custom_evaluation_metrics.create(metric_name="P", scoring_prompt="Is it polite?")
    assert len(httpx_mock.get_requests()) == 1  # a second POST could make a second metric


async def test_update_sends_only_what_changes_and_returns_the_new_uuid(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="PUT", url=f"{CUSTOM_URL}/{TONE_CUSTOM}", json=_metric(NEW_UUID, "Politeness"))
    metric = await client.custom_evaluation_metrics.update(TONE_CUSTOM, requires_ground_truth=True)
    assert metric.metric_uuid == NEW_UUID
    assert json.loads(httpx_mock.get_requests()[0].content) == {
        "metric_uuid": TONE_CUSTOM,
        "config": {"requires_ground_truth": True},
    }


async def test_delete(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="DELETE", url=f"{CUSTOM_URL}/{TONE_CUSTOM}", json={})
    assert await client.custom_evaluation_metrics.delete(TONE_CUSTOM) is None
    httpx_mock.add_response(
        method="DELETE", url=f"{CUSTOM_URL}/{NEW_UUID}", status_code=404, json={"id": "not_found", "message": "no"}
    )
    with pytest.raises(NotFoundError):
        await client.custom_evaluation_metrics.delete(NEW_UUID)


async def test_changes_refresh_the_catalog(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    httpx_mock.add_response(method="POST", url=CUSTOM_URL, json=_metric(TONE_CUSTOM, "Politeness"))
    extra = {"metric_uuid": TONE_CUSTOM, "metric_name": "Politeness"}
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body(extra))
    await client.evaluation_metrics.catalog()
    await client.custom_evaluation_metrics.create(metric_name="Politeness", scoring_prompt="Is it polite?")
    assert client.evaluation_metrics.cached() is None
    assert await client.evaluation_metrics.resolve("politeness") == TONE_CUSTOM


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"metric_name": "", "scoring_prompt": "p"}, ValueError, "metric_name must not be empty"),
        ({"metric_name": "m", "scoring_prompt": "  "}, ValueError, "scoring_prompt must not be empty"),
        ({"metric_name": "m", "scoring_prompt": "p", "requires_ground_truth": "yes"}, TypeError, "True or False"),
        ({"metric_name": "m", "scoring_prompt": "p", "description": 3}, TypeError, "description"),
    ],
)
async def test_create_refuses_bad_input_before_sending(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await client.custom_evaluation_metrics.create(**kwargs)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_update_refuses_bad_input_before_sending(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    with pytest.raises(ValueError, match="nothing to update"):
        await client.custom_evaluation_metrics.update(TONE_CUSTOM)
    with pytest.raises(ValueError, match="metric_uuid must be a UUID"):
        await client.custom_evaluation_metrics.update("tone", metric_name="x")
    assert httpx_mock.get_requests() == []


def test_blocking_client(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="PUT", url=f"{CUSTOM_URL}/{TONE_CUSTOM}", json=_metric(NEW_UUID, "P2"))
    with GradientEvals("test-token", base_url=BASE) as client:
        assert client.custom_evaluation_metrics.update(TONE_CUSTOM, metric_name="P2").metric_uuid == NEW_UUID


async def test_update_is_not_retried_after_a_server_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="PUT", url=f"{CUSTOM_URL}/{TONE_CUSTOM}", status_code=503, json={"id": "x", "message": "busy"}
    )
    with pytest.raises(Exception, match="busy"):
        await client.custom_evaluation_metrics.update(TONE_CUSTOM, requires_ground_truth=True)
    # The update may have issued a new UUID already: sending it again would answer 404 for the old one.
    assert len(httpx_mock.get_requests()) == 1
