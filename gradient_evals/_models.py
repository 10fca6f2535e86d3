"""Typed models of the evaluation-runs API.

Every class is a frozen, slotted attrs class with keyword-only fields. Every field is optional, as it is in the
API: a key the server leaves out becomes ``None`` (or an empty tuple for lists). Enum fields are *open*: a value
this version of the SDK does not know stays a plain ``str`` instead of failing the page, so their type is
``Enum | str | None``. Conversion from JSON lives in one place, :mod:`gradient_evals._convert`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeAlias

import attrs

__all__ = [
    "AgentSpan",
    "AgentType",
    "ChildSpan",
    "CreatedEvaluationRuns",
    "EvaluationPrompt",
    "EvaluationRun",
    "EvaluationRunStatus",
    "EvaluationRunsPage",
    "JSONValue",
    "LLMSpan",
    "MetricResult",
    "MetricResultStatus",
    "MetricValueType",
    "PageLinks",
    "PageMeta",
    "PromptChunk",
    "ResultsPage",
    "RetrieverChunk",
    "RetrieverSpan",
    "SpanCommon",
    "ToolSpan",
    "TraceSpan",
    "TraceSpanType",
    "WorkflowSpan",
]

JSONValue: TypeAlias = Any
"""Any value JSON can hold, kept exactly as the server sent it (trace span inputs and outputs)."""


class EvaluationRunStatus(StrEnum):
    """Where an evaluation run is in its life. Compare with ``==``; values are the API's strings."""

    STATUS_UNSPECIFIED = "EVALUATION_RUN_STATUS_UNSPECIFIED"
    QUEUED = "EVALUATION_RUN_QUEUED"
    RUNNING_DATASET = "EVALUATION_RUN_RUNNING_DATASET"
    EVALUATING_RESULTS = "EVALUATION_RUN_EVALUATING_RESULTS"
    CANCELLING = "EVALUATION_RUN_CANCELLING"
    CANCELLED = "EVALUATION_RUN_CANCELLED"
    SUCCESSFUL = "EVALUATION_RUN_SUCCESSFUL"
    PARTIALLY_SUCCESSFUL = "EVALUATION_RUN_PARTIALLY_SUCCESSFUL"
    FAILED = "EVALUATION_RUN_FAILED"

    @property
    def is_terminal(self) -> bool:
        """True once the run will not change any more."""
        return self in _TERMINAL_STATUSES


_TERMINAL_STATUSES = frozenset(
    {
        EvaluationRunStatus.CANCELLED,
        EvaluationRunStatus.SUCCESSFUL,
        EvaluationRunStatus.PARTIALLY_SUCCESSFUL,
        EvaluationRunStatus.FAILED,
    }
)


class MetricValueType(StrEnum):
    """Which of a metric result's value fields holds its value."""

    UNSPECIFIED = "METRIC_VALUE_TYPE_UNSPECIFIED"
    NUMBER = "METRIC_VALUE_TYPE_NUMBER"
    STRING = "METRIC_VALUE_TYPE_STRING"
    PERCENTAGE = "METRIC_VALUE_TYPE_PERCENTAGE"


class MetricResultStatus(StrEnum):
    """Outcome of scoring one metric for one prompt or span."""

    UNSPECIFIED = "EVALUATION_METRIC_RESULT_STATUS_UNSPECIFIED"
    COMPLETED = "EVALUATION_METRIC_RESULT_STATUS_COMPLETED"
    FAILED = "EVALUATION_METRIC_RESULT_STATUS_FAILED"
    SKIPPED = "EVALUATION_METRIC_RESULT_STATUS_SKIPPED"


class TraceSpanType(StrEnum):
    """Kinds of span in an evaluated trace."""

    UNKNOWN = "TRACE_SPAN_TYPE_UNKNOWN"
    LLM = "TRACE_SPAN_TYPE_LLM"
    RETRIEVER = "TRACE_SPAN_TYPE_RETRIEVER"
    TOOL = "TRACE_SPAN_TYPE_TOOL"
    AGENT = "TRACE_SPAN_TYPE_AGENT"
    WORKFLOW = "TRACE_SPAN_TYPE_WORKFLOW"


class AgentType(StrEnum):
    """Kinds of agent in an agent span."""

    UNSPECIFIED = "AGENT_TYPE_UNSPECIFIED"
    DEFAULT = "AGENT_TYPE_DEFAULT"
    PLANNER = "AGENT_TYPE_PLANNER"
    REACT = "AGENT_TYPE_REACT"
    REFLECTION = "AGENT_TYPE_REFLECTION"
    ROUTER = "AGENT_TYPE_ROUTER"
    CLASSIFIER = "AGENT_TYPE_CLASSIFIER"
    SUPERVISOR = "AGENT_TYPE_SUPERVISOR"
    JUDGE = "AGENT_TYPE_JUDGE"




@attrs.frozen(kw_only=True)
class MetricResult:
    """One metric's result for a run, a prompt or a span."""

    metric_name: str | None = None
    metric_uuid: str | None = None
    metric_value_type: MetricValueType | str | None = None
    number_value: float | None = None
    string_value: str | None = None
    reasoning: str | None = None
    error_description: str | None = None
    status: MetricResultStatus | str | None = None

    @property
    def value(self) -> float | str | None:
        """The metric's value, taken from the field its ``metric_value_type`` names.

        A number for NUMBER and PERCENTAGE (a percentage stays on its 0-100 scale), a string for STRING, and
        for an unspecified or unknown type whichever of the two the server filled in.
        """
        kind = self.metric_value_type
        if kind == MetricValueType.STRING:
            return self.string_value
        if kind in (MetricValueType.NUMBER, MetricValueType.PERCENTAGE):
            return self.number_value
        return self.number_value if self.number_value is not None else self.string_value

    @property
    def is_error(self) -> bool:
        """True when the metric could not be computed."""
        return bool(self.error_description) or self.status == MetricResultStatus.FAILED


@attrs.frozen(kw_only=True)
class PromptChunk:
    """A knowledge-base chunk retrieved for a prompt or a retriever span."""

    text: str | None = None
    source_name: str | None = None
    index_uuid: str | None = None
    chunk_used: bool | None = None
    chunk_usage_pct: float | None = None


RetrieverChunk = PromptChunk
"""The chunks of a retriever span have the same shape as a prompt's chunks."""


@attrs.frozen(kw_only=True)
class SpanCommon:
    """Fields shared by every kind of child span."""

    created_at: datetime | None = None
    duration_ns: int | None = None
    metadata: Mapping[str, str] = attrs.field(factory=dict)
    status_code: int | None = None
    tags: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class LLMSpan:
    """Details of a model call."""

    common: SpanCommon | None = None
    model: str | None = None
    num_input_tokens: int | None = None
    num_output_tokens: int | None = None
    total_tokens: int | None = None
    temperature: float | None = None
    time_to_first_token_ns: int | None = None
    tools: tuple[JSONValue, ...] = ()


@attrs.frozen(kw_only=True)
class ToolSpan:
    """Details of a tool call."""

    common: SpanCommon | None = None
    tool_call_id: str | None = None


@attrs.frozen(kw_only=True)
class RetrieverSpan:
    """Details of a retrieval."""

    common: SpanCommon | None = None


@attrs.frozen(kw_only=True)
class AgentSpan:
    """Details of an agent step; may hold child spans."""

    common: SpanCommon | None = None
    agent_type: AgentType | str | None = None
    redacted_input: str | None = None
    redacted_output: str | None = None
    spans: tuple[ChildSpan, ...] = ()


@attrs.frozen(kw_only=True)
class WorkflowSpan:
    """A workflow: a container of child spans."""

    common: SpanCommon | None = None
    spans: tuple[ChildSpan, ...] = ()


@attrs.frozen(kw_only=True)
class ChildSpan:
    """A span nested inside an evaluated trace span; one of ``llm``/``tool``/``retriever``/``agent``/``workflow``
    carries its details."""

    name: str | None = None
    type: TraceSpanType | str | None = None
    created_at: datetime | None = None
    input: JSONValue = None
    output: JSONValue = None
    llm: LLMSpan | None = None
    tool: ToolSpan | None = None
    retriever: RetrieverSpan | None = None
    agent: AgentSpan | None = None
    workflow: WorkflowSpan | None = None


@attrs.frozen(kw_only=True)
class TraceSpan:
    """A span of an evaluated prompt's trace, with the metrics scored on it.

    ``input`` and ``output`` stay the JSON value the server sent (a list of messages, an object, a string).
    """

    name: str | None = None
    type: TraceSpanType | str | None = None
    created_at: datetime | None = None
    input: JSONValue = None
    output: JSONValue = None
    retriever_chunks: tuple[PromptChunk, ...] = ()
    span_level_metric_results: tuple[MetricResult, ...] = ()
    spans: tuple[ChildSpan, ...] = ()


@attrs.frozen(kw_only=True)
class EvaluationPrompt:
    """One prompt of a run's dataset: what went in, what came out, and how it scored."""

    prompt_id: int | None = None
    input: str | None = None
    output: str | None = None
    ground_truth: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    trace_id: str | None = None
    prompt_chunks: tuple[PromptChunk, ...] = ()
    prompt_level_metric_results: tuple[MetricResult, ...] = ()
    evaluation_trace_spans: tuple[TraceSpan, ...] = ()

    def metric(self, name: str) -> MetricResult | None:
        """The prompt-level result of the metric called ``name`` (or with that metric UUID), if any."""
        for result in self.prompt_level_metric_results:
            if result.metric_name == name or result.metric_uuid == name:
                return result
        return None

    @property
    def metrics(self) -> dict[str, MetricResult]:
        """Prompt-level results keyed by metric name (results without a name are left out)."""
        return {r.metric_name: r for r in self.prompt_level_metric_results if r.metric_name is not None}


@attrs.frozen(kw_only=True)
class EvaluationRun:
    """An evaluation run: one test case run against one agent."""

    evaluation_run_uuid: str | None = None
    run_name: str | None = None
    status: EvaluationRunStatus | str | None = None
    test_case_uuid: str | None = None
    test_case_name: str | None = None
    test_case_description: str | None = None
    test_case_version: int | None = None
    evaluation_test_case_workspace_uuid: str | None = None
    agent_uuid: str | None = None
    agent_name: str | None = None
    agent_deployment_name: str | None = None
    agent_version_hash: str | None = None
    agent_workspace_uuid: str | None = None
    agent_deleted: bool | None = None
    created_by_user_id: int | None = None
    created_by_user_email: str | None = None
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pass_status: bool | None = None
    error_description: str | None = None
    star_metric_result: MetricResult | None = None
    run_level_metric_results: tuple[MetricResult, ...] = ()

    @property
    def is_terminal(self) -> bool:
        """True once the run has finished (successfully or not) and will not change any more."""
        return isinstance(self.status, EvaluationRunStatus) and self.status.is_terminal

    @property
    def is_successful(self) -> bool:
        """True when the run finished with every prompt evaluated (status SUCCESSFUL)."""
        return self.status == EvaluationRunStatus.SUCCESSFUL

    def metric(self, name: str) -> MetricResult | None:
        """The run-level result of the metric called ``name`` (or with that metric UUID), if any."""
        for result in self.run_level_metric_results:
            if result.metric_name == name or result.metric_uuid == name:
                return result
        return None


@attrs.frozen(kw_only=True)
class PageMeta:
    """Where a page stands in the whole result set."""

    page: int | None = None
    pages: int | None = None
    total: int | None = None


@attrs.frozen(kw_only=True)
class PageLinks:
    """Links to other pages (the API nests them under ``links.pages``; they are flattened here)."""

    first: str | None = None
    previous: str | None = None
    next: str | None = None
    last: str | None = None


@attrs.frozen(kw_only=True)
class ResultsPage:
    """One page of a run's prompt results.

    ``meta`` and ``links`` are always objects (with ``None`` fields when the server left them out), so
    ``page.meta.total`` never fails.
    """

    evaluation_run: EvaluationRun | None = None
    prompts: tuple[EvaluationPrompt, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)


@attrs.frozen(kw_only=True)
class CreatedEvaluationRuns:
    """What creating runs returns: the UUID of each run started, one per agent or deployment."""

    evaluation_run_uuids: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class EvaluationRunsPage:
    """The runs of a test case as the API lists them (today in one response; paged if it ever pages)."""

    evaluation_runs: tuple[EvaluationRun, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)
