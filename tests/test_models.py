"""The API's example bodies (reference pages and OpenAPI spec) parse into the models, and the models' helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from gradient_evals._convert import structure
from gradient_evals.types import (
    AgentType,
    ChildSpan,
    CreatedEvaluationRuns,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationRunsPage,
    EvaluationRunStatus,
    LLMSpan,
    MetricResult,
    MetricResultStatus,
    MetricValueType,
    PageLinks,
    PageMeta,
    PromptChunk,
    ResultsPage,
    SpanCommon,
    TraceSpan,
    TraceSpanType,
)

Example = Callable[[str], Any]
JAN_1 = datetime(2023, 1, 1, tzinfo=UTC)
EXAMPLE_UUID = "123e4567-e89b-12d3-a456-426614174000"


def _strip_doc_quotes(value: Any) -> Any:
    """The Python reference page prints string examples wrapped in literal quotes; the spec does not."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [_strip_doc_quotes(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_doc_quotes(v) for k, v in value.items()}
    return value


def _assert_example_metric(result: MetricResult) -> None:
    assert result.metric_name == "example name"
    assert result.metric_value_type is MetricValueType.UNSPECIFIED
    assert result.number_value == 123.0
    assert type(result.number_value) is float
    assert result.string_value == "example string"
    assert result.reasoning == "example string"
    assert result.error_description == "example string"


def _assert_example_run(run: EvaluationRun, *, spec: bool) -> None:
    assert run.evaluation_run_uuid == EXAMPLE_UUID
    assert run.test_case_uuid == EXAMPLE_UUID
    assert run.agent_uuid == EXAMPLE_UUID
    assert run.agent_workspace_uuid == EXAMPLE_UUID
    assert run.evaluation_test_case_workspace_uuid == EXAMPLE_UUID
    assert run.agent_deleted is True
    assert run.pass_status is True
    assert run.agent_name == "example name"
    assert run.run_name == "example name"
    assert run.test_case_name == "example name"
    assert run.test_case_description == "example string"
    assert run.agent_version_hash == "example string"
    assert run.error_description == "example string"
    assert run.created_by_user_id == "12345"  # an identifier: kept as the string sent
    assert run.test_case_version == 123
    assert run.status is EvaluationRunStatus.STATUS_UNSPECIFIED
    for stamp in (run.queued_at, run.started_at, run.finished_at):
        assert stamp == JAN_1
        assert stamp is not None
        assert stamp.tzinfo is not None
    assert len(run.run_level_metric_results) == 1
    _assert_example_metric(run.run_level_metric_results[0])
    assert run.star_metric_result is not None
    _assert_example_metric(run.star_metric_result)
    if spec:
        assert run.agent_deployment_name == "example name"
        assert run.created_by_user_email == "example@example.com"
        assert run.star_metric_result.metric_uuid == EXAMPLE_UUID
        assert run.star_metric_result.status is MetricResultStatus.UNSPECIFIED


def _assert_example_prompt(prompt: EvaluationPrompt) -> None:
    assert prompt.prompt_id == 123
    assert prompt.input == "example string"
    assert prompt.output == "example string"
    assert prompt.ground_truth == "example string"
    assert prompt.input_tokens == 12345
    assert prompt.output_tokens == 12345
    assert type(prompt.input_tokens) is int
    assert type(prompt.output_tokens) is int
    assert prompt.trace_id == EXAMPLE_UUID
    assert prompt.prompt_chunks == (
        PromptChunk(
            text="example string",
            source_name="example name",
            index_uuid=EXAMPLE_UUID,
            chunk_used=True,
            chunk_usage_pct=123.0,
        ),
    )
    assert len(prompt.prompt_level_metric_results) == 1
    _assert_example_metric(prompt.prompt_level_metric_results[0])
    assert prompt.metric("example name") is prompt.prompt_level_metric_results[0]
    span = prompt.evaluation_trace_spans[0]
    assert span.name == "example name"
    assert span.type is TraceSpanType.UNKNOWN
    assert span.created_at == JAN_1
    assert span.retriever_chunks == prompt.prompt_chunks
    _assert_example_metric(span.span_level_metric_results[0])


# -- reference pages ----------------------------------------------------------------------------------------


def test_seed_results_page_parses(example: Example) -> None:
    body = example("seed_run_results")
    page = structure(body, ResultsPage)
    assert page.evaluation_run is not None
    _assert_example_run(page.evaluation_run, spec=False)
    assert page.evaluation_run.agent_deployment_name == "example name"
    assert page.evaluation_run.created_by_user_email == "example@example.com"
    assert page.meta == PageMeta(page=123, pages=123, total=123)
    assert page.links == PageLinks(
        first="example string", previous="example string", next="example string", last="example string"
    )
    assert len(page.prompts) == 1
    _assert_example_prompt(page.prompts[0])
    # "input": {} and "output": {} stay the empty object they are, not "{}".
    span = page.prompts[0].evaluation_trace_spans[0]
    assert span.input == {}
    assert span.output == {}
    assert span.spans == ()


def test_seed_list_runs_page_verbatim_has_a_quoted_user_id(example: Example) -> None:
    # The Python reference page prints every string example wrapped in literal quotes, including the
    # uint64 "created_by_user_id": "\"12345\"", which is not a decimal string. The spec's example is '12345'.
    # An identifier is kept as the string sent, so the page parses as printed.
    body = example("seed_list_runs_by_test_case")
    assert body["evaluation_runs"][0]["created_by_user_id"] == '"12345"'
    runs = structure(body, EvaluationRunsPage).evaluation_runs
    # Quoted strings are still strings: kept as sent.
    assert runs[0].evaluation_run_uuid == f'"{EXAMPLE_UUID}"'
    assert runs[0].created_by_user_id == '"12345"'


def test_seed_list_runs_page_without_doc_quotes_parses(example: Example) -> None:
    body = _strip_doc_quotes(example("seed_list_runs_by_test_case"))
    page = structure(body, EvaluationRunsPage)
    assert len(page.evaluation_runs) == 1
    run = page.evaluation_runs[0]
    _assert_example_run(run, spec=False)
    assert run.agent_deployment_name is None  # not on this (older) page
    assert page.meta == PageMeta()
    assert page.links == PageLinks()


# -- OpenAPI spec examples (every property filled in) --------------------------------------------------------


def test_spec_run_example_parses(example: Example) -> None:
    run = structure(example("spec_get_run")["evaluation_run"], EvaluationRun)
    _assert_example_run(run, spec=True)
    # Every field of the model was present in the spec's example.
    assert all(getattr(run, f.name) not in (None, ()) for f in attrs.fields(EvaluationRun))


def test_spec_list_runs_example_parses(example: Example) -> None:
    page = structure(example("spec_list_runs_by_test_case"), EvaluationRunsPage)
    _assert_example_run(page.evaluation_runs[0], spec=True)


def test_spec_results_example_parses(example: Example) -> None:
    body = example("spec_run_results")
    page = structure(body, ResultsPage)
    assert page.evaluation_run is not None
    _assert_example_run(page.evaluation_run, spec=True)
    assert page.meta == PageMeta(page=123, pages=123, total=123)
    assert page.links.next == "example string"
    _assert_example_prompt(page.prompts[0])


def test_spec_prompt_example_parses_every_span_kind(example: Example) -> None:
    body = example("spec_prompt_results")["prompt"]
    prompt = structure(body, EvaluationPrompt)
    _assert_example_prompt(prompt)
    raw_span = body["evaluation_trace_spans"][0]
    span = prompt.evaluation_trace_spans[0]
    assert isinstance(span, TraceSpan)
    assert span.input == raw_span["input"]
    assert span.output == raw_span["output"]
    assert isinstance(span.input, list)
    assert isinstance(span.output, dict)
    assert span.span_level_metric_results[0].metric_uuid == EXAMPLE_UUID

    child = span.spans[0]
    assert isinstance(child, ChildSpan)
    assert child.name == "example name"
    assert child.type is TraceSpanType.UNKNOWN
    assert child.created_at == JAN_1
    assert child.input == raw_span["spans"][0]["input"]
    common = SpanCommon(
        created_at=JAN_1,
        duration_ns=12345,
        metadata={"key": "example string"},
        status_code=123,
        tags=("example string",),
    )
    assert child.llm is not None
    assert isinstance(child.llm, LLMSpan)
    assert child.llm.common == common
    assert child.llm.model == "example string"
    assert child.llm.num_input_tokens == child.llm.num_output_tokens == child.llm.total_tokens == 123
    assert child.llm.temperature == 123.0
    assert child.llm.time_to_first_token_ns == 12345
    assert child.llm.tools == tuple(raw_span["spans"][0]["llm"]["tools"])
    assert child.tool is not None
    assert child.tool.common == common
    assert child.tool.tool_call_id == EXAMPLE_UUID
    assert child.retriever is not None
    assert child.retriever.common == common
    assert child.workflow is not None
    assert child.workflow.common == common
    assert child.agent is not None
    assert child.agent.agent_type is AgentType.UNSPECIFIED
    assert child.agent.redacted_input == child.agent.redacted_output == "example string"
    assert child.agent.common == common
    grandchild = child.agent.spans[0]
    assert grandchild.llm is not None
    assert grandchild.llm.time_to_first_token_ns == 12345


def test_spec_create_example_parses(example: Example) -> None:
    created = structure(example("spec_create_runs"), CreatedEvaluationRuns)
    assert created.evaluation_run_uuids == ["example string"]


def test_fixtures_are_plain_json(example: Example) -> None:
    # A round trip through json keeps them identical: nothing in them depends on Python.
    body = example("spec_run_results")
    assert json.loads(json.dumps(body)) == body


# -- helpers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "terminal", "successful"),
    [
        ("EVALUATION_RUN_STATUS_UNSPECIFIED", False, False),
        ("EVALUATION_RUN_QUEUED", False, False),
        ("EVALUATION_RUN_RUNNING_DATASET", False, False),
        ("EVALUATION_RUN_EVALUATING_RESULTS", False, False),
        ("EVALUATION_RUN_CANCELLING", False, False),
        ("EVALUATION_RUN_CANCELLED", True, False),
        ("EVALUATION_RUN_SUCCESSFUL", True, True),
        ("EVALUATION_RUN_PARTIALLY_SUCCESSFUL", True, False),
        ("EVALUATION_RUN_FAILED", True, False),
        ("EVALUATION_RUN_SOMETHING_NEW", False, False),
        (None, False, False),
    ],
)
def test_run_is_terminal_and_is_successful(status: str | None, terminal: bool, successful: bool) -> None:
    run = structure({"status": status}, EvaluationRun)
    assert run.is_terminal is terminal
    assert run.is_successful is successful


def test_status_compares_with_api_strings() -> None:
    run = structure({"status": "EVALUATION_RUN_FAILED"}, EvaluationRun)
    assert run.status == "EVALUATION_RUN_FAILED"
    assert run.status == EvaluationRunStatus.FAILED
    assert EvaluationRunStatus.FAILED.is_terminal


@pytest.mark.parametrize(
    ("value_type", "number", "string", "expected"),
    [
        ("METRIC_VALUE_TYPE_NUMBER", 0.75, "ignored", 0.75),
        ("METRIC_VALUE_TYPE_PERCENTAGE", 87.5, None, 87.5),
        ("METRIC_VALUE_TYPE_STRING", 1.0, "pass", "pass"),
        ("METRIC_VALUE_TYPE_STRING", None, None, None),
        ("METRIC_VALUE_TYPE_NUMBER", None, "text", None),
        ("METRIC_VALUE_TYPE_UNSPECIFIED", 3.0, "x", 3.0),
        ("METRIC_VALUE_TYPE_UNSPECIFIED", None, "x", "x"),
        ("METRIC_VALUE_TYPE_FUTURE", None, "y", "y"),
        (None, 0.0, "z", 0.0),
        (None, None, None, None),
    ],
)
def test_metric_value_per_value_type(
    value_type: str | None, number: float | None, string: str | None, expected: float | str | None
) -> None:
    result = structure({"metric_value_type": value_type, "number_value": number, "string_value": string}, MetricResult)
    assert result.value == expected
    assert type(result.value) is type(expected)


def test_metric_is_error() -> None:
    assert structure({"error_description": "judge timed out"}, MetricResult).is_error
    assert structure({"status": "EVALUATION_METRIC_RESULT_STATUS_FAILED"}, MetricResult).is_error
    assert not structure({"status": "EVALUATION_METRIC_RESULT_STATUS_COMPLETED"}, MetricResult).is_error
    assert not structure({"error_description": ""}, MetricResult).is_error


def test_prompt_metric_lookup_by_name_and_uuid() -> None:
    prompt = structure(
        {
            "prompt_level_metric_results": [
                {"metric_name": "Correctness", "metric_uuid": "u-1", "number_value": 0.9},
                {"metric_name": "Toxicity", "metric_uuid": "u-2", "number_value": 0.1},
                {"metric_uuid": "u-3", "string_value": "n/a"},
            ]
        },
        EvaluationPrompt,
    )
    correctness = prompt.metric("Correctness")
    assert correctness is not None
    assert correctness.value == 0.9
    assert prompt.metric("u-2") is prompt.prompt_level_metric_results[1]
    assert prompt.metric("u-3") is prompt.prompt_level_metric_results[2]
    assert prompt.metric("correctness") is None
    assert prompt.metric("missing") is None
    assert set(prompt.metrics) == {"Correctness", "Toxicity"}
    assert structure({}, EvaluationPrompt).metric("Correctness") is None


def test_run_metric_lookup() -> None:
    run = structure({"run_level_metric_results": [{"metric_name": "Correctness", "number_value": 80}]}, EvaluationRun)
    found = run.metric("Correctness")
    assert found is not None
    assert found.value == 80.0
    assert run.metric("Other") is None


def test_results_page_meta_and_links_default_to_objects() -> None:
    page = ResultsPage()
    assert page.meta.total is None
    assert page.links.next is None
    assert page.prompts == ()
    assert EvaluationRunsPage().meta.page is None


def test_models_are_frozen() -> None:
    run = EvaluationRun(run_name="a")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        run.run_name = "b"  # type: ignore[misc]
