"""``client.evaluation_metrics``: the catalog request, its model, and resolving names to UUIDs."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, GradientEvals, NotFoundError
from gradient_evals.types import (
    EvaluationMetric,
    EvaluationMetricCategory,
    EvaluationMetricSource,
    MetricValueType,
)

from ._catalog import BASE, CORRECTNESS, HALLUCINATION, METRICS_URL, TONE, TONE_CUSTOM, catalog_body

pytestmark = pytest.mark.anyio


async def test_list_returns_typed_metrics(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=METRICS_URL, json=catalog_body())
    metrics = await client.evaluation_metrics.list()
    assert isinstance(metrics, tuple)
    assert [m.metric_name for m in metrics] == ["Correctness", "Hallucination rate", "Tone"]
    correctness, hallucination, _ = metrics
    assert correctness.category is EvaluationMetricCategory.CORRECTNESS
    assert correctness.metric_value_type is MetricValueType.PERCENTAGE
    assert (correctness.range_min, correctness.range_max) == (0.0, 100.0)
    assert hallucination.inverted is True
    assert hallucination.source is EvaluationMetricSource.BUILTIN
    assert not hallucination.is_custom
    request = httpx_mock.get_requests()[0]
    assert request.headers["Authorization"] == "Bearer test-token"


async def test_unknown_enum_values_stay_strings(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=METRICS_URL,
        json={"metrics": [{"metric_name": "X", "category": "METRIC_CATEGORY_NEW", "evaluation_scope": "SCOPE_NEW"}]},
    )
    (metric,) = await client.evaluation_metrics.list()
    assert metric.category == "METRIC_CATEGORY_NEW"
    assert metric.evaluation_scope == "SCOPE_NEW"


async def test_names_resolve_case_insensitively_with_one_catalog_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    resolve = client.evaluation_metrics.resolve_all
    assert await resolve(["correctness", "HALLUCINATION  RATE", TONE]) == [CORRECTNESS, HALLUCINATION, TONE]
    assert await client.evaluation_metrics.resolve("Tone") == TONE
    assert len(httpx_mock.get_requests()) == 1  # cached for the client's life


async def test_uuids_and_models_need_no_catalog(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    model = EvaluationMetric(metric_uuid=TONE, metric_name="Tone")
    assert await client.evaluation_metrics.resolve_all([CORRECTNESS.upper(), model]) == [CORRECTNESS, TONE]
    assert httpx_mock.get_requests() == []


async def test_refresh_fetches_the_catalog_again(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    extra = {"metric_uuid": TONE_CUSTOM, "metric_name": "Brand voice", "source": "EVALUATION_METRIC_SOURCE_CUSTOM"}
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body(extra))
    with pytest.raises(ValueError, match="Brand voice"):
        await client.evaluation_metrics.resolve("Brand voice")
    await client.evaluation_metrics.catalog(refresh=True)
    assert await client.evaluation_metrics.resolve("brand voice") == TONE_CUSTOM
    assert client.evaluation_metrics.cached() is not None
    client.evaluation_metrics.invalidate()
    assert client.evaluation_metrics.cached() is None


async def test_unknown_name_lists_close_matches(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    with pytest.raises(ValueError, match=r"metrics\[1\]: no metric is called 'corectness'.*'Correctness'"):
        await client.evaluation_metrics.resolve_all(["Tone", "corectness"])
    with pytest.raises(ValueError, match="'Hallucination rate'"):
        await client.evaluation_metrics.resolve("hallucination")
    with pytest.raises(ValueError, match="known metrics: Correctness, Hallucination rate, Tone"):
        await client.evaluation_metrics.resolve("zzz")


async def test_ambiguous_name_is_refused(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    twin = {"metric_uuid": TONE_CUSTOM, "metric_name": "tone", "source": "EVALUATION_METRIC_SOURCE_CUSTOM"}
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body(twin))
    with pytest.raises(ValueError, match=f"ambiguous.*{TONE}.*{TONE_CUSTOM}"):
        await client.evaluation_metrics.resolve("Tone")


@pytest.mark.parametrize(
    ("ref", "error", "message"),
    [
        ("", ValueError, "must not be empty"),
        (f'"{CORRECTNESS}"', ValueError, "literal quotes"),
        (7, TypeError, "must be a metric name"),
        (EvaluationMetric(metric_name="no uuid"), ValueError, "no metric_uuid"),
    ],
)
async def test_bad_references_fail_before_any_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, ref: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await client.evaluation_metrics.resolve_all([ref])  # type: ignore[list-item]
    assert httpx_mock.get_requests() == []


async def test_a_lone_string_is_not_a_list(client: AsyncGradientEvals) -> None:
    with pytest.raises(TypeError, match="must be a list"):
        await client.evaluation_metrics.resolve_all("Correctness")


async def test_api_errors_are_typed(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=METRICS_URL, status_code=404, json={"id": "not_found", "message": "gone"})
    with pytest.raises(NotFoundError, match="gone"):
        await client.evaluation_metrics.list()


def test_blocking_client_lists_and_resolves(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=METRICS_URL, json=catalog_body())
    with GradientEvals("test-token", base_url=BASE) as client:
        assert client.evaluation_metrics.resolve("correctness") == CORRECTNESS
        assert [m.metric_uuid for m in client.evaluation_metrics.catalog()] == [CORRECTNESS, HALLUCINATION, TONE]
        client.evaluation_metrics.invalidate()
        assert client.evaluation_metrics.cached() is None
    assert len(httpx_mock.get_requests()) == 1
