"""compare_models against the emulator: one run per candidate, rows paired by input, each metric against the
first candidate with the paired statistics; bad arguments refused before anything is uploaded or created."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals.reports.models import render_model_html, render_model_markdown
from gradient_evals.results import ModelComparison, ModelResult
from gradient_evals.statistics import PairedComparison
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_metrics import KNOWN_MODELS
from gradient_evals.testing.stores.model_evaluation_runs import ModelRunStore
from gradient_evals.types import ModelEvaluationRun

JUDGE = KNOWN_MODELS[0].uuid
SMALL, MINI = "llama3-8b-instruct", "openai-gpt-4o-mini"


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=3, run_duration=0.3) as srv:
        yield srv


def test_each_candidate_is_compared_with_the_first_on_paired_rows(server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=60)
    seen: set[str] = set()
    with GradientEvals(server.token, base_url=server.base_url) as client:
        comparison = client.compare_models(
            dataset=dataset,
            candidates=[SMALL, MINI],
            judge=JUDGE,
            metrics=["correctness", "Answer matches", "toxicity"],
            poll_interval=0.05,
            on_progress=lambda model, run: seen.add(model),
        )
    assert seen == {SMALL, MINI}
    assert [m.model for m in comparison.models] == [SMALL, MINI]
    assert comparison.pass_fail == ("Answer matches",)
    assert comparison.inverted == ("Toxicity",)
    first, second = comparison.models
    assert first.comparisons == {}
    assert (first.rows, second.rows) == (60, 60)
    correctness = second.comparisons["Correctness"]
    assert (correctness.method, correctness.n) == ("paired-t", 60)
    assert correctness.delta == pytest.approx(second.scores["Correctness"] - first.scores["Correctness"])
    assert correctness.ci_low is not None
    assert correctness.ci_high is not None
    assert correctness.ci_low <= correctness.delta <= correctness.ci_high
    assert second.comparisons["Answer matches"].method == "mcnemar-exact"
    assert second.comparisons["Toxicity"].higher_is_better is False
    assert second.latency_p95_ms is not None
    assert second.cost is not None


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"candidates": [SMALL]}, "at least 2 candidates"),
        ({"candidates": [SMALL, SMALL.upper()]}, "given twice"),
        ({"judge": "llama3.3-70b-instruct"}, "judge must be the judge model's UUID"),
        ({"metrics": ["correctness", "helpfulness"]}, "no metric is called 'helpfulness'"),
        ({"metrics": []}, "non-empty list"),
    ],
)
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_bad_arguments_are_refused_before_anything_is_created(
    server: FakeGradientServer, kwargs: dict[str, Any], says: str, backend: str
) -> None:
    arguments: dict[str, Any] = {
        "dataset": [{"query": "What is 2 + 2?", "expected_response": "4"}] * 3,
        "candidates": [SMALL, MINI],
        "judge": JUDGE,
        "metrics": ["correctness"],
    }

    async def go() -> None:
        async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
            with pytest.raises(ValueError, match=says):
                await client.compare_models(**(arguments | kwargs))

    anyio.run(go, backend=backend)
    assert server.store(ModelRunStore).all() == []
    assert server.object_store.requests == []  # the rows were not uploaded either


def _hostile_comparison() -> ModelComparison:
    statistic = PairedComparison(
        method="paired-t", n=10, delta=0.5, ci_low=0.1, ci_high=0.9, p_value=0.01, outcome="passed",
        reason="", max_regression=0.0,
    )  # fmt: skip
    run = ModelEvaluationRun(eval_run_uuid="r")
    return ModelComparison(
        dataset_uuid="d",
        judge_model_uuid="j",
        metrics=("<b>score</b>",),
        models=(
            ModelResult(
                model="<script>alert(1)</script>", eval_run_uuid="a", run=run, rows=10, scores={"<b>score</b>": 1.0}
            ),
            ModelResult(
                model="| *bold* |", eval_run_uuid="b", run=run, rows=10, scores={"<b>score</b>": 1.5},
                comparisons={"<b>score</b>": statistic},
            ),
        ),
    )  # fmt: skip


def test_names_are_escaped_in_every_format() -> None:
    comparison = _hostile_comparison()
    page = render_model_html(comparison)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>" not in page
    markdown = render_model_markdown(comparison)
    assert "| *bold* |" not in markdown
    assert r"\*bold\*" in markdown
    assert "+0.5 [0.1, 0.9]" in render_model_html(comparison)
