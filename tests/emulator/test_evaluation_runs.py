"""The evaluation-run endpoints: create, retrieve, results, and the data behind them."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from emulator.emulator_checks import TIMESTAMP, assert_common_headers, assert_error

from gradient_evals.testing import FakeGradientServer


def test_unknown_run_is_404(api: httpx.Client) -> None:
    missing = str(uuid.uuid4())
    assert_error(api.get(f"/v2/gen-ai/evaluation_runs/{missing}"), 404, "not_found")
    assert_error(api.get(f"/v2/gen-ai/evaluation_runs/{missing}/results"), 404, "not_found")


# ------------------------------------------------------------------------------------------------ create


def test_create_validation(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=5)
    url = "/v2/gen-ai/evaluation_runs"
    bad_bodies: list[Any] = [
        {"test_case_uuid": tc},
        {"test_case_uuid": tc, "agent_uuids": [], "agent_deployment_names": []},
        {"agent_uuids": ["a"]},
        {"test_case_uuid": 5, "agent_uuids": ["a"]},
        {"test_case_uuid": tc, "agent_uuids": "a"},
        {"test_case_uuid": tc, "agent_uuids": [1]},
        {"test_case_uuid": tc, "agent_uuids": ["a"], "run_name": 3},
        [tc],
        "x",
    ]
    for body in bad_bodies:
        assert_error(api.post(url, json=body), 400, "bad_request")
    for raw in (b"", b"{", b"\xff\xfe", b"null"):
        assert_error(api.post(url, content=raw), 400, "bad_request")
    assert_error(api.post(url, json={"test_case_uuid": str(uuid.uuid4()), "agent_uuids": ["a"]}), 404, "not_found")
    assert server.created_run_count == 0
    assert server.runs_of(tc) == []


def test_create_one_run_per_agent_and_deployment(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=5)
    agents = [str(uuid.uuid4()), str(uuid.uuid4())]
    resp = api.post(
        "/v2/gen-ai/evaluation_runs",
        json={"test_case_uuid": tc, "agent_uuids": agents, "agent_deployment_names": ["prod"], "run_name": "nightly"},
    )
    assert resp.status_code == 200
    assert_common_headers(resp)
    uuids = resp.json()["evaluation_run_uuids"]
    assert len(uuids) == len(set(uuids)) == 3
    assert server.created_run_count == 3
    assert server.runs_of(tc) == uuids
    runs = [api.get(f"/v2/gen-ai/evaluation_runs/{u}").json()["evaluation_run"] for u in uuids]
    assert [r.get("agent_uuid") for r in runs] == [*agents, None]
    assert runs[2]["agent_deployment_name"] == "prod"
    assert {r["run_name"] for r in runs} == {"nightly"}
    assert {r["test_case_uuid"] for r in runs} == {tc}


def test_created_run_lifecycle(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=40)
    run = api.post("/v2/gen-ai/evaluation_runs", json={"test_case_uuid": tc, "agent_uuids": ["a"]}).json()[
        "evaluation_run_uuids"
    ][0]
    statuses: list[str] = []
    totals: list[int] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        body = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results", params={"per_page": 200}).json()
        status = body["evaluation_run"]["status"]
        statuses.append(status)
        totals.append(body["meta"]["total"])
        assert len(body["prompts"]) == body["meta"]["total"]
        if status == "EVALUATION_RUN_SUCCESSFUL":
            break
        time.sleep(0.02)
    order = [
        "EVALUATION_RUN_QUEUED",
        "EVALUATION_RUN_RUNNING_DATASET",
        "EVALUATION_RUN_EVALUATING_RESULTS",
        "EVALUATION_RUN_SUCCESSFUL",
    ]
    assert statuses[-1] == "EVALUATION_RUN_SUCCESSFUL"
    assert statuses[0] == "EVALUATION_RUN_QUEUED"
    assert sorted(statuses, key=order.index) == statuses
    assert set(statuses) == set(order)
    assert totals == sorted(totals)
    assert totals[0] == 0
    assert totals[-1] == 40
    assert len(set(totals)) > 2  # grew through intermediate values
    final = api.get(f"/v2/gen-ai/evaluation_runs/{run}").json()["evaluation_run"]
    for key in ("queued_at", "started_at", "finished_at"):
        assert TIMESTAMP.fullmatch(final[key]), final[key]
    assert final["queued_at"] <= final["started_at"] <= final["finished_at"]
    assert final["pass_status"] in (True, False)
    assert len(final["run_level_metric_results"]) == 3


def test_created_runs_can_end_failed() -> None:
    with FakeGradientServer(run_duration=0.05, final_status="EVALUATION_RUN_FAILED") as srv:
        tc = srv.add_test_case(prompts=3)
        headers = {"Authorization": f"Bearer {srv.token}"}
        created = httpx.post(
            srv.url_for("/v2/gen-ai/evaluation_runs"),
            json={"test_case_uuid": tc, "agent_deployment_names": ["d"]},
            headers=headers,
        ).json()["evaluation_run_uuids"][0]
        time.sleep(0.1)
        run = httpx.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{created}"), headers=headers).json()["evaluation_run"]
        assert run["status"] == "EVALUATION_RUN_FAILED"
        assert run["error_description"]
        assert run["pass_status"] is False
    with pytest.raises(ValueError):
        FakeGradientServer(final_status="EVALUATION_RUN_QUEUED")


# ------------------------------------------------------------------------------------------------ data


def test_same_seed_same_data_and_different_seed_different_data() -> None:
    def snapshot(seed: int) -> tuple[Any, ...]:
        with FakeGradientServer(seed=seed) as srv:
            tc = srv.add_test_case(prompts=25)
            runs = [srv.add_run(test_case_uuid=tc), srv.add_run(prompts=10, status="EVALUATION_RUN_CANCELLED")]
            headers = {"Authorization": f"Bearer {srv.token}"}
            bodies = []
            for run in runs:
                body = httpx.get(
                    srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results"),
                    params={"per_page": 10, "page": 2},
                    headers=headers,
                ).json()
                body.pop("links")  # absolute URLs contain the port
                bodies.append(body)
            return tc, runs, bodies

    first, again, other = snapshot(42), snapshot(42), snapshot(43)
    assert first == again
    assert first[0] != other[0]
    assert first[2][0]["prompts"] != other[2][0]["prompts"]


def test_add_run_statuses(server: FakeGradientServer) -> None:
    failed = server.run_json(server.add_run(prompts=10, status="EVALUATION_RUN_FAILED"))
    assert failed["status"] == "EVALUATION_RUN_FAILED"
    assert failed["error_description"]
    assert failed["pass_status"] is False
    assert "finished_at" in failed
    partial = server.run_json(server.add_run(prompts=10, status="EVALUATION_RUN_PARTIALLY_SUCCESSFUL"))
    assert partial["status"] == "EVALUATION_RUN_PARTIALLY_SUCCESSFUL"
    assert partial["star_metric_result"]["metric_name"] == "correctness"
    running = server.add_run(prompts=30, status="EVALUATION_RUN_RUNNING_DATASET")
    assert server.run_json(running)["status"] == "EVALUATION_RUN_RUNNING_DATASET"
    assert "finished_at" not in server.run_json(running)
    assert len(server.prompt_ids(running)) == 10
    server.set_run_status(running, "EVALUATION_RUN_SUCCESSFUL")
    assert len(server.prompt_ids(running)) == 30
    assert "run_level_metric_results" in server.run_json(running)
    queued = server.add_run(prompts=30, status="EVALUATION_RUN_QUEUED")
    assert server.prompt_ids(queued) == []
    assert "started_at" not in server.run_json(queued)
    with pytest.raises(ValueError):
        server.add_run(status="DONE")
    with pytest.raises(KeyError):
        server.add_run(test_case_uuid="missing")


def _walk_results(api: httpx.Client, run: str) -> list[dict[str, Any]]:
    prompts: list[dict[str, Any]] = []
    url: str | None = f"/v2/gen-ai/evaluation_runs/{run}/results?per_page=200"
    while url:
        body = api.get(url).json()
        prompts.extend(body["prompts"])
        url = body["links"]["pages"].get("next")
    return prompts


def test_prompt_content_is_realistic(server: FakeGradientServer, api: httpx.Client) -> None:
    run = server.add_run(prompts=400)
    prompts = _walk_results(api, run)
    value_types: set[str] = set()
    span_types: set[str] = set()
    failed = 0
    fractions: set[int] = set()
    for p in prompts:
        assert isinstance(p["prompt_id"], int)
        assert isinstance(p["input_tokens"], str)
        assert p["input_tokens"].isdigit()
        assert isinstance(p["output_tokens"], str)
        assert p["output_tokens"].isdigit()
        uuid.UUID(p["trace_id"])
        assert p["input"]
        assert p["output"]
        assert p["ground_truth"]
        for m in p["prompt_level_metric_results"]:
            uuid.UUID(m["metric_uuid"])
            value_types.add(m["metric_value_type"])
            if m["status"] == "EVALUATION_METRIC_RESULT_STATUS_FAILED":
                failed += 1
                assert m["error_description"]
                assert "number_value" not in m
                assert "string_value" not in m
                continue
            assert m["status"] == "EVALUATION_METRIC_RESULT_STATUS_COMPLETED"
            if m["metric_value_type"] == "METRIC_VALUE_TYPE_PERCENTAGE":
                assert 0 <= m["number_value"] <= 100
            elif m["metric_value_type"] == "METRIC_VALUE_TYPE_NUMBER":
                assert 0 <= m["number_value"] <= 1
            else:
                assert isinstance(m["string_value"], str)
        for chunk in p.get("prompt_chunks", []):
            assert isinstance(chunk["chunk_used"], bool)
            assert 0 <= chunk["chunk_usage_pct"] <= 100
        for span in p.get("evaluation_trace_spans", []):
            span_types.add(span["type"])
            match = TIMESTAMP.fullmatch(span["created_at"])
            assert match, span["created_at"]
            fractions.add(len(match.group(1) or ""))
            if span["type"] == "TRACE_SPAN_TYPE_RETRIEVER":
                assert span["retriever_chunks"]
            if span["type"] == "TRACE_SPAN_TYPE_LLM":
                assert isinstance(span["input"], list)
                assert isinstance(span["output"], dict)
    assert value_types == {"METRIC_VALUE_TYPE_PERCENTAGE", "METRIC_VALUE_TYPE_NUMBER", "METRIC_VALUE_TYPE_STRING"}
    assert span_types == {
        "TRACE_SPAN_TYPE_AGENT",
        "TRACE_SPAN_TYPE_RETRIEVER",
        "TRACE_SPAN_TYPE_TOOL",
        "TRACE_SPAN_TYPE_LLM",
    }
    assert 0 < failed < len(prompts) * 0.2
    assert 0 in fractions
    assert len(fractions) >= 3
    assert any("evaluation_trace_spans" not in p for p in prompts)
    assert any(not p["input"].isascii() for p in prompts)


def test_run_level_metrics_are_aggregated_from_prompts(server: FakeGradientServer, api: httpx.Client) -> None:
    run = server.add_run(prompts=333)
    prompts = _walk_results(api, run)
    values = [
        m["number_value"]
        for p in prompts
        for m in p["prompt_level_metric_results"]
        if m["metric_name"] == "correctness"
    ]
    run_obj = api.get(f"/v2/gen-ai/evaluation_runs/{run}").json()["evaluation_run"]
    by_name = {m["metric_name"]: m for m in run_obj["run_level_metric_results"]}
    assert by_name["correctness"]["number_value"] == pytest.approx(sum(values) / len(values), abs=0.01)
    assert run_obj["star_metric_result"]["number_value"] == by_name["correctness"]["number_value"]
    assert run_obj["pass_status"] is (by_name["correctness"]["number_value"] >= 70)
    tones = [
        m["string_value"]
        for p in prompts
        for m in p["prompt_level_metric_results"]
        if m["metric_name"] == "tone" and "string_value" in m
    ]
    assert by_name["tone"]["string_value"] == max(sorted(set(tones)), key=tones.count)
    user_id = run_obj["created_by_user_id"]
    assert isinstance(user_id, str)
    assert user_id.isdigit()
    assert int(user_id) < 2**64


def test_unknown_body_fields_and_query_parameters_are_ignored(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=5)
    resp = api.post(
        "/v2/gen-ai/evaluation_runs",
        json={"test_case_uuid": tc, "agent_uuids": ["a"], "future_option": {"x": 1}, "star_metric": None},
    )
    assert resp.status_code == 200, resp.text
    assert server.created_run_count == 1
    run = server.add_run(prompts=7)
    plain = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results", params={"per_page": 3}).json()
    extra = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results", params={"per_page": 3, "sort": "x", "filter": ""})
    assert extra.status_code == 200
    assert extra.json()["prompts"] == plain["prompts"]
    assert (
        api.get(f"/v2/gen-ai/evaluation_runs/{run}", params={"view": "full"}).json()["evaluation_run"][
            "evaluation_run_uuid"
        ]
        == run
    )
