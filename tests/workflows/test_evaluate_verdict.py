"""A verdict that cannot fail open: gates not applied, baselines proven, checks before side effects, typed errors,
checked create answers, reruns of regressions (issue: evaluate as a checked plan of explicit steps)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import gradient_evals
from gradient_evals import (
    APIResponseValidationError,
    AsyncGradientEvals,
    GradientEvals,
    GradientEvalsError,
    InternalServerError,
    MultipleErrors,
)
from gradient_evals.results import GateKind
from gradient_evals.statistics import StatisticsInputError
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing._faults import Fault
from gradient_evals.types import CreatedEvaluationRuns, StarMetric
from gradient_evals.workflows.evaluate_steps import runs_step
from gradient_evals.workflows.services import EvaluationServices, Progress

pytestmark = pytest.mark.anyio

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.2) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncGradientEvals:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as c:
        yield c  # type: ignore[misc]


def _posts(server: FakeGradientServer) -> int:
    return sum(1 for r in server.requests if r.method in ("POST", "PUT", "PATCH"))


async def test_a_regression_gate_without_a_baseline_is_not_applied_and_can_be_required(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=4)
    report = await client.evaluate(
        dataset=dataset,
        test_case="t",
        metrics=["correctness"],
        agent_uuids=[AGENT_A],
        max_regression={"correctness": 1},
        **FAST,
    )
    (gate,) = [g for g in report.agents[0].gates if g.kind == GateKind.MAX_REGRESSION]
    assert gate.status == "not applied"
    assert "no finished run of version 1 to compare with" in gate.message
    assert report.gates_not_applied
    assert report.passed
    strict = await client.evaluate(
        dataset=dataset,
        test_case="t",
        metrics=["correctness", "tone"],  # a new version: the earlier run is not its baseline
        agent_uuids=[AGENT_A],
        max_regression={"correctness": 1},
        require_baseline=True,
        **FAST,
    )
    assert strict.test_case_change is not None
    assert "version 2" in strict.test_case_change
    assert "tone" in strict.test_case_change
    assert not strict.passed
    assert not strict.run_failed
    assert any("a baseline is required" in reason for reason in strict.verdict.reasons)


def test_display_style_metric_names_make_identical_calls_idempotent(server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=3)
    arguments: dict[str, Any] = {
        "dataset": dataset,
        "test_case": "adherence",
        "metrics": ["Context Adherence", "Correctness"],
        "star_metric": "Context Adherence",
        "star_threshold_pct": 70,
        "agent_uuids": [AGENT_A],
        **FAST,
    }
    with GradientEvals(server.token, base_url=server.base_url) as client:
        first = client.evaluate(**arguments)
        second = client.evaluate(**arguments)
    assert first.star_metric == "context_adherence"
    assert second.test_case_version == first.test_case_version
    assert second.test_case_change is None
    assert second.agents[0].baseline_run_uuid == first.agents[0].evaluation_run_uuid


async def test_a_listed_run_of_another_test_case_or_version_is_never_the_baseline(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=3)
    first = await client.evaluate(
        dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], **FAST
    )
    # The listing lies: it says a run of another test case is of this one. The run itself says otherwise.
    foreign = server.add_run(agent_uuid=AGENT_A)
    original = client.evaluation_test_cases.list_evaluation_runs

    async def lying_listing(*args: Any, **kwargs: Any) -> list[Any]:
        await original(*args, **kwargs)
        fake = await client.evaluation_runs.retrieve(foreign)
        return [attrs.evolve(fake, test_case_uuid=first.test_case_uuid, test_case_version=1)]

    client.evaluation_test_cases.list_evaluation_runs = lying_listing  # type: ignore[method-assign]
    second = await client.evaluate(
        dataset=dataset, test_case="t", agent_uuids=[AGENT_A], max_regression={"correctness": 1}, **FAST
    )
    assert second.agents[0].baseline_run_uuid is None
    (gate,) = [g for g in second.agents[0].gates if g.kind == GateKind.MAX_REGRESSION]
    assert gate.status == "not applied"
    assert "another test case" in gate.message
    assert foreign not in second.baseline_run_uuids


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"baseline": "0b7e0c57-4e0f-4d4a-8a3e-9f1e2d3c4b5a"}, ValueError, "no evaluation run"),
        ({"star_metric": "corectness"}, ValueError, "no metric is called 'corectness'"),
        ({"baseline": "FOREIGN"}, ValueError, "is a run of test case"),
        ({"star_threshold_pct": 70}, ValueError, "star_threshold_pct needs a star_metric"),
        ({"star_metric": StarMetric(name="correctness"), "star_threshold_pct": 70}, ValueError, "not both"),
        ({"star_metric": 3}, TypeError, "star_metric must be"),
        ({"baseline": {AGENT_A: "yesterday"}}, ValueError, "must be a run UUID"),
        ({"baseline": 7}, TypeError, "baseline must be"),
        ({"test_case": "0b7e0c57-4e0f-4d4a-8a3e-9f1e2d3c4b5a"}, ValueError, "no test case"),
        ({"agent_uuids": [AGENT_A, AGENT_A]}, ValueError, "each agent may be given once"),
        ({"agents": "support-bot"}, TypeError, "agents must be a list of strings"),
        ({"max_regression": {"correctness": -1}}, StatisticsInputError, r"max_regression\['correctness'\] is a number"),
        ({"max_regression": {"correctness": float("nan")}}, StatisticsInputError, "must be a finite number"),
        ({"max_regression": {"correctness": float("inf")}}, StatisticsInputError, "must be a finite number"),
        ({"require_conclusive": True}, StatisticsInputError, "require_conclusive needs a regression gate"),
        ({"regression_test": "bayes"}, StatisticsInputError, "regression_test must be 'paired' or 'point'"),
        ({"interval": "normal"}, StatisticsInputError, "interval must be 't' or 'bootstrap'"),
    ],
)
async def test_checks_come_before_any_upload_or_creation(
    server: FakeGradientServer,
    client: AsyncGradientEvals,
    tmp_path: Path,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    dataset = server.add_dataset(rows=3)
    await client.evaluate(dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], **FAST)
    if arguments.get("baseline") == "FOREIGN":
        arguments = {"baseline": server.add_run(agent_uuid=AGENT_A)}
    csv = tmp_path / "new.csv"
    csv.write_text("query\nfresh question\n", encoding="utf-8")
    writes = _posts(server)
    settings: dict[str, Any] = {
        "dataset": csv,
        "test_case": "t",
        "metrics": ["correctness"],
        "agent_uuids": [AGENT_A],
        "baseline_any_version": True,
        **FAST,
    }
    with pytest.raises(error, match=message):
        await client.evaluate(**{**settings, **arguments})
    assert _posts(server) == writes  # no upload, no test case update, no run


async def test_a_5xx_while_waiting_is_one_typed_error(server: FakeGradientServer, client: AsyncGradientEvals) -> None:
    dataset = server.add_dataset(rows=3)
    server.inject(Fault.status(500), method="GET", path="/evaluation_runs/")
    # The two runs are waited for at once: one poll's 500 is raised as itself, or, when both polls failed before
    # either wait was cancelled, both together in one MultipleErrors (never an ExceptionGroup).
    with pytest.raises((InternalServerError, MultipleErrors)) as caught:
        await client.evaluate(
            dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A, AGENT_B], **FAST
        )
    found = caught.value.errors if isinstance(caught.value, MultipleErrors) else (caught.value,)
    assert all(isinstance(error, InternalServerError) for error in found), found


def test_the_blocking_client_raises_the_same_typed_error(server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=3)
    server.inject(Fault.malformed_json(), method="GET", path="/evaluation_runs/")
    with (
        GradientEvals(server.token, base_url=server.base_url, max_retries=0) as client,
        pytest.raises(GradientEvalsError) as caught,
    ):
        client.evaluate(dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A, AGENT_B], **FAST)
    assert not isinstance(caught.value, BaseExceptionGroup)


class _Runs:
    def __init__(self, answer: list[str]) -> None:
        self.answer = answer

    async def create(self, **_: Any) -> CreatedEvaluationRuns:
        return CreatedEvaluationRuns(evaluation_run_uuids=self.answer)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([f"00000000-0000-4000-8000-{n:012d}" for n in range(10_000)], "names 10000"),
        (["not-a-uuid", "00000000-0000-4000-8000-000000000001"], "not a UUID"),
        (["00000000-0000-4000-8000-000000000001"] * 2, "twice"),
    ],
)
async def test_a_create_answer_must_name_one_uuid_run_per_agent(answer: list[str], message: str) -> None:
    from types import SimpleNamespace

    services: Any = SimpleNamespace(runs=_Runs(answer))
    plan: Any = SimpleNamespace(
        agents=(AGENT_A, AGENT_B), deployments=(), run_name=None, agent_count=2, settings=SimpleNamespace(repeats=1)
    )
    with pytest.raises(APIResponseValidationError, match=message):
        await runs_step(services, plan, "tc", Progress(None))


async def test_evaluate_failed_reruns_a_regression_and_reports_when_nothing_needs_it(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=4)
    server.set_agent_profile(AGENT_A, quality=90)
    await client.evaluate(dataset=dataset, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], **FAST)
    server.set_agent_profile(AGENT_A, quality=10)
    regressed = await client.evaluate(
        dataset=dataset, test_case="t", agent_uuids=[AGENT_A], max_regression={"correctness": 1}, **FAST
    )
    assert not regressed.passed
    assert regressed.agents[0].failed_prompts == 0
    server.set_agent_profile(AGENT_A, quality=90)
    again = await client.evaluate_failed(regressed, **FAST)
    assert again.agents[0].rerun_of == regressed.agents[0].evaluation_run_uuid
    assert again.agents[0].baseline_run_uuid == regressed.agents[0].baseline_run_uuid
    nothing = await client.evaluate_failed(again, max_regression={"correctness": 100}, **FAST)
    assert nothing.notes
    assert "nothing to rerun" in nothing.notes[-1]


def test_no_workflow_imports_the_client() -> None:
    folder = Path(gradient_evals.__file__).parent / "workflows"
    for module in folder.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not any(n == "_client" or n.endswith("._client") for n in names), module.name


def test_services_are_the_resources() -> None:
    fields = {f.name for f in attrs.fields(EvaluationServices)}
    assert fields == {"metrics", "datasets", "test_cases", "runs", "agents", "versions"}
