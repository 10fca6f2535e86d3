"""The metric catalog and custom metrics, over raw HTTP: what the emulator answers, as the API would."""

from __future__ import annotations

from typing import Any

import httpx
from emulator.emulator_checks import assert_common_headers, assert_error

from gradient_evals.testing import FakeGradientServer

METRICS = "/v2/gen-ai/evaluation_metrics"
CUSTOM = "/v2/gen-ai/custom_evaluation_metrics"


def _catalog(api: httpx.Client) -> list[dict[str, Any]]:
    resp = api.get(METRICS)
    assert resp.status_code == 200
    assert_common_headers(resp)
    metrics: list[dict[str, Any]] = resp.json()["metrics"]
    return metrics


def test_builtin_catalog_covers_categories_value_types_and_an_inverted_metric(api: httpx.Client) -> None:
    metrics = _catalog(api)
    assert len(metrics) >= 8
    assert len({m["category"] for m in metrics}) >= 4
    assert {m["metric_value_type"] for m in metrics} >= {
        "METRIC_VALUE_TYPE_NUMBER",
        "METRIC_VALUE_TYPE_PERCENTAGE",
        "METRIC_VALUE_TYPE_STRING",
    }
    assert any(m["inverted"] for m in metrics)
    assert all(m["source"] == "EVALUATION_METRIC_SOURCE_BUILTIN" for m in metrics)
    assert len({m["metric_uuid"] for m in metrics}) == len(metrics)


def test_catalog_names_and_uuids_are_those_the_run_results_use(server: FakeGradientServer, api: httpx.Client) -> None:
    run = server.add_run(prompts=3)
    by_uuid = {m["metric_uuid"]: m["metric_name"] for m in _catalog(api)}
    results = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results").json()["prompts"][0]["prompt_level_metric_results"]
    assert results
    for result in results:
        assert by_uuid[result["metric_uuid"]] == result["metric_name"]


def test_custom_metric_lifecycle(api: httpx.Client) -> None:
    created = api.post(
        CUSTOM,
        json={"metric_name": "Politeness", "description": "d", "config": {"scoring_prompt": "Is it polite?"}},
    )
    assert created.status_code == 200, created.text
    metric = created.json()["metric"]
    assert metric["source"] == "EVALUATION_METRIC_SOURCE_CUSTOM"
    assert metric["custom_eval_config"]["requires_ground_truth"] is False
    assert metric["metric_uuid"] in {m["metric_uuid"] for m in _catalog(api)}

    updated = api.put(f"{CUSTOM}/{metric['metric_uuid']}", json={"config": {"requires_ground_truth": True}})
    assert updated.status_code == 200, updated.text
    new = updated.json()["metric"]
    assert new["metric_uuid"] != metric["metric_uuid"], "the API issues a new UUID on update"
    assert new["custom_eval_config"] == {
        **new["custom_eval_config"],
        "scoring_prompt": "Is it polite?",
        "requires_ground_truth": True,
    }
    listed = {m["metric_uuid"] for m in _catalog(api)}
    assert new["metric_uuid"] in listed
    assert metric["metric_uuid"] not in listed
    assert_error(api.put(f"{CUSTOM}/{metric['metric_uuid']}", json={"description": "x"}), 404, "not_found")

    assert api.delete(f"{CUSTOM}/{new['metric_uuid']}").json() == {}
    assert new["metric_uuid"] not in {m["metric_uuid"] for m in _catalog(api)}
    assert_error(api.delete(f"{CUSTOM}/{new['metric_uuid']}"), 404, "not_found")


def test_custom_metric_refusals(api: httpx.Client) -> None:
    assert_error(api.post(CUSTOM, json={"config": {"scoring_prompt": "p"}}), 400, "bad_request")
    assert_error(api.post(CUSTOM, json={"metric_name": "m"}), 400, "bad_request")
    body = assert_error(
        api.post(CUSTOM, json={"metric_name": "Correctness", "config": {"scoring_prompt": "p"}}), 409, "conflict"
    )
    assert "already exists" in body["message"]
