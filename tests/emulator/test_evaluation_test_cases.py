"""The evaluation-test-case endpoints: the runs of a test case."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
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


# ------------------------------------------------------------------------------------------------ create, version, list


def test_test_case_lifecycle_through_the_blocking_client(server: FakeGradientServer) -> None:
    from gradient_evals import GradientEvals
    from gradient_evals.types import StarMetric

    dataset = server.add_dataset(name="faq.csv", rows=6)
    workspace = str(uuid.UUID(int=7, version=4))
    with GradientEvals(server.token, base_url=server.base_url) as client:
        politeness = client.custom_evaluation_metrics.create(metric_name="Politeness", scoring_prompt="Is it polite?")
        tc = client.evaluation_test_cases.create(
            name="support",
            dataset_uuid=dataset,
            metrics=["Correctness", "TOXICITY", politeness],
            star_metric=StarMetric(name="correctness", success_threshold_pct=60),
            workspace_uuid=workspace,
        )
        case = client.evaluation_test_cases.retrieve(tc)
        assert (case.version, case.name, case.dataset_uuid) == (1, "support", dataset)
        assert case.dataset is not None
        assert case.dataset.row_count == 6
        assert [m.metric_name for m in case.metrics] == ["correctness", "toxicity", "Politeness"]
        assert case.star_metric is not None
        assert (case.star_metric.name, case.star_metric.success_threshold_pct) == ("correctness", 60)

        updated = client.evaluation_test_cases.update(tc, metrics=["correctness", "hallucination rate"])
        assert (updated.test_case_uuid, updated.version) == (tc, 2)
        assert [m.metric_name for m in client.evaluation_test_cases.retrieve(tc).metrics] == [
            "correctness",
            "hallucination_rate",
        ]
        first = client.evaluation_test_cases.retrieve(tc, evaluation_test_case_version=1)
        assert len(first.metrics) == 3
        assert [c.test_case_uuid for c in client.evaluation_test_cases.list_by_workspace(workspace)] == [tc]
        assert tc in {c.test_case_uuid for c in client.evaluation_test_cases.list()}


def test_runs_of_a_test_case_score_its_metrics(server: FakeGradientServer) -> None:
    from gradient_evals import GradientEvals

    dataset = server.add_dataset(rows=5)
    with GradientEvals(server.token, base_url=server.base_url) as client:
        tc = client.evaluation_test_cases.create(
            name="safety", dataset_uuid=dataset, metrics=["toxicity", "instruction_following", "tone"]
        )
        run_uuid = server.add_run(test_case_uuid=tc)
        prompts = list(client.evaluation_runs.iter_results(run_uuid))
        assert len(prompts) == 5
        for prompt in prompts:
            assert list(prompt.metrics) == ["toxicity", "instruction_following", "tone"]
            toxicity = prompt.metrics["toxicity"].value
            assert isinstance(toxicity, float | int)
            assert 0 <= toxicity <= 1
            following = prompt.metrics["instruction_following"].value
            assert isinstance(following, float | int)
            assert 1 <= following <= 5
        run = client.evaluation_runs.retrieve(run_uuid)
        assert [m.metric_name for m in run.run_level_metric_results] == ["toxicity", "instruction_following", "tone"]
        summary = client.evaluation_runs.summarize(run_uuid)
        assert summary.metrics["toxicity"].inverted, "the catalog says lower is better"
        assert not summary.metrics["instruction_following"].inverted


def test_unknown_dataset_and_metric_are_refused_with_the_api_error(
    server: FakeGradientServer, api: httpx.Client
) -> None:
    dataset = server.add_dataset(rows=3)
    unknown = str(uuid.UUID(int=99, version=4))
    correctness = next(
        m["metric_uuid"]
        for m in api.get("/v2/gen-ai/evaluation_metrics").json()["metrics"]
        if m["metric_name"] == "correctness"
    )
    cases = "/v2/gen-ai/evaluation_test_cases"
    body = assert_error(
        api.post(cases, json={"name": "x", "dataset_uuid": unknown, "metrics": [correctness]}), 400, "bad_request"
    )
    assert unknown in body["message"]
    body = assert_error(
        api.post(cases, json={"name": "x", "dataset_uuid": dataset, "metrics": [unknown]}), 400, "bad_request"
    )
    assert unknown in body["message"]
    assert_error(
        api.post(cases, json={"name": "x", "dataset_uuid": dataset, "metrics": {"metric_uuids": []}}),
        400,
        "bad_request",
    )
    tc = api.post(cases, json={"name": "x", "dataset_uuid": dataset, "metrics": [correctness]}).json()["test_case_uuid"]
    assert_error(api.put(f"{cases}/{tc}", json={"metrics": [correctness]}), 400, "bad_request")  # must be wrapped
    assert_error(api.get(f"{cases}/{unknown}"), 404, "not_found")
    assert_error(api.get(f"{cases}/{tc}", params={"evaluation_test_case_version": 5}), 404, "not_found")


def test_api_refusals_reach_the_sdk_as_typed_errors(server: FakeGradientServer) -> None:
    from gradient_evals import BadRequestError, GradientEvals

    with GradientEvals(server.token, base_url=server.base_url) as client:
        missing = str(uuid.UUID(int=5, version=4))
        with pytest.raises(BadRequestError, match=f"Evaluation dataset {missing} not found"):
            client.evaluation_test_cases.create(name="x", dataset_uuid=missing, metrics=["correctness"])


def test_compare_judges_an_inverted_metric_by_its_direction(server: FakeGradientServer) -> None:
    from gradient_evals import GradientEvals

    dataset = server.add_dataset(rows=30)
    with GradientEvals(server.token, base_url=server.base_url) as client:
        tc = client.evaluation_test_cases.create(name="safety", dataset_uuid=dataset, metrics=["toxicity"])
        first, second = server.add_run(test_case_uuid=tc), server.add_run(test_case_uuid=tc)
        # The direction on the two scores alone (the paired decision has tests of its own).
        forward = client.evaluation_runs.compare(first, second, regression_test="point")
        backward = client.evaluation_runs.compare(second, first, regression_test="point")
        delta = forward.metrics["toxicity"].delta
        assert delta is not None
        assert delta != 0
        rose, fell = (forward, backward) if delta > 0 else (backward, forward)
        assert rose.metrics["toxicity"].inverted
        assert not rose.passed, "toxicity rising is a regression"
        assert rose.verdict.reasons[0].startswith("toxicity: rose by")
        assert all(r.candidate_value > r.base_value for r in rose.regressions)
        assert fell.passed, "toxicity falling is an improvement"
        assert all(r.candidate_value > r.base_value for r in fell.regressions)  # per prompt, still by direction
        plain = client.evaluation_runs.compare(
            rose.base.evaluation_run_uuid, rose.candidate.evaluation_run_uuid, inverted=(), regression_test="point"
        )
        assert plain.passed, "told that no metric is inverted, a rise looks like an improvement"


# ------------------------------------------------------------------------------------------------ uploaded datasets

AGENT = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
UPLOADED = [
    {"query": "How do I reset my password?", "expected_response": "Use the Forgot password link."},
    {"query": 'Does the "Pro" plan include backups, yes or no?', "expected_response": "Yes, daily."},
    {"query": "¿Puedo cambiar de región?", "expected_response": "Sí, con una instantánea."},
    {"query": "What is the SLA?", "expected_response": "99.99% uptime."},
]


def test_runs_on_an_uploaded_dataset_carry_its_rows_in_order(server: FakeGradientServer) -> None:
    from gradient_evals import GradientEvals

    with GradientEvals(server.token, base_url=server.base_url) as client:
        dataset = client.evaluation_datasets.upload(UPLOADED, name="faq")
        tc = client.evaluation_test_cases.create(name="faq", dataset_uuid=dataset, metrics=["correctness"])
        case = client.evaluation_test_cases.retrieve(tc)
        assert case.dataset is not None
        assert (case.dataset.dataset_name, case.dataset.row_count, case.dataset.has_ground_truth) == ("faq", 4, True)
        (run_uuid,) = client.evaluation_runs.create(test_case_uuid=tc, agent_uuids=[AGENT]).evaluation_run_uuids
        client.evaluation_runs.wait(run_uuid, poll_interval=0.05, max_poll_interval=0.1)
        prompts = list(client.evaluation_runs.iter_results(run_uuid))
        assert [(p.input, p.ground_truth) for p in prompts] == [
            (row["query"], row["expected_response"]) for row in UPLOADED
        ]
        # A run added by the server's owner on that test case reads the same rows; so does one result alone.
        frozen = server.add_run(test_case_uuid=tc)
        assert [p.input for p in client.evaluation_runs.iter_results(frozen)] == [r["query"] for r in UPLOADED]
        one = client.evaluation_runs.retrieve_results(run_uuid, prompts[2].prompt_id)
        assert one.input == UPLOADED[2]["query"]


@pytest.mark.anyio
async def test_a_new_dataset_makes_a_version_whose_runs_read_the_new_rows(server: FakeGradientServer) -> None:
    from gradient_evals import AsyncGradientEvals

    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        first = await client.evaluation_datasets.upload(UPLOADED, name="faq")
        # No ground-truth column: the prompts carry none.
        second = await client.evaluation_datasets.upload([{"query": "Only question"}, {"query": "Another"}], name="q")
        tc = await client.evaluation_test_cases.create(name="faq", dataset_uuid=first, metrics=["correctness"])
        updated = await client.evaluation_test_cases.update(tc, dataset_uuid=second)
        assert updated.version == 2
        assert server.add_test_case_version(tc) == 3  # same rows as version 2
        runs = {version: server.add_run(test_case_uuid=tc, test_case_version=version) for version in (1, 2, 3)}
        inputs = {}
        for version, run_uuid in runs.items():
            prompts = [p async for p in client.evaluation_runs.iter_results(run_uuid)]
            inputs[version] = [p.input for p in prompts]
            if version > 1:
                assert {p.ground_truth for p in prompts} == {None}
                assert all(p.output for p in prompts)  # the agent still answers
        assert inputs == {
            1: [r["query"] for r in UPLOADED],
            2: ["Only question", "Another"],
            3: ["Only question", "Another"],
        }
        case = await client.evaluation_test_cases.retrieve(tc)
        assert case.dataset is not None
        assert (case.dataset_uuid, case.dataset.row_count, case.dataset.has_ground_truth) == (second, 2, False)


def test_test_cases_the_server_adds_keep_their_generated_rows(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=3)
    run = server.add_run(test_case_uuid=tc)
    prompts = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results").json()["prompts"]
    assert len(prompts) == 3
    assert all(p["input"] and p["ground_truth"] for p in prompts)
    registered = server.add_dataset(rows=2)
    correctness = next(
        m["metric_uuid"]
        for m in api.get("/v2/gen-ai/evaluation_metrics").json()["metrics"]
        if m["metric_name"] == "correctness"
    )
    made = api.post(
        "/v2/gen-ai/evaluation_test_cases", json={"name": "x", "dataset_uuid": registered, "metrics": [correctness]}
    ).json()["test_case_uuid"]
    run = server.add_run(test_case_uuid=made)
    prompts = api.get(f"/v2/gen-ai/evaluation_runs/{run}/results").json()["prompts"]
    assert len(prompts) == 2
    assert all(p["input"] and p["ground_truth"] for p in prompts)


def test_an_agent_profile_can_shape_the_prompts_of_some_inputs(server: FakeGradientServer) -> None:
    from gradient_evals import GradientEvals

    bad = UPLOADED[1]["query"]
    server.set_agent_profile(AGENT, quality=95, inputs={bad: 0})
    with pytest.raises(ValueError, match="from 0 to 100"):
        server.set_agent_profile(AGENT, inputs={bad: 101})
    with GradientEvals(server.token, base_url=server.base_url) as client:
        dataset = client.evaluation_datasets.upload(UPLOADED * 5, name="faq")
        tc = client.evaluation_test_cases.create(name="faq", dataset_uuid=dataset, metrics=["correctness"])
        (run_uuid,) = client.evaluation_runs.create(test_case_uuid=tc, agent_uuids=[AGENT]).evaluation_run_uuids
        client.evaluation_runs.wait(run_uuid, poll_interval=0.05, max_poll_interval=0.1)
        scores: dict[bool, list[float]] = {True: [], False: []}
        for prompt in client.evaluation_runs.iter_results(run_uuid):
            value = prompt.metrics["correctness"].value
            assert isinstance(value, int | float)
            scores[prompt.input == bad].append(value)
        run = client.evaluation_runs.retrieve(run_uuid)
    assert len(scores[True]) == 5
    assert max(scores[True]) < 40 < min(scores[False])
    # The run-level mean is the mean of what the prompts say.
    (mean,) = [m.number_value for m in run.run_level_metric_results if m.metric_name == "correctness"]
    everything = scores[True] + scores[False]
    assert mean == pytest.approx(sum(everything) / len(everything), abs=0.01)
