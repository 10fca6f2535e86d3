"""``client.model_evaluation_presets``: each request's method and path, the models it returns, bad input refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, ConflictError, GradientEvals
from gradient_evals.types import (
    CandidateModelSource,
    EvaluationMetric,
    ModelEvaluationPreset,
    PresetSaveSection,
)

pytestmark = pytest.mark.anyio

PRESETS_URL = "https://api.digitalocean.com/v2/gen-ai/model_evaluation_presets"
PRESET = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

SAVED: dict[str, Any] = {
    "eval_preset_uuid": PRESET,
    "name": "support answers",
    "created_at": "2025-03-04T05:06:07Z",
    "candidate_model_uuid": "7f3e1c2a-0000-4000-8000-000000000001",
    "candidate_model_source": "CANDIDATE_MODEL_SOURCE_SERVERLESS",
    "candidate_inference_config": {"temperature": 0.2, "max_tokens": "512", "system_prompt": "Be brief."},
    "metrics": [{"metric_uuid": "3f1c2b4a-1111-4a5b-8c6d-7e8f9a0b1c2d", "metric_name": "Correctness"}],
    "star_metric": {"metric_uuid": "3f1c2b4a-1111-4a5b-8c6d-7e8f9a0b1c2d", "success_threshold_pct": 80},
    "saved_sections": ["PRESET_SAVE_SECTION_CANDIDATE", "PRESET_SAVE_SECTION_FROM_THE_FUTURE"],
    "a_key_from_the_future": 1,
}


async def test_list_gets_every_preset(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    httpx_mock.add_response(url=PRESETS_URL, json={"presets": [SAVED, {"name": "bare"}]})
    presets = await client.model_evaluation_presets.list()
    request = only_request()
    assert (request.method, request.url.query) == ("GET", b"")
    assert_common_headers(request)
    first, bare = presets
    assert isinstance(first, ModelEvaluationPreset)
    assert first.candidate_model_source is CandidateModelSource.SERVERLESS
    assert first.candidate_inference_config is not None
    assert first.candidate_inference_config.max_tokens == 512
    assert first.metrics
    assert isinstance(first.metrics[0], EvaluationMetric)
    assert first.star_metric is not None
    assert first.star_metric.success_threshold_pct == 80
    # A list of open-enum values: known ones become members, an unknown one stays a string.
    assert first.saved_sections == (PresetSaveSection.CANDIDATE, "PRESET_SAVE_SECTION_FROM_THE_FUTURE")
    assert first.saved_sections[0] is PresetSaveSection.CANDIDATE
    assert (bare.name, bare.metrics, bare.saved_sections, bare.created_at) == ("bare", (), (), None)


async def test_retrieve_reads_the_preset_under_its_key(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(url=f"{PRESETS_URL}/{PRESET}", json={"preset": SAVED})
    preset = await client.model_evaluation_presets.retrieve(PRESET)
    assert only_request().method == "GET"
    assert preset.eval_preset_uuid == PRESET
    assert preset.created_at is not None
    assert preset.created_at.year == 2025


async def test_delete_sends_delete_and_raises_the_apis_refusal_typed(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="DELETE", url=f"{PRESETS_URL}/{PRESET}", json={})
    assert await client.model_evaluation_presets.delete(PRESET) is None
    httpx_mock.add_response(
        method="DELETE", url=f"{PRESETS_URL}/{PRESET}", status_code=409, json={"id": "conflict", "message": "in use"}
    )
    with pytest.raises(ConflictError, match="in use"):
        await client.model_evaluation_presets.delete(PRESET)
    assert [r.method for r in httpx_mock.get_requests()] == ["DELETE", "DELETE"]


@pytest.mark.parametrize("bad", ["not-a-uuid", "", "../presets", 42])
async def test_a_bad_preset_uuid_is_refused_before_any_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, bad: Any
) -> None:
    with pytest.raises((ValueError, TypeError)):
        await client.model_evaluation_presets.retrieve(bad)
    with pytest.raises((ValueError, TypeError)):
        await client.model_evaluation_presets.delete(bad)
    assert httpx_mock.get_requests() == []


def test_the_blocking_client_lists_and_retrieves(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=PRESETS_URL, json={"presets": [SAVED]})
    httpx_mock.add_response(url=f"{PRESETS_URL}/{PRESET}", json={"preset": SAVED})
    with GradientEvals("test-token", max_retries=0) as sync_client:
        assert [p.name for p in sync_client.model_evaluation_presets.list()] == ["support answers"]
        assert sync_client.model_evaluation_presets.retrieve(PRESET).name == "support answers"
