"""Models of ``client.evaluation_runs``: runs, their prompts, traces and result pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from .._deferred import DEFERRED
from ._shared import JSONValue, MetricResult, PageLinks, PageMeta, UInt64Count

__all__ = [
    "AgentSpan",
    "AgentType",
    "ChildSpan",
    "CreatedEvaluationRuns",
    "EvaluationPrompt",
    "EvaluationRun",
    "EvaluationRunStatus",
    "LLMSpan",
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

    @property
    def is_failure(self) -> bool:
        """True for the statuses of a run that ended without results to trust: FAILED and CANCELLED."""
        return self in _FAILED_STATUSES


_TERMINAL_STATUSES = frozenset(
    {
        EvaluationRunStatus.CANCELLED,
        EvaluationRunStatus.SUCCESSFUL,
        EvaluationRunStatus.PARTIALLY_SUCCESSFUL,
        EvaluationRunStatus.FAILED,
    }
)
_FAILED_STATUSES = frozenset({EvaluationRunStatus.FAILED, EvaluationRunStatus.CANCELLED})


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
    duration_ns: UInt64Count | None = None
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
    time_to_first_token_ns: UInt64Count | None = None
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
    """One prompt of a run's dataset: what went in, what came out, and how it scored.

    From a response, ``prompt_chunks``, ``prompt_level_metric_results`` and ``evaluation_trace_spans`` are
    converted when first read, so a consumer that reads only the scores never pays for the spans. A malformed
    item there raises :class:`~gradient_evals.APIResponseValidationError` on that first read.
    """

    prompt_id: int | None = None
    input: str | None = None
    output: str | None = None
    ground_truth: str | None = None
    input_tokens: UInt64Count | None = None
    output_tokens: UInt64Count | None = None
    trace_id: str | None = None
    prompt_chunks: tuple[PromptChunk, ...] = attrs.field(default=(), metadata={DEFERRED: True})
    prompt_level_metric_results: tuple[MetricResult, ...] = attrs.field(default=(), metadata={DEFERRED: True})
    evaluation_trace_spans: tuple[TraceSpan, ...] = attrs.field(default=(), metadata={DEFERRED: True})

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
    created_by_user_id: str | None = None
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
    def is_failed(self) -> bool:
        """True when the run ended FAILED or CANCELLED (see :attr:`EvaluationRunStatus.is_failure`)."""
        return isinstance(self.status, EvaluationRunStatus) and self.status.is_failure

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
