"""Seeding: tests create exactly the records they need, under the ids they choose (placeholders too)."""

from __future__ import annotations

import math

import httpx
import pytest
from emulator.emulator_checks import assert_error

from gradient_evals.testing import FakeGradientServer

PLACEHOLDER = "123e4567-e89b-12d3-a456-426614174000"


def test_a_test_case_seeded_under_a_placeholder_id_reads_back_under_it(
    server: FakeGradientServer, api: httpx.Client
) -> None:
    assert server.add_test_case(uuid="example string", name="faq", prompts=4, workspace_uuid="ws") == "example string"
    body = api.get("/v2/gen-ai/evaluation_test_cases/example%20string").json()["evaluation_test_case"]
    assert (body["test_case_uuid"], body["name"], body["dataset"]["row_count"]) == ("example string", "faq", 4)
    listed = api.get("/v2/gen-ai/workspaces/ws/evaluation_test_cases").json()["evaluation_test_cases"]
    assert [tc["test_case_uuid"] for tc in listed] == ["example string"]
    with pytest.raises(ValueError, match="already exists"):
        server.add_test_case(uuid="example string")
    with pytest.raises(ValueError, match="non-empty"):
        server.add_test_case(uuid="")


def test_giving_ids_changes_nothing_else_about_the_data() -> None:
    with FakeGradientServer(seed=5) as plain, FakeGradientServer(seed=5) as named:
        plain_run = plain.add_run(prompts=3)
        named_run = named.add_run(prompts=3, uuid=PLACEHOLDER)
        a, b = plain.run_json(plain_run), named.run_json(named_run)
        assert b["evaluation_run_uuid"] == PLACEHOLDER
        for key in ("queued_at", "finished_at", "agent_name", "test_case_uuid", "created_by_user_id"):
            assert a[key] == b[key], key


def test_a_seeded_run_is_served_under_its_id(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(uuid=PLACEHOLDER, prompts=5)
    run = server.add_run(uuid="example string", test_case_uuid=tc, run_name="nightly", agent_uuid=PLACEHOLDER)
    body = api.get("/v2/gen-ai/evaluation_runs/example%20string/results", params={"per_page": 2}).json()
    assert body["evaluation_run"]["run_name"] == "nightly"
    assert body["meta"] == {"page": 1, "pages": 3, "total": 5}
    listed = api.get(f"/v2/gen-ai/evaluation_test_cases/{tc}/evaluation_runs").json()["evaluation_runs"]
    assert [r["evaluation_run_uuid"] for r in listed] == [run]
    with pytest.raises(ValueError, match="already exists"):
        server.add_run(uuid=run, test_case_uuid=tc)
    assert server.run_uuids == [run]  # the refused run made nothing


def test_a_seeded_dataset_is_listed_and_test_cases_are_made_on_it(
    server: FakeGradientServer, api: httpx.Client
) -> None:
    dataset = server.add_dataset(uuid=PLACEHOLDER, name="faq.csv", rows=7)
    listed = api.get("/v2/gen-ai/evaluation_datasets").json()["evaluation_datasets"]
    assert [(d["dataset_uuid"], d["dataset_name"], d["row_count"]) for d in listed] == [(dataset, "faq.csv", 7)]
    assert_error(api.get(f"/v2/gen-ai/evaluation_datasets/{dataset}/download_url"), 404, "not_found")
    metric = server.add_metric(uuid="example string", name="politeness", range_min=1, range_max=5)
    created = api.post(
        "/v2/gen-ai/evaluation_test_cases",
        json={"name": "t", "dataset_uuid": dataset, "metrics": [metric], "star_metric": {"metric_uuid": metric}},
    )
    assert created.status_code == 200, created.text
    tc = created.json()["test_case_uuid"]
    body = api.get(f"/v2/gen-ai/evaluation_test_cases/{tc}").json()["evaluation_test_case"]
    assert body["dataset"]["row_count"] == 7
    assert [m["metric_uuid"] for m in body["metrics"]] == [metric]
    assert api.delete(f"/v2/gen-ai/evaluation_datasets/{dataset}").status_code == 200
    assert api.get("/v2/gen-ai/evaluation_datasets").json()["evaluation_datasets"] == []


def test_a_seeded_metric_is_in_the_catalog_and_runs_score_it_in_its_range(
    server: FakeGradientServer, api: httpx.Client
) -> None:
    metric = server.add_metric(name="politeness", range_min=1, range_max=5, description="Is it polite?")
    catalog = {m["metric_uuid"]: m for m in api.get("/v2/gen-ai/evaluation_metrics").json()["metrics"]}
    assert catalog[metric]["metric_name"] == "politeness"
    assert catalog[metric]["range_max"] == 5
    assert server.add_metric(name="again", uuid=PLACEHOLDER) == PLACEHOLDER
    with pytest.raises(ValueError, match="already exists"):
        server.add_metric(name="politeness")
    with pytest.raises(ValueError, match="value type"):
        server.add_metric(name="x", value_type="FLOAT")
    tc = api.post(
        "/v2/gen-ai/evaluation_test_cases",
        json={"name": "t", "dataset_uuid": server.add_dataset(rows=3), "metrics": [metric]},
    ).json()["test_case_uuid"]
    run = server.add_run(test_case_uuid=tc)
    prompts = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results").json()["prompts"]
    values = [p["prompt_level_metric_results"][0]["number_value"] for p in prompts]
    assert len(values) == 3
    assert all(1 <= v <= 5 for v in values)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "1"])
def test_seeding_refuses_numbers_json_cannot_carry(server: FakeGradientServer, api: httpx.Client, bad: object) -> None:
    with pytest.raises(ValueError, match="finite numbers"):
        server.add_metric(name="nan_min", range_min=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite numbers"):
        server.add_metric(name="nan_max", range_max=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite number"):
        server.set_agent_profile(PLACEHOLDER, quality=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="correctness must be a finite number"):
        server.set_agent_profile(PLACEHOLDER, metrics={"correctness": bad})  # type: ignore[dict-item]
    response = api.get("/v2/gen-ai/evaluation_metrics")
    response.json(parse_constant=_refuse)  # the catalog is still strict JSON
    assert "nan_min" not in response.text
    assert server.add_metric(name="wide", range_min=-1e308, range_max=1e308)


def _refuse(constant: str) -> object:
    raise AssertionError(f"not JSON: {constant}")
