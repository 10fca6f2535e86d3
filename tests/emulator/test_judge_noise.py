"""The emulator is noisy the way LLM judges are: stable agent quality, per-prompt difficulty shared by every run,
and judge noise per run, so reruns of an unchanged agent differ by noise alone and pass a paired gate."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest

from gradient_evals import AsyncGradientEvals
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing._scores import DIFFICULTY_SD, JUDGE_NOISE_SD, agent_quality, prompt_difficulty

pytestmark = pytest.mark.anyio

AGENT = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.2) as srv:
        yield srv


def _correctness(server: FakeGradientServer, run_uuid: str) -> list[float]:
    values = []
    for prompt_id in server.prompt_ids(run_uuid):
        results = server.prompt_json(run_uuid, prompt_id)["prompt_level_metric_results"]
        values.append(next(r["number_value"] for r in results if r["metric_name"] == "correctness"))
    return values


def _dataset(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["query", "expected_response"])
        writer.writerows([f"Question number {i} about the product?", f"Answer {i}."] for i in range(n))
    return path


def test_two_runs_of_one_agent_agree_prompt_by_prompt_as_judges_do(server: FakeGradientServer) -> None:
    test_case = server.add_test_case(prompts=600)
    first, second = (server.add_run(test_case_uuid=test_case, agent_uuid=AGENT) for _ in range(2))
    a, b = _correctness(server, first), _correctness(server, second)
    assert len(a) == len(b) == 600
    assert a != b  # the judge's noise is new in every run
    assert 0.3 <= statistics.correlation(a, b) <= 0.7
    assert abs(statistics.mean(a) - statistics.mean(b)) < 3  # one quality: the means differ by noise alone
    assert _correctness(server, first) == a  # a run is a function of its keys


def test_the_spreads_and_the_quality_are_fixed_functions() -> None:
    assert (DIFFICULTY_SD, JUDGE_NOISE_SD) == (12.0, 10.0)
    assert prompt_difficulty("How do I get a refund?") == prompt_difficulty("  How do I get a refund?\n")
    assert prompt_difficulty("How do I get a refund?") != prompt_difficulty("Why was I charged twice?")
    assert agent_quality(AGENT) == agent_quality(AGENT.upper())
    assert 60 <= agent_quality(AGENT) <= 90


async def test_an_unchanged_rerun_passes_and_a_lowered_quality_fails(
    server: FakeGradientServer, tmp_path: Path
) -> None:
    settings = {
        "dataset": _dataset(tmp_path / "questions.csv", 120),
        "test_case": "noise",
        "metrics": ["correctness"],
        "agent_uuids": [AGENT],
        "max_regression": {"correctness": 5},
    }
    server.set_agent_profile(AGENT, quality=75)
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        rerun = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        assert rerun.passed, rerun.verdict.reasons
        gate = next(g for g in rerun.agents[0].gates if g.metric == "correctness")
        assert gate.outcome in ("passed", "inconclusive"), gate.message  # never failed on noise alone
        assert gate.statistics is not None
        assert gate.statistics.n == 120
        server.set_agent_profile(AGENT, quality=60)  # the baseline made before stays as it was
        worse = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
    gate = next(g for g in worse.agents[0].gates if g.metric == "correctness")
    assert gate.outcome == "failed", gate.message
    assert not worse.passed


async def test_every_metric_result_has_the_judges_reasoning(server: FakeGradientServer, tmp_path: Path) -> None:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        report = await client.evaluate(
            dataset=_dataset(tmp_path / "questions.csv", 10),
            test_case="reasons",
            metrics=["correctness", "hallucination_rate", "tone"],
            agent_uuids=[AGENT],
            **FAST,  # type: ignore[arg-type]
        )
    prompts = report.agents[0].prompts
    assert len(prompts) == 10
    for outcome in prompts:
        scored = set(outcome.values) | set(outcome.errors)
        assert scored
        assert set(outcome.reasoning) >= set(outcome.values), outcome
        assert all(text.strip() for text in outcome.reasoning.values())
