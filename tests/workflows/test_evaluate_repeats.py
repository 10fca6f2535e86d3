"""``evaluate(repeats=K)``: K runs per agent created without a duplicate, a group gated as one unit
(issue: repeats and flaky prompts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvalsError, RepeatsError, RunCreationUnknownError
from gradient_evals.reports._trend import trends
from gradient_evals.results import EvaluationProgress, GateKind
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing._faults import Fault
from gradient_evals.workflows.repeats import repeat_of

pytestmark = pytest.mark.anyio

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=7, run_duration=0.2) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncGradientEvals:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as c:
        yield c  # type: ignore[misc]


def _names(server: FakeGradientServer) -> Counter[tuple[str, str]]:
    """(agent, run name) of every run the server made."""
    runs = [server.run_json(u) for u in server.run_uuids]
    return Counter((r.get("agent_uuid") or "", r.get("run_name") or "") for r in runs)


async def _evaluate(client: AsyncGradientEvals, dataset: str, **settings: object):  # type: ignore[no-untyped-def]
    return await client.evaluate(
        dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A, AGENT_B], **FAST, **settings
    )


async def test_k_runs_per_agent_each_named_for_its_repeat_and_none_twice(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    said: list[str] = []
    report = await _evaluate(
        client, server.add_dataset(rows=5), repeats=3, on_progress=lambda e: said.append(e.message)
    )
    assert said[0] == "6 runs will be created (2 agents x 3 repeats; at most 100)"  # stated before anything else
    assert server.created_run_count == 2 * 3
    names = _names(server)
    assert set(names.values()) == {1}  # never a duplicate
    for agent in (AGENT_A, AGENT_B):
        repeats = [r for a, name in names if a == agent and (r := repeat_of(name)) is not None]
        assert sorted((r.index, r.count) for r in repeats) == [(1, 3), (2, 3), (3, 3)]
        assert len({r.stem for r in repeats}) == 1  # one group: one stem
    for agent in report.agents:
        assert agent.repeat_group is not None
        assert agent.repeats == 3
        assert len(set(agent.repeat_group.run_uuids)) == 3
        assert agent.repeat_group.complete


@pytest.mark.parametrize(
    "fault",
    [Fault.status(500, after_action=True), Fault.reset(after_action=True), Fault.status(503), Fault.reset()],
    ids=lambda f: f.name,
)
async def test_the_server_sees_agents_times_k_runs_also_with_faults_on_the_creates(
    server: FakeGradientServer, client: AsyncGradientEvals, fault: Fault
) -> None:
    dataset = server.add_dataset(rows=3)
    rule = server.inject(fault, times=2, method="POST", path="/evaluation_runs")
    report = await _evaluate(client, dataset, repeats=4)
    assert rule.fired == 2
    assert server.created_run_count == 2 * 4
    assert set(_names(server).values()) == {1}
    assert sorted(u for a in report.agents for u in a.repeat_group.run_uuids) == sorted(server.run_uuids)  # type: ignore[union-attr]


async def test_more_runs_than_max_runs_are_refused_before_anything_is_sent(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=3)
    with pytest.raises(RepeatsError, match=r"max_runs: this call would create 20 runs \(2 agents x 10 repeats\)"):
        await _evaluate(client, dataset, repeats=10, max_runs=19)
    assert not [r for r in server.requests if r.method in ("POST", "PUT")]


async def test_the_gates_n_is_the_number_of_prompts_and_the_baseline_is_the_previous_complete_group(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=12)
    first = await _evaluate(client, dataset, repeats=3)
    group_a = {a.agent_uuid: a.repeat_group.run_uuids for a in first.agents}  # type: ignore[union-attr]

    failed: list[str] = []

    def fail_one_repeat(event: EvaluationProgress) -> None:
        if event.stage == "runs" and "-r2of3" in event.message and not failed:
            failed.append(event.message.rsplit(": ", 1)[1].split(", ")[0])
            server.set_run_status(failed[0], "EVALUATION_RUN_FAILED")

    second = await _evaluate(
        client, dataset, repeats=3, max_regression={"correctness": 50}, on_progress=fail_one_repeat
    )
    broken = next(a for a in second.agents if failed[0] in a.repeat_group.run_uuids)  # type: ignore[union-attr]
    assert broken.repeat_group is not None
    assert not broken.repeat_group.complete
    (gate,) = [g for g in broken.gates if g.name == "every repeat finished"]
    assert gate.passed  # the gates used the finished repeats, and said so
    assert gate.message.startswith("2 of 3 repeats finished; the gates used those")
    assert failed[0] in gate.message
    for agent in second.agents:
        assert agent.repeat_group is not None
        assert agent.repeat_group.baseline_run_uuids == group_a[agent.agent_uuid]
        (regression,) = [g for g in agent.gates if g.kind == GateKind.MAX_REGRESSION]
        assert regression.statistics is not None
        assert regression.statistics.n == 12  # the prompts, not 3 x 12

    third = await _evaluate(client, dataset, repeats=3, max_regression={"correctness": 50})
    for agent in third.agents:  # the incomplete group is passed over: the group before it is the baseline
        expected = group_a[agent.agent_uuid] if agent.agent_uuid == broken.agent_uuid else None
        assert agent.repeat_group is not None
        if expected is not None:
            assert agent.repeat_group.baseline_run_uuids == expected
        else:
            previous = next(a for a in second.agents if a.agent_uuid == agent.agent_uuid)
            assert agent.repeat_group.baseline_run_uuids == previous.repeat_group.run_uuids  # type: ignore[union-attr]


async def test_an_incomplete_group_fails_with_require_complete(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=4)
    failed: list[str] = []

    def fail_one_repeat(event: EvaluationProgress) -> None:
        if event.stage == "runs" and "-r1of2" in event.message and not failed:
            failed.append(event.message.rsplit(": ", 1)[1].split(", ")[0])
            server.set_run_status(failed[0], "EVALUATION_RUN_FAILED")

    report = await _evaluate(client, dataset, repeats=2, require_complete=True, on_progress=fail_one_repeat)
    assert not report.passed
    assert any("every repeat is required to finish" in reason for reason in report.verdict.reasons)


async def test_history_shows_a_group_as_one_point_with_its_spread(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=6)
    await _evaluate(client, dataset, repeats=3)
    second = await _evaluate(client, dataset, repeats=3)
    rows = await client.evaluation_test_cases.list_history(second.test_case_uuid, agent=AGENT_A)
    assert [row.repeats for row in rows] == [3, 3]  # two groups, six runs
    for row in rows:
        assert row.spread["correctness"] > 0  # the judge's noise differs from run to run
    points = [run for run in second.history if run.agent_uuid == AGENT_A]
    assert len(points) == 2  # this group and the one before: a point each, not six
    assert all((run.run_name or "").endswith("-r1of3") for run in points)  # each shown as its first run


async def test_evaluate_failed_reruns_a_groups_failed_prompts_once_per_repeat(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=5)
    report = await _evaluate(client, dataset, repeats=2, pass_thresholds={"correctness": 101})  # every prompt fails
    before = server.created_run_count
    rerun = await client.evaluate_failed(report, **FAST)
    assert server.created_run_count - before == 2 * 2  # agents x K
    for agent in rerun.agents:
        assert agent.repeat_group is not None
        assert agent.repeats == 2
        assert agent.rerun_of is not None


async def test_a_given_run_name_carries_the_repeat(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    dataset = server.add_dataset(rows=3)
    await _evaluate(client, dataset, repeats=2, run_name="nightly")
    await _evaluate(client, dataset, repeats=2, run_name="nightly")  # tomorrow night, the same name
    stems: dict[str, set[str]] = {}
    for agent, name in _names(server):
        place = repeat_of(name)
        assert place is not None
        assert place.stem.startswith("nightly-")
        stems.setdefault(place.stem, set()).add(f"{agent} r{place.index}of{place.count}")
    assert len(stems) == 2  # each evaluation's group has a stem of its own, so the two never mix
    for places in stems.values():
        assert places == {f"{a} r{i}of2" for a in (AGENT_A, AGENT_B) for i in (1, 2)}


async def test_a_single_earlier_run_is_a_baseline_group_of_one(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=10)
    single = await _evaluate(client, dataset)
    grouped = await _evaluate(client, dataset, repeats=3, max_regression={"correctness": 50})
    for agent, before in zip(grouped.agents, single.agents, strict=True):
        assert agent.repeat_group is not None
        assert agent.repeat_group.baseline_run_uuids == (before.evaluation_run_uuid,)
        (gate,) = [g for g in agent.gates if g.kind == GateKind.MAX_REGRESSION]
        assert gate.statistics is not None
        assert gate.statistics.n == 10


async def test_the_trend_shows_this_group_as_the_average_of_its_runs(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=6)
    await _evaluate(client, dataset, repeats=3, star_metric="correctness")
    report = await _evaluate(client, dataset, repeats=3, star_metric="correctness")
    agent = report.agents[0]
    assert agent.repeat_group is not None
    stars = [server.run_json(u)["star_metric_result"]["number_value"] for u in agent.repeat_group.run_uuids]
    assert len(set(stars)) > 1  # the judge's noise: the runs differ
    (trend,) = [t for t in trends(report) if t.label == agent.label]
    assert len(trend.points) == 2  # a point per group, not six
    assert trend.points[-1].current
    assert trend.points[-1].value == pytest.approx(sum(stars) / 3)


async def test_a_unique_given_name_is_proven_when_a_creates_answer_is_lost(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    test_case = server.add_test_case(prompts=3)
    lost = Fault.status(500, after_action=True)
    server.inject(lost, times=1, method="POST", path="/evaluation_runs")
    created = await client.evaluation_runs.create(
        test_case_uuid=test_case, agent_uuids=[AGENT_A], run_name="mine-5f3a", name_is_unique=True
    )
    assert [server.run_json(u)["run_name"] for u in created.evaluation_run_uuids] == ["mine-5f3a"]
    assert server.created_run_count == 1  # found, not sent again
    server.inject(lost, times=1, method="POST", path="/evaluation_runs")
    with pytest.raises(RunCreationUnknownError):  # a caller's name, not said to be unique: nothing can be proven
        await client.evaluation_runs.create(test_case_uuid=test_case, agent_uuids=[AGENT_A], run_name="mine")
    with pytest.raises(TypeError, match="name_is_unique must be True or False"):
        await client.evaluation_runs.create(
            test_case_uuid=test_case,
            agent_uuids=[AGENT_A],
            name_is_unique="yes",  # type: ignore[arg-type]
        )


async def test_a_failed_create_lets_the_others_finish_and_names_the_runs_they_started(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    # A create refused outright (400 is never retried): the other repeats' creates are not cancelled in flight, where
    # the server may already have started runs nobody would then know of; the error names the runs they started.
    dataset = server.add_dataset(rows=3)
    server.inject(Fault.status(400), times=1, method="POST", path="/evaluation_runs")
    with pytest.raises(GradientEvalsError) as raised:
        await _evaluate(client, dataset, repeats=3)
    assert server.created_run_count == 2 * 2  # the two other repeats, each for both agents
    notes = " ".join(getattr(raised.value, "__notes__", []))
    assert all(run in notes for run in server.run_uuids)
