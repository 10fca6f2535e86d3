"""The evaluation-test-case endpoints: the runs of a test case."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from emulator.emulator_checks import assert_common_headers, assert_error

from gradient_evals.testing import FakeGradientServer

# ------------------------------------------------------------------------------------------------ list by test case


def test_list_runs_by_test_case_and_version(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(name="support-bot", prompts=4)
    v1 = [server.add_run(test_case_uuid=tc) for _ in range(2)]
    assert server.add_test_case_version(tc, prompts=6) == 2
    v2 = [server.add_run(test_case_uuid=tc, status="EVALUATION_RUN_FAILED")]
    server.add_run(prompts=3)  # another test case

    def listed(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        resp = api.get(f"/v2/gen-ai/evaluation_test_cases/{tc}/evaluation_runs", params=params)
        assert resp.status_code == 200
        assert_common_headers(resp)
        runs: list[dict[str, Any]] = resp.json()["evaluation_runs"]
        return runs

    everything = listed()
    assert {r["evaluation_run_uuid"] for r in everything} == set(v1 + v2)
    assert [r["evaluation_run_uuid"] for r in everything] == list(reversed(v1 + v2))  # newest first
    assert {r["test_case_name"] for r in everything} == {"support-bot"}
    assert [r["evaluation_run_uuid"] for r in listed({"evaluation_test_case_version": 1})] == list(reversed(v1))
    version_2 = listed({"evaluation_test_case_version": 2})
    assert [r["evaluation_run_uuid"] for r in version_2] == v2
    assert version_2[0]["test_case_version"] == 2
    assert listed({"evaluation_test_case_version": 9}) == []
    assert server.runs_of(tc) == v1 + v2
    assert server.runs_of(tc, version=2) == v2
    assert_error(
        api.get(f"/v2/gen-ai/evaluation_test_cases/{tc}/evaluation_runs", params={"evaluation_test_case_version": "x"}),
        400,
        "bad_request",
    )
    assert_error(api.get(f"/v2/gen-ai/evaluation_test_cases/{uuid.uuid4()}/evaluation_runs"), 404, "not_found")


def test_list_runs_ignores_unknown_query_parameters(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=2)
    runs = [server.add_run(test_case_uuid=tc) for _ in range(2)]
    resp = api.get(f"/v2/gen-ai/evaluation_test_cases/{tc}/evaluation_runs", params={"page": "x", "order": "asc"})
    assert resp.status_code == 200
    assert [r["evaluation_run_uuid"] for r in resp.json()["evaluation_runs"]] == runs[::-1]
