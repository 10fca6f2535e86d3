"""JSON to models: the converter's scalar rules, open enums, lists, links, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gradient_evals._convert import ConversionError, structure
from gradient_evals.types import (
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
)

# -- timestamps ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-01-01T00:00:00Z", datetime(2023, 1, 1, tzinfo=UTC)),
        ("2024-05-06T07:08:09.123Z", datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)),
        ("2024-05-06T07:08:09.123456Z", datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)),
        # Go's RFC3339Nano: nine digits, truncated to microseconds.
        ("2024-05-06T07:08:09.123456789Z", datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)),
        (
            "2024-05-06T07:08:09+02:00",
            datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2024-05-06T07:08:09.5-05:30",
            datetime(2024, 5, 6, 7, 8, 9, 500000, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        ("2024-05-06T07:08:09+00:00", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
        # No zone: taken as UTC, never left naive.
        ("2024-05-06T07:08:09", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
        ("2024-05-06T07:08:09.250", datetime(2024, 5, 6, 7, 8, 9, 250000, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_datetimes(text: str, expected: datetime) -> None:
    run = structure({"queued_at": text, "started_at": text, "finished_at": text}, EvaluationRun)
    for value in (run.queued_at, run.started_at, run.finished_at):
        assert isinstance(value, datetime)
        assert value.tzinfo is not None
        assert value == expected
        assert value.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("zero", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"])
def test_go_zero_time_means_not_yet(zero: str) -> None:
    run = structure({"started_at": "2024-05-06T07:08:09Z", "finished_at": zero}, EvaluationRun)
    assert run.finished_at is None
    assert run.started_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_offset_timestamps_compare_by_instant() -> None:
    a = structure({"queued_at": "2024-01-01T12:00:00+02:00"}, EvaluationRun).queued_at
    b = structure({"queued_at": "2024-01-01T10:00:00Z"}, EvaluationRun).queued_at
    assert a == b


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01T00:00:00Z", "", 1704067200, True, ["2024"], {}])
def test_bad_timestamps_are_refused(bad: Any) -> None:
    with pytest.raises(ConversionError, match="RFC 3339 timestamp"):
        structure({"queued_at": bad}, EvaluationRun)


# -- 64-bit integers as strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("12345", 12345), (12345, 12345), ("0", 0), (7.0, 7)])
def test_token_counts_accept_decimal_strings_and_numbers(raw: Any, expected: int) -> None:
    prompt = structure({"input_tokens": raw, "output_tokens": raw}, EvaluationPrompt)
    assert prompt.input_tokens == expected
    assert prompt.output_tokens == expected
    assert type(prompt.input_tokens) is int
    assert type(prompt.output_tokens) is int


def test_uint64_user_ids_stay_strings() -> None:
    # An identifier is not a number anyone computes with: kept exactly as sent, whatever string it is.
    for raw in ("18446744073709551615", "0042", '"12345"', "user-7"):
        assert structure({"created_by_user_id": raw}, EvaluationRun).created_by_user_id == raw
    with pytest.raises(ConversionError, match="expected a string"):
        structure({"created_by_user_id": 12345}, EvaluationRun)


@pytest.mark.parametrize("odd", ["abc", "12.5", "1e3", "", "0x10", '"12345"', "lorem ipsum"])
def test_uint64_counts_that_are_not_decimal_keep_the_string_sent(odd: str) -> None:
    prompt = structure({"input_tokens": odd, "output_tokens": "7"}, EvaluationPrompt)
    assert prompt.input_tokens == odd
    assert prompt.output_tokens == 7
    llm = structure({"time_to_first_token_ns": odd, "common": {"duration_ns": odd}}, LLMSpan)
    assert llm.time_to_first_token_ns == odd
    assert llm.common is not None
    assert llm.common.duration_ns == odd


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" 44 ", 44), ("+7", 7), ("-3", -3), ("0042", 42), ("\u0664\u0664", "\u0664\u0664"), ("4_4", "4_4"), ("44\n", 44)],
)
def test_count_strings_beyond_plain_digits_keep_their_meaning(raw: str, expected: int | str) -> None:
    # Plain digit strings take a shorter road than these; whichever road, a count means the same thing.
    prompt = structure({"input_tokens": raw, "output_tokens": "44"}, EvaluationPrompt)
    assert prompt.input_tokens == expected
    assert type(prompt.input_tokens) is type(expected)
    assert prompt.output_tokens == 44


def test_a_count_too_long_for_an_int_is_refused_like_any_bad_value() -> None:
    with pytest.raises(ConversionError):
        structure({"input_tokens": "9" * 5000}, EvaluationPrompt)


@pytest.mark.parametrize("bad", [12.5, True, [1], {"n": 1}])
def test_uint64_counts_of_another_json_type_are_refused(bad: Any) -> None:
    with pytest.raises(ConversionError, match="expected a count"):
        structure({"input_tokens": bad}, EvaluationPrompt)


def test_int64_nanosecond_strings_in_spans() -> None:
    llm = structure({"time_to_first_token_ns": "250000000", "common": {"duration_ns": "1500000000"}}, LLMSpan)
    assert llm.time_to_first_token_ns == 250_000_000
    assert llm.common is not None
    assert llm.common.duration_ns == 1_500_000_000


@pytest.mark.parametrize("bad", ["abc", "12.5", "1e3", "", "0x10", 12.5, True, False, [1], {"n": 1}, '"12345"'])
def test_bad_integers_are_refused(bad: Any) -> None:
    with pytest.raises(ConversionError, match="expected an integer"):
        structure({"prompt_id": bad}, EvaluationPrompt)


# -- other scalars ------------------------------------------------------------------------------------------


def test_numbers_become_floats() -> None:
    result = structure({"number_value": 4}, MetricResult)
    assert result.number_value == 4.0
    assert type(result.number_value) is float
    chunk = structure({"chunk_usage_pct": 12.5}, PromptChunk)
    assert chunk.chunk_usage_pct == 12.5


@pytest.mark.parametrize(
    ("cls", "data", "expected"),
    [
        (MetricResult, {"number_value": "4.5"}, "a number"),
        (MetricResult, {"number_value": True}, "a number"),
        (EvaluationRun, {"pass_status": "true"}, "a boolean"),
        (EvaluationRun, {"agent_deleted": 1}, "a boolean"),
        (EvaluationRun, {"run_name": {"a": 1}}, "a string"),
        (EvaluationRun, {"run_name": 5}, "a string"),
        (EvaluationRun, {"agent_name": ["x"]}, "a string"),
        (EvaluationRun, {"status": 3}, "EvaluationRunStatus string"),
        (EvaluationRun, {"star_metric_result": ["x"]}, "an object for MetricResult"),
        (EvaluationRun, {"star_metric_result": "x"}, "an object for MetricResult"),
        (EvaluationRun, {"run_level_metric_results": {"metric_name": "x"}}, "a list"),
        (EvaluationRun, {"run_level_metric_results": ["x"]}, "an object for MetricResult"),
        (EvaluationPrompt, {"prompt_chunks": "chunk"}, "a list"),
        (EvaluationPrompt, {"input": {}}, "a string"),
        (SpanCommon, {"tags": "a,b"}, "a list"),
        (SpanCommon, {"metadata": {"k": 1}}, "an object of strings"),
        (SpanCommon, {"metadata": ["k"]}, "an object of strings"),
        (ResultsPage, {"links": []}, "an object for links"),
        (ResultsPage, {"links": {"pages": "x"}}, "links.pages"),
        (ResultsPage, {"meta": {"page": "one"}}, "an integer"),
        (ResultsPage, {"meta": []}, "an object for PageMeta"),
        (ResultsPage, {"prompts": [{"prompt_id": "abc"}]}, "an integer"),
    ],
)
def test_wrong_json_types_are_refused_with_a_message(cls: type[Any], data: Any, expected: str) -> None:
    with pytest.raises(ConversionError, match=expected) as info:
        structure(data, cls)
    assert isinstance(info.value, ValueError)


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ConversionError, match="an object for EvaluationRun"):
        structure(["not", "an", "object"], EvaluationRun)
    with pytest.raises(ConversionError):
        structure("text", ResultsPage)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ConversionError) as info:
        structure({"run_name": ["x" * 500]}, EvaluationRun)
    assert len(str(info.value)) < 150
    assert "..." in str(info.value)


# -- enums --------------------------------------------------------------------------------------------------


def test_known_enum_values_become_members() -> None:
    run = structure({"status": "EVALUATION_RUN_SUCCESSFUL"}, EvaluationRun)
    assert run.status is EvaluationRunStatus.SUCCESSFUL
    result = structure(
        {"metric_value_type": "METRIC_VALUE_TYPE_PERCENTAGE", "status": "EVALUATION_METRIC_RESULT_STATUS_SKIPPED"},
        MetricResult,
    )
    assert result.metric_value_type is MetricValueType.PERCENTAGE
    assert result.status is MetricResultStatus.SKIPPED


def test_unknown_enum_values_stay_strings_without_failing_the_page() -> None:
    page = structure(
        {
            "evaluation_run": {"status": "EVALUATION_RUN_PAUSED"},
            "prompts": [
                {
                    "prompt_id": 1,
                    "prompt_level_metric_results": [
                        {"metric_value_type": "METRIC_VALUE_TYPE_BOOLEAN", "status": "SOMETHING_NEW"}
                    ],
                    "evaluation_trace_spans": [{"type": "TRACE_SPAN_TYPE_GUARDRAIL"}],
                },
                {"prompt_id": 2},
            ],
        },
        ResultsPage,
    )
    assert page.evaluation_run is not None
    status = page.evaluation_run.status
    assert status == "EVALUATION_RUN_PAUSED"
    assert type(status) is str
    assert not page.evaluation_run.is_terminal
    result = page.prompts[0].prompt_level_metric_results[0]
    assert result.metric_value_type == "METRIC_VALUE_TYPE_BOOLEAN"
    assert result.status == "SOMETHING_NEW"
    assert page.prompts[0].evaluation_trace_spans[0].type == "TRACE_SPAN_TYPE_GUARDRAIL"
    assert [p.prompt_id for p in page.prompts] == [1, 2]


# -- missing, null and unknown keys -------------------------------------------------------------------------


def test_missing_keys_become_none_and_empty_tuples() -> None:
    run = structure({}, EvaluationRun)
    assert run.evaluation_run_uuid is None
    assert run.status is None
    assert run.queued_at is None
    assert run.star_metric_result is None
    assert run.run_level_metric_results == ()
    prompt = structure({}, EvaluationPrompt)
    assert prompt.prompt_chunks == ()
    assert prompt.prompt_level_metric_results == ()
    assert prompt.evaluation_trace_spans == ()
    assert prompt.input_tokens is None
    common = structure({}, SpanCommon)
    assert common.tags == ()
    assert dict(common.metadata) == {}


def test_null_values_and_null_lists() -> None:
    run = structure(
        {
            "status": None,
            "run_level_metric_results": None,
            "star_metric_result": None,
            "queued_at": None,
            "created_by_user_id": None,
            "pass_status": None,
        },
        EvaluationRun,
    )
    assert run.status is None
    assert run.run_level_metric_results == ()
    assert run.star_metric_result is None
    assert run.queued_at is None
    assert run.created_by_user_id is None
    assert run.pass_status is None
    page = structure({"prompts": None, "meta": None, "links": None, "evaluation_run": None}, ResultsPage)
    assert page.prompts == ()
    assert page.meta == PageMeta()
    assert page.links == PageLinks()
    assert page.evaluation_run is None
    span = structure({"spans": None, "retriever_chunks": None, "span_level_metric_results": None}, TraceSpan)
    assert span.spans == span.retriever_chunks == span.span_level_metric_results == ()
    common = structure({"tags": None, "metadata": None}, SpanCommon)
    assert common.tags == ()
    assert dict(common.metadata) == {}


def test_unknown_keys_are_ignored() -> None:
    run = structure({"evaluation_run_uuid": "abc", "brand_new_field": {"deep": [1, 2]}, "another": None}, EvaluationRun)
    assert run.evaluation_run_uuid == "abc"
    assert not hasattr(run, "brand_new_field")


# -- links and meta -----------------------------------------------------------------------------------------


def test_links_are_flattened_from_links_pages() -> None:
    page = structure(
        {
            "links": {
                "pages": {
                    "first": "https://api.digitalocean.com/x?page=1",
                    "previous": "https://api.digitalocean.com/x?page=1",
                    "next": "https://api.digitalocean.com/x?page=3",
                    "last": "https://api.digitalocean.com/x?page=9",
                }
            },
            "meta": {"page": 2, "pages": 9, "total": 87},
        },
        ResultsPage,
    )
    assert page.links == PageLinks(
        first="https://api.digitalocean.com/x?page=1",
        previous="https://api.digitalocean.com/x?page=1",
        next="https://api.digitalocean.com/x?page=3",
        last="https://api.digitalocean.com/x?page=9",
    )
    assert page.meta == PageMeta(page=2, pages=9, total=87)


@pytest.mark.parametrize("links", [{}, {"pages": None}, {"pages": {}}, {"pages": {"next": None}}, {"actions": []}])
def test_empty_links_are_an_empty_object(links: Any) -> None:
    page = structure({"links": links}, ResultsPage)
    assert page.links == PageLinks()
    assert page.links.next is None


def test_meta_and_links_are_objects_when_missing() -> None:
    for cls in (ResultsPage, EvaluationRunsPage):
        page = structure({}, cls)
        assert isinstance(page.meta, PageMeta)
        assert isinstance(page.links, PageLinks)
        assert page.meta.total is None
        assert page.links.next is None


# -- free-form JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        [{"role": "user", "content": "hi"}],
        {"messages": [{"role": "assistant", "content": "hello"}], "nested": {"a": [1, 2.5, None, True]}},
        "plain text",
        42,
        None,
        {},
        [],
    ],
)
def test_trace_span_input_output_keep_the_json_value(value: Any) -> None:
    span = structure({"input": value, "output": value, "spans": [{"input": value, "output": value}]}, TraceSpan)
    assert span.input == value
    assert span.output == value
    assert type(span.input) is type(value)
    assert span.spans[0].input == value
    assert span.spans[0].output == value


def test_llm_tools_are_kept_as_json() -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    llm = structure({"tools": tools}, LLMSpan)
    assert llm.tools == tuple(tools)
    with pytest.raises(ConversionError, match="a list"):
        structure({"tools": {"type": "function"}}, LLMSpan)


def test_nested_spans_parse_recursively() -> None:
    span = structure(
        {
            "spans": [
                {
                    "type": "TRACE_SPAN_TYPE_WORKFLOW",
                    "workflow": {
                        "spans": [
                            {
                                "type": "TRACE_SPAN_TYPE_AGENT",
                                "agent": {
                                    "agent_type": "AGENT_TYPE_ROUTER",
                                    "spans": [{"type": "TRACE_SPAN_TYPE_TOOL", "tool": {"tool_call_id": "c1"}}],
                                },
                            }
                        ]
                    },
                }
            ]
        },
        TraceSpan,
    )
    workflow = span.spans[0].workflow
    assert workflow is not None
    agent = workflow.spans[0].agent
    assert agent is not None
    assert agent.agent_type == "AGENT_TYPE_ROUTER"
    tool = agent.spans[0].tool
    assert tool is not None
    assert tool.tool_call_id == "c1"


def test_created_runs_uuid_list() -> None:
    from gradient_evals.types import CreatedEvaluationRuns

    created = structure({"evaluation_run_uuids": ["a", "b"]}, CreatedEvaluationRuns)
    assert created.evaluation_run_uuids == ["a", "b"]
    assert structure({}, CreatedEvaluationRuns).evaluation_run_uuids == []
    assert structure({"evaluation_run_uuids": None}, CreatedEvaluationRuns).evaluation_run_uuids == []
    with pytest.raises(ConversionError, match="a list of strings"):
        structure({"evaluation_run_uuids": "a"}, CreatedEvaluationRuns)
    with pytest.raises(ConversionError, match="a list of strings"):
        structure({"evaluation_run_uuids": [1]}, CreatedEvaluationRuns)
