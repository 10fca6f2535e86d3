"""``client.model_evaluation_presets``: each request's method and path, the models it returns, bad input refused;
then against the emulator: its answers over raw HTTP, both clients, and ``gradient-evals models presets``.

The emulator starts with two presets; a test seeds more with ``server.store(PresetStore).add(...)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from emulator.emulator_checks import assert_error
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, ConflictError, GradientEvals, NotFoundError
from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_presets import PresetStore
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


# Against the emulator.

PRESETS = "/v2/gen-ai/model_evaluation_presets"
GIVEN = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def seeded(server: FakeGradientServer) -> str:
    return server.store(PresetStore).add(
        name="seeded", candidate_model_uuid=MISSING, candidate_model_name="tiny", eval_preset_uuid=GIVEN
    )


def test_the_listing_holds_every_preset_and_one_reads_back_under_its_key(api: httpx.Client, seeded: str) -> None:
    listed = api.get(PRESETS).json()["presets"]
    assert [p["name"] for p in listed][-1] == "seeded"
    assert len(listed) == 3  # the two the emulator starts with, and the seeded one
    one = api.get(f"{PRESETS}/{seeded}").json()
    assert one["preset"]["eval_preset_uuid"] == GIVEN
    assert_error(api.get(f"{PRESETS}/{MISSING}"), 404, "not_found")


def test_deleting_removes_once_and_a_preset_in_use_is_refused(
    api: httpx.Client, server: FakeGradientServer, seeded: str
) -> None:
    server.store(PresetStore).in_use.add(seeded)
    assert_error(api.delete(f"{PRESETS}/{seeded}"), 409, "conflict")
    server.store(PresetStore).in_use.clear()
    assert api.delete(f"{PRESETS}/{seeded}").json() == {}
    assert_error(api.delete(f"{PRESETS}/{seeded}"), 404, "not_found")


def test_the_blocking_client_lists_retrieves_and_deletes(server: FakeGradientServer, seeded: str) -> None:
    with GradientEvals(server.token, base_url=server.base_url) as client:
        assert client.model_evaluation_presets.retrieve(seeded).name == "seeded"
        server.store(PresetStore).in_use.add(seeded)
        with pytest.raises(ConflictError, match="in progress"):
            client.model_evaluation_presets.delete(seeded)
        server.store(PresetStore).in_use.clear()
        client.model_evaluation_presets.delete(seeded)
        assert seeded not in {p.eval_preset_uuid for p in client.model_evaluation_presets.list()}
        with pytest.raises(NotFoundError):
            client.model_evaluation_presets.retrieve(seeded)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_async_client_lists_and_retrieves(server: FakeGradientServer, seeded: str, backend: str) -> None:
    async def go() -> None:
        async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
            presets = await client.model_evaluation_presets.list()
            assert [p.name for p in presets][-1] == "seeded"
            one = await client.model_evaluation_presets.retrieve(seeded)
            assert one.candidate_model_name == "tiny"

    anyio.run(go, backend=backend)


def test_the_command_line_lists_gets_and_deletes(
    server: FakeGradientServer, seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = ["--token", server.token, "--base-url", server.base_url]
    assert main([*auth, "models", "presets", "list"]) == 0
    assert "seeded" in capsys.readouterr().out
    assert main([*auth, "models", "presets", "get", seeded, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["eval_preset_uuid"] == GIVEN
    assert main([*auth, "models", "presets", "delete", seeded]) == 0
    assert main([*auth, "models", "presets", "get", seeded]) == 3
    assert "404" in capsys.readouterr().err
    assert main([*auth, "models", "presets", "get", "not-a-uuid"]) == 2
