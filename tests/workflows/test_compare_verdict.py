"""The verdict of ``compare``: a worsening decided on the prompts paired by input, as ``evaluate``'s gates decide.

Runs are built page by page, so each test sets the per-prompt scores it needs: a worsening every prompt shows, a
drop the prompts cannot tell from noise, too few prompts to pair.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence

import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, GradientEvalsError
from gradient_evals.types import EvaluationPrompt, MetricResult, PageMeta, ResultsPage
from gradient_evals.workflows.compare import compare_pages

pytestmark = pytest.mark.anyio

RUN_A = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
RUN_B = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a02"


def _run(scores: Sequence[float]) -> ResultsPage:
    prompts = tuple(
        EvaluationPrompt(
            prompt_id=i,
            input=f"question {i}",
            prompt_level_metric_results=(
                MetricResult(
                    metric_name="correctness", metric_value_type="METRIC_VALUE_TYPE_NUMBER", number_value=score
                ),
            ),
        )
        for i, score in enumerate(scores, 1)
    )
    return ResultsPage(prompts=prompts, meta=PageMeta())


async def _pages(page: ResultsPage) -> AsyncIterator[ResultsPage]:
    yield page


def _scores(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(40, 90) for _ in range(n)]


async def _compare(base: Sequence[float], candidate: Sequence[float], **options: object):  # type: ignore[no-untyped-def]
    return await compare_pages(_pages(_run(base)), _pages(_run(candidate)), "base", "candidate", **options)  # type: ignore[arg-type]


async def test_a_worsening_every_prompt_shows_fails() -> None:
    base = _scores(40, seed=1)
    result = await _compare(base, [score - 8 + random.Random(i).uniform(-1, 1) for i, score in enumerate(base)])
    assert not result.passed
    [reason] = result.verdict.reasons
    assert reason.startswith("correctness: got worse by 8")
    assert "95% interval of the change" in reason
    assert "40 paired prompts" in reason
    assert result.metrics["correctness"].statistics is not None
    assert result.metrics["correctness"].statistics.outcome == "failed"


async def test_a_drop_the_prompts_cannot_tell_from_noise_passes_with_a_note() -> None:
    base = _scores(30, seed=2)
    rng = random.Random(3)
    candidate = [score + rng.gauss(0, 15) for score in base]
    point = await _compare(base, candidate, regression_test="point")
    delta = point.metrics["correctness"].delta
    assert delta is not None
    assert delta < 0, "the seed gives a drop of the mean"
    assert not point.passed, "on the two scores alone, the drop fails"

    paired = await _compare(base, candidate)
    assert paired.passed, paired.verdict.reasons
    [note] = paired.verdict.notes
    assert note.startswith("inconclusive: correctness: got worse by")
    assert "straddles" in note

    required = await _compare(base, candidate, require_conclusive=True)
    assert not required.passed
    assert required.verdict.reasons[0].endswith("and a conclusive result is required")


async def test_a_threshold_is_the_worsening_the_paired_test_allows() -> None:
    base = _scores(40, seed=4)
    slightly_worse = [score - 1 + random.Random(i).uniform(-0.5, 0.5) for i, score in enumerate(base)]
    allowed = await _compare(base, slightly_worse, thresholds={"correctness": -3})
    assert allowed.passed, allowed.verdict.reasons
    assert allowed.metrics["correctness"].statistics is not None
    assert allowed.metrics["correctness"].statistics.max_regression == 3
    refused = await _compare(base, [score - 5 for score in base], thresholds={"correctness": -3})
    assert not refused.passed
    assert refused.verdict.reasons[0].startswith("correctness: got worse by 5")


async def test_a_threshold_asking_for_an_improvement_is_decided_on_the_two_scores() -> None:
    base = _scores(40, seed=5)
    result = await _compare(base, [score + 1 for score in base], thresholds={"correctness": 2})
    assert not result.passed
    assert result.verdict.reasons == ("correctness: improved by +1, the threshold asks +2",)
    assert result.verdict.notes == ()


async def test_one_shared_prompt_is_decided_on_the_two_scores_and_says_so() -> None:
    result = await _compare([80.0], [70.0])
    assert not result.passed
    assert result.verdict.reasons == ("correctness: dropped by 10 (tolerance 0)",)
    [note] = result.verdict.notes
    assert note.startswith("correctness: decided on the two scores, not on paired prompts (")


@pytest.mark.parametrize(("option", "value"), [("regression_test", "mean"), ("require_conclusive", "yes")])
async def test_a_bad_option_is_refused_before_any_request(
    httpx_mock: HTTPXMock, client: AsyncGradientEvals, option: str, value: object
) -> None:
    with pytest.raises((GradientEvalsError, TypeError), match=option):
        await client.evaluation_runs.compare(RUN_A, RUN_B, inverted=(), **{option: value})  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []
