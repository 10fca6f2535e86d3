"""DigitalOcean's own client (pydo) runs its model-evaluation and agent-version calls against the emulator.

pydo sends a bearer token only over HTTPS unless a call says ``enforce_https=False``, which every call here does:
the emulator serves plain HTTP on loopback.
"""

from __future__ import annotations

import pytest

from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_metrics import KNOWN_MODELS

pydo = pytest.importorskip("pydo", reason="pydo (DigitalOcean's client) is not installed; `pip install pydo`")

PLAIN = {"enforce_https": False}
TERMINAL = {"MODEL_EVALUATION_RUN_SUCCESSFUL", "MODEL_EVALUATION_RUN_CANCELLED"}


def test_every_model_evaluation_call_of_pydo_succeeds(server: FakeGradientServer) -> None:
    genai = pydo.Client(token=server.token, endpoint=server.base_url).genai
    dataset = server.add_dataset(rows=6)
    agent = server.add_agent(name="pydo-bot")
    server.add_run(test_case_uuid=server.add_test_case(prompts=2), agent_uuid=agent)

    metrics = genai.list_model_evaluation_metrics(**PLAIN)["metrics"]
    body = {
        "dataset_uuid": dataset,
        "candidate_model_uuid": KNOWN_MODELS[1].uuid,
        "judge_model_uuid": KNOWN_MODELS[0].uuid,
        "metric_uuids": [m["metric_uuid"] for m in metrics[:2]],
        "save_as_preset": True,
        "preset_name": "from pydo",
    }
    server.run_duration = 0.0  # this run is finished as soon as it is made: no waiting in the test
    run_uuid = genai.create_model_evaluation_run(body=body, **PLAIN)["eval_run_uuid"]
    listed = genai.list_model_evaluation_runs(statuses=["MODEL_EVALUATION_RUN_QUEUED"], per_page=5, **PLAIN)
    assert listed["meta"]["total"] >= 0
    renamed = genai.update_model_evaluation_run(run_uuid, body={"eval_run_uuid": run_uuid, "name": "p"}, **PLAIN)
    assert renamed["run"]["name"] == "p"
    run = genai.get_model_evaluation_run(run_uuid, **PLAIN)["run"]
    assert run["status"] == "MODEL_EVALUATION_RUN_SUCCESSFUL"
    assert run["progress"]["judge_rows_evaluated"] == 6
    url = genai.get_model_evaluation_run_results_download_url(run_uuid, **PLAIN)["download_url"]
    assert url.startswith("http")

    presets = genai.list_model_evaluation_presets(**PLAIN)["presets"]
    saved = next(p for p in presets if p["name"] == "from pydo")
    assert genai.get_model_evaluation_preset(saved["eval_preset_uuid"], **PLAIN)["preset"]["name"] == "from pydo"
    genai.delete_model_evaluation_preset(saved["eval_preset_uuid"], **PLAIN)
    genai.delete_model_evaluation_run(run_uuid, **PLAIN)

    server.run_duration = 60.0  # this one is still going when it is cancelled
    second = genai.create_model_evaluation_run(body=body | {"save_as_preset": False}, **PLAIN)["eval_run_uuid"]
    assert (
        genai.cancel_model_evaluation_run(second, body={"eval_run_uuid": second}, **PLAIN)["run"]["status"] in TERMINAL
    )

    uploads = genai.create_model_eval_dataset_upload_presigned_urls(
        body={"files": [{"file_name": "rows.csv", "file_size": "40"}]}, **PLAIN
    )["uploads"]
    assert uploads[0]["presigned_url"]
    versions = genai.list_agent_versions(agent, per_page=10, **PLAIN)["agent_versions"]
    assert len(versions) == 1
