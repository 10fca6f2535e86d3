"""Result pages and reports made in memory, for the report builder's, the renderers' and the CLI's tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from gradient_evals.results import EvaluationReport
from gradient_evals.types import (
    EvaluationPrompt,
    EvaluationRun,
    MetricResult,
    MetricResultStatus,
    MetricValueType,
    PageMeta,
    ResultsPage,
)
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report

AGENT_A = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
AGENT_B = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
DATASET = "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"

ERROR = object()
SKIPPED = object()

Value = float | str | object


def metric(name: str, value: Value) -> MetricResult:
    """A prompt's metric result: a number, a string, ERROR or SKIPPED."""
    if value is ERROR:
        return MetricResult(metric_name=name, status=MetricResultStatus.FAILED, error_description="judge timed out")
    if value is SKIPPED:
        return MetricResult(metric_name=name, status=MetricResultStatus.SKIPPED)
    if isinstance(value, str):
        return MetricResult(
            metric_name=name,
            metric_value_type=MetricValueType.STRING,
            string_value=value,
            status=MetricResultStatus.COMPLETED,
        )
    assert isinstance(value, int | float)
    return MetricResult(
        metric_name=name,
        metric_value_type=MetricValueType.NUMBER,
        number_value=float(value),
        status=MetricResultStatus.COMPLETED,
    )


def prompt(pid: int, text: str, values: Mapping[str, Value], output: str = "an answer") -> EvaluationPrompt:
    return EvaluationPrompt(
        prompt_id=pid,
        input=text,
        output=output,
        ground_truth="expected",
        prompt_level_metric_results=tuple(metric(k, v) for k, v in values.items()),
    )


def run(uuid: str, agent: str, name: str, status: str = "EVALUATION_RUN_SUCCESSFUL", **extra: object) -> EvaluationRun:
    started = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    return EvaluationRun(
        evaluation_run_uuid=uuid,
        agent_uuid=agent,
        agent_name=name,
        status=status,
        test_case_uuid=TEST_CASE,
        test_case_version=2,
        started_at=started,
        finished_at=started + timedelta(seconds=42),
        **extra,  # type: ignore[arg-type]
    )


def pages(
    prompts: Sequence[EvaluationPrompt], the_run: EvaluationRun | None = None, per_page: int = 2
) -> list[ResultsPage]:
    chunks = [prompts[i : i + per_page] for i in range(0, len(prompts), per_page)] or [[]]
    return [
        ResultsPage(
            evaluation_run=the_run,
            prompts=tuple(chunk),
            meta=PageMeta(page=n + 1, pages=len(chunks), total=len(prompts)),
        )
        for n, chunk in enumerate(chunks)
    ]


def uuid_of(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


QUESTIONS = [f"question {i}" for i in range(1, 7)]
TOPICS = {
    "question 1": "billing",
    "question 2": "billing",
    "question 3": "billing",
    "question 4": "shipping",
    "question 5": "shipping",
    "question 6": "shipping",
}


async def two_agent_report(*, slice_by: str | None = "topic", settings: GateSettings | None = None) -> EvaluationReport:
    """Agent A regresses on correctness in the billing slice; agent B holds steady; hallucination is inverted.

    The regression gates follow the point rule by default (``regression_test="point"``)."""
    base_a = [
        prompt(i + 1, q, {"correctness": 90.0, "hallucination": 0.1, "tone": "pass"}) for i, q in enumerate(QUESTIONS)
    ]
    cand_a = [
        prompt(
            i + 1,
            q,
            {
                "correctness": 40.0 if i < 3 else 90.0,
                "hallucination": 0.3 if i < 3 else 0.1,
                "tone": "fail" if i == 0 else "pass",
            },
            output=f"<b>answer</b> {i}",
        )
        for i, q in enumerate(QUESTIONS)
    ]
    cand_a[5] = prompt(6, QUESTIONS[5], {"correctness": ERROR, "hallucination": SKIPPED, "tone": "pass"})
    base_b = [
        prompt(i + 1, q, {"correctness": 70.0, "hallucination": 0.2, "tone": "pass"}) for i, q in enumerate(QUESTIONS)
    ]
    cand_b = [
        prompt(i + 1, q, {"correctness": 75.0, "hallucination": 0.15, "tone": "pass"}) for i, q in enumerate(QUESTIONS)
    ]
    settings = settings or GateSettings(
        fail_under={"correctness": 60.0},
        max_regression={"correctness": 5.0, "hallucination": 0.05},
        inverted=frozenset({"hallucination"}),
        slice_by=slice_by,
        slices=TOPICS if slice_by else {},
        regression_test="point",  # six prompts decide nothing on the paired rule: these reports show the means'
    )
    run_a = run(uuid_of(1), AGENT_A, "agent | <alpha>")
    run_b = run(uuid_of(2), AGENT_B, "beta")
    a = await build_agent_result(
        run_uuid=uuid_of(1),
        run=run_a,
        pages=pages(cand_a, run_a),
        settings=settings,
        baseline_run_uuid=uuid_of(11),
        baseline_pages=pages(base_a),
    )
    b = await build_agent_result(
        run_uuid=uuid_of(2),
        run=run_b,
        pages=pages(cand_b, run_b),
        settings=settings,
        baseline_run_uuid=uuid_of(12),
        baseline_pages=pages(base_b),
    )
    return build_report(
        test_case_uuid=TEST_CASE,
        test_case_name="support bot",
        test_case_version=2,
        dataset_uuid=DATASET,
        agents=[a, b],
        settings=settings,
        metrics=["correctness", "hallucination", "tone"],
        star_metric="correctness",
    )
