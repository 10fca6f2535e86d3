"""``client.evaluate`` end to end against the emulator: 1 and 3 agents, baselines, regressions, inverted metrics,
failed and late runs, and arguments refused before anything is created."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gradient_evals import APIResponseValidationError, AsyncGradientEvals, GradientEvals
from gradient_evals.cli._app import describe_error
from gradient_evals.results import EvaluationProgress, GateKind
from gradient_evals.testing import FakeGradientServer

pytestmark = pytest.mark.anyio

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
AGENT_C = "5e1f4c63-9d80-4132-9cad-3e4f5a6b7c8d"
METRICS = ["correctness", "hallucination_rate", "tone"]
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=3, run_duration=0.2) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncGradientEvals:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as c:
        yield c  # type: ignore[misc]


def _posts(server: FakeGradientServer, path_end: str) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path.endswith(path_end))


async def test_one_agent_without_a_baseline(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    dataset = server.add_dataset(rows=12)
    events: list[EvaluationProgress] = []
    report = await client.evaluate(
        dataset=dataset,
        test_case="support-bot",
        metrics=["Correctness", "tone"],  # names as users write them
        star_metric="correctness",
        star_threshold_pct=70,
        agent_uuids=[AGENT_A],
        fail_under={"CORRECTNESS": 1},  # matched to the catalog's spelling
        baseline=None,
        on_progress=events.append,
        **FAST,
    )
    assert report.passed, report.verdict.reasons
    assert report.dataset_uuid == dataset
    assert report.test_case_name == "support-bot"
    assert report.test_case_version == 1
    assert report.metrics == ("correctness", "tone")
    assert report.star_metric == "correctness"
    (agent,) = report.agents
    assert agent.agent_uuid == AGENT_A
    assert agent.summary is not None
    assert agent.summary.prompt_count == 12
    assert agent.baseline_run_uuid is None
    assert agent.comparison is None
    assert [g.name for g in agent.gates] == ["run finished", "correctness >= 1"]
    assert len(agent.prompts) == 12
    assert report.run_uuids == (agent.evaluation_run_uuid,)
    stages = {e.stage for e in events}
    assert {"test_case", "runs", "run", "results", "report"} <= stages
    assert _posts(server, "/evaluation_test_cases") == 1
    assert _posts(server, "/evaluation_runs") == 1


async def test_three_agents_against_their_latest_runs_with_a_regression_and_an_inverted_metric(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=40)
    for agent in (AGENT_A, AGENT_B, AGENT_C):
        server.set_agent_profile(agent, quality=85)
    settings = {
        "dataset": dataset,
        "test_case": "nightly",
        "metrics": METRICS,
        "star_metric": "correctness",
        "star_threshold_pct": 70,
        "agent_uuids": [AGENT_A, AGENT_B, AGENT_C],
        "max_regression": {"correctness": 5, "hallucination_rate": 5},
        **FAST,
    }
    first = await client.evaluate(**settings)  # type: ignore[arg-type]
    assert first.passed, first.verdict.reasons
    assert first.baseline_run_uuids == ()  # nothing earlier to compare with
    # B regresses on correctness alone; C's hallucination rate (lower is better) rises; A stays as it was.
    server.set_agent_profile(AGENT_B, quality=85, metrics={"correctness": 35})
    server.set_agent_profile(AGENT_C, quality=85, metrics={"hallucination_rate": 30})
    second = await client.evaluate(**settings)  # type: ignore[arg-type]

    assert second.test_case_uuid == first.test_case_uuid
    assert second.test_case_version == first.test_case_version  # nothing changed: no new version
    assert _posts(server, "/evaluation_test_cases") == 1
    assert second.is_inverted("hallucination_rate")
    assert not second.is_inverted("correctness")
    by_agent = {a.agent_uuid: a for a in second.agents}
    earlier = {a.agent_uuid: a.evaluation_run_uuid for a in first.agents}
    assert {k: v.baseline_run_uuid for k, v in by_agent.items()} == earlier
    a, b, c = by_agent[AGENT_A], by_agent[AGENT_B], by_agent[AGENT_C]
    assert a.passed, a.verdict.reasons
    assert not b.passed
    assert [g.metric for g in b.gates if not g.passed] == ["correctness"]
    assert b.comparison is not None
    assert b.comparison.metrics["correctness"].delta < -5
    assert not c.passed
    assert [g.metric for g in c.gates if not g.passed] == ["hallucination_rate"]
    assert c.comparison is not None
    assert c.comparison.metrics["hallucination_rate"].delta > 5  # a rise: worse, for this metric
    assert any(r.metric == "hallucination_rate" and r.delta > 0 for r in c.comparison.regressions)
    assert not second.passed
    assert not second.run_failed
    assert second.leaderboard[-1].label == b.label
    assert len(second.leaderboard) == 3


async def test_a_failed_run_is_reported_and_the_others_still_are(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    server.set_agent_profile(AGENT_B, final_status="EVALUATION_RUN_FAILED")
    report = await client.evaluate(
        dataset=server.add_dataset(rows=5), test_case="t", metrics=METRICS, agent_uuids=[AGENT_A, AGENT_B], **FAST
    )
    assert report.run_failed
    assert not report.passed
    ok, failed = (report.agent(AGENT_A), report.agent(AGENT_B))
    assert ok.passed
    assert ok.summary is not None
    assert failed.run_failed
    assert failed.summary is None
    assert failed.gates[0].kind == GateKind.RUN_STATUS
    assert "FAILED" in failed.verdict.reasons[0]


async def test_runs_past_the_deadline_are_reported_as_timed_out(server: FakeGradientServer) -> None:
    server.run_duration = 600.0
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        report = await client.evaluate(
            dataset=server.add_dataset(rows=5),
            test_case="t",
            metrics=METRICS,
            agent_uuids=[AGENT_A, AGENT_B],
            timeout=0.3,
            **FAST,
        )
    assert all(a.timed_out for a in report.agents)
    assert report.run_failed
    assert "did not finish before the deadline" in report.agents[0].verdict.reasons[0]


async def test_a_changed_metric_list_makes_a_new_version_and_the_baseline_follows_it(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=5)
    first = await client.evaluate(dataset=dataset, test_case="t", metrics=METRICS, agent_uuids=[AGENT_A], **FAST)
    second = await client.evaluate(
        dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], **FAST
    )
    assert second.test_case_uuid == first.test_case_uuid
    assert second.test_case_version == (first.test_case_version or 0) + 1
    assert second.metrics == ("correctness",)
    assert second.agents[0].baseline_run_uuid is None  # no finished run of the new version yet
    third = await client.evaluate(
        dataset=dataset, test_case="t", agent_uuids=[AGENT_A], baseline_any_version=True, **FAST
    )
    assert third.test_case_version == second.test_case_version  # metrics not given: left as they are
    assert third.agents[0].baseline_run_uuid == second.agents[0].evaluation_run_uuid
    # A pinned run of an earlier version is refused before anything is created, unless any version is asked for.
    runs_before = _posts(server, "/evaluation_runs")
    with pytest.raises(ValueError, match="is of test case version 1"):
        await client.evaluate(
            dataset=dataset, test_case=first.test_case_uuid, agent_uuids=[AGENT_A], baseline=first.run_uuids[0], **FAST
        )
    assert _posts(server, "/evaluation_runs") == runs_before
    pinned = await client.evaluate(
        dataset=dataset,
        test_case=first.test_case_uuid,
        agent_uuids=[AGENT_A],
        baseline=first.run_uuids[0],
        baseline_any_version=True,
        **FAST,
    )
    assert pinned.agents[0].baseline_run_uuid == first.run_uuids[0]


def _three_rows_for_a(server: FakeGradientServer) -> dict[str, object]:
    """A small evaluation of agent A: 3 rows, test case ``t``."""
    return {"dataset": server.add_dataset(rows=3), "test_case": "t", "metrics": METRICS, "agent_uuids": [AGENT_A]}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"fail_under": {"corectness": 50}}, "no metric is called 'corectness'"),
        ({"max_regression": {"correctness": -1}}, "worsen by: >= 0"),
        ({"agent_uuids": []}, "at least one agent"),
        ({"agent_uuids": ["not-a-uuid"]}, "not a UUID"),
        ({"baseline": "yesterday"}, "baseline must be"),
        ({"timeout": 0}, "timeout must be"),
        ({"metrics": ["no such metric"]}, "no metric is called"),
        ({"star_metric": "correctness", "star_threshold_pct": 70, "test_case": " "}, "test_case must be"),
    ],
)
async def test_bad_arguments_create_nothing(
    server: FakeGradientServer, client: AsyncGradientEvals, arguments: dict[str, object], message: str
) -> None:
    settings = {**_three_rows_for_a(server), **arguments}
    with pytest.raises(ValueError, match=message):
        await client.evaluate(**settings)  # type: ignore[arg-type]
    assert [r for r in server.requests if r.method != "GET"] == []


def test_the_blocking_client_evaluates_too(server: FakeGradientServer) -> None:
    with GradientEvals(server.token, base_url=server.base_url) as client:
        report = client.evaluate(
            dataset=server.add_dataset(rows=4), test_case="t", metrics=METRICS, agent_uuids=[AGENT_A], **FAST
        )
    assert report.passed
    assert report.agents[0].summary is not None
    assert report.agents[0].summary.prompt_count == 4


async def test_a_listed_run_whose_id_is_not_a_uuid_is_a_bad_answer_not_a_bad_argument(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    settings = {**_three_rows_for_a(server), **FAST}
    first = await client.evaluate(**{**settings, "agent_uuids": [AGENT_B]})  # type: ignore[arg-type]
    # the only earlier run of agent A, as the listing gives it
    server.add_run(
        test_case_uuid=first.test_case_uuid,
        agent_uuid=AGENT_A,
        test_case_version=first.test_case_version,
        uuid="../../not-a-run",
    )
    with pytest.raises(APIResponseValidationError, match=r"not a UUID: '\.\./\.\./not-a-run'") as caught:
        await client.evaluate(**settings)  # type: ignore[arg-type]
    assert describe_error(caught.value)[1] == 3, "the command line exits 3 (an API error), not 2 (usage)"
    assert not any("not-a-run" in r.path for r in server.requests), "the bad id never reaches a request path"
