"""Model-evaluation presets against the emulator: raw HTTP, both clients, and ``gradient-evals models presets``.

The emulator starts with two presets; a test seeds more with ``server.store(PresetStore).add(...)``.
"""

from __future__ import annotations

import json

import anyio
import httpx
import pytest
from emulator.emulator_checks import assert_error

from gradient_evals import AsyncGradientEvals, ConflictError, GradientEvals, NotFoundError
from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_presets import PresetStore

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
