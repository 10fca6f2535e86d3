"""Models of ``client.model_evaluation_runs``: a candidate model answering a dataset, judged by a judge model.

A run goes QUEUED -> RUNNING_DATASET (the candidate answers each row) -> EVALUATING_RESULTS (the judge scores
them) -> SUCCESSFUL, PARTIALLY_SUCCESSFUL, FAILED or CANCELLED; ``progress`` counts the rows each step has done.
Its per-row results are a gzip-compressed JSON file, read by ``client.model_evaluation_runs.results(uuid)``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ._shared import MetricResult, PageLinks, PageMeta, UInt64Count
from .evaluation_metrics import EvaluationMetric
from .evaluation_test_cases import StarMetric
from .model_evaluation_presets import CandidateInferenceConfig, CandidateModelSource

__all__ = [
    "CreatedModelEvaluationRun",
    "LatencyMetrics",
    "MetricResultSummary",
    "ModelEvaluationResult",
    "ModelEvaluationResultsDownloadUrl",
    "ModelEvaluationRun",
    "ModelEvaluationRunProgress",
    "ModelEvaluationRunResultSummary",
    "ModelEvaluationRunStatus",
    "ModelEvaluationRunSummary",
    "ModelEvaluationRunsPage",
    "ModelPricingEntry",
    "ModelRunPricing",
    "PerModelResultSummaries",
    "PerModelResultSummary",
    "PerTaskResultSummaries",
    "PerTaskResultSummary",
    "PerformanceMetrics",
    "StarMetricSummary",
    "TokenPricing",
    "TokenUsage",
]


class ModelEvaluationRunStatus(StrEnum):
    """Where a model evaluation run is; the last four are terminal."""

    UNSPECIFIED = "MODEL_EVALUATION_RUN_STATUS_UNSPECIFIED"
    QUEUED = "MODEL_EVALUATION_RUN_QUEUED"
    RUNNING_DATASET = "MODEL_EVALUATION_RUN_RUNNING_DATASET"
    EVALUATING_RESULTS = "MODEL_EVALUATION_RUN_EVALUATING_RESULTS"
    CANCELLING = "MODEL_EVALUATION_RUN_CANCELLING"
    CANCELLED = "MODEL_EVALUATION_RUN_CANCELLED"
    SUCCESSFUL = "MODEL_EVALUATION_RUN_SUCCESSFUL"
    PARTIALLY_SUCCESSFUL = "MODEL_EVALUATION_RUN_PARTIALLY_SUCCESSFUL"
    FAILED = "MODEL_EVALUATION_RUN_FAILED"

    @property
    def is_terminal(self) -> bool:
        """True once the run has stopped (successful, partially successful, failed or cancelled)."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {
        ModelEvaluationRunStatus.CANCELLED,
        ModelEvaluationRunStatus.SUCCESSFUL,
        ModelEvaluationRunStatus.PARTIALLY_SUCCESSFUL,
        ModelEvaluationRunStatus.FAILED,
    }
)


@attrs.frozen(kw_only=True)
class ModelEvaluationRunProgress:
    """Rows done so far: answered by the candidate, scored by the judge, of ``total_rows``."""

    candidate_rows_evaluated: int | None = None
    judge_rows_evaluated: int | None = None
    total_rows: int | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationRunSummary:
    """A model evaluation run as listings (and cancel, update) return it."""

    eval_run_uuid: str | None = None
    name: str | None = None
    status: ModelEvaluationRunStatus | str | None = None
    created_at: datetime | None = None
    candidate_model_uuid: str | None = None
    candidate_model_name: str | None = None
    candidate_model_source: CandidateModelSource | str | None = None
    judge_model_uuid: str | None = None
    judge_model_name: str | None = None
    dataset_uuid: str | None = None
    dataset_name: str | None = None
    progress: ModelEvaluationRunProgress | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationRunsPage:
    """One page of ``GET /v2/gen-ai/model_evaluation_runs``, with the filter values the account's runs offer."""

    runs: tuple[ModelEvaluationRunSummary, ...] = ()
    available_statuses: tuple[ModelEvaluationRunStatus | str, ...] = ()
    available_candidate_types: tuple[CandidateModelSource | str, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)


@attrs.frozen(kw_only=True)
class LatencyMetrics:
    """The candidate's end-to-end latency over the rows, in milliseconds."""

    avg_e2e_latency_ms: float | None = None
    min_e2e_latency_ms: float | None = None
    max_e2e_latency_ms: float | None = None
    p50_latency_ms: float | None = None
    p90_latency_ms: float | None = None
    p95_latency_ms: float | None = None


@attrs.frozen(kw_only=True)
class TokenUsage:
    """Tokens the candidate and the judge used (64-bit counts: ``int``, or ``str`` when not decimal)."""

    total_candidate_input_tokens: UInt64Count | None = None
    total_candidate_output_tokens: UInt64Count | None = None
    total_candidate_tokens: UInt64Count | None = None
    total_judge_input_tokens: UInt64Count | None = None
    total_judge_output_tokens: UInt64Count | None = None
    total_judge_tokens: UInt64Count | None = None


@attrs.frozen(kw_only=True)
class PerformanceMetrics:
    """Latency and token usage of a run (or of one model or task of it)."""

    candidate_latency: LatencyMetrics | None = None
    token_usage: TokenUsage | None = None


@attrs.frozen(kw_only=True)
class MetricResultSummary:
    """How the rows fared on one metric: passed, failed and skipped, as counts and percentages."""

    metric_uuid: str | None = None
    metric_name: str | None = None
    description: str | None = None
    pass_count: int | None = None
    fail_count: int | None = None
    skipped_count: int | None = None
    pass_percent: float | None = None
    fail_percent: float | None = None
    skip_percent: float | None = None


@attrs.frozen(kw_only=True)
class PerModelResultSummary:
    """The metrics and performance of one model of a run (a router run answers with several)."""

    model_name: str | None = None
    prompt_count: int | None = None
    metric_summaries: tuple[MetricResultSummary, ...] = ()
    performance_metrics: PerformanceMetrics | None = None


@attrs.frozen(kw_only=True)
class PerModelResultSummaries:
    """The per-model summaries of a run."""

    summaries: tuple[PerModelResultSummary, ...] = ()


@attrs.frozen(kw_only=True)
class PerTaskResultSummary:
    """The metrics and performance of the rows a router sent to one task."""

    task_name: str | None = None
    prompt_count: int | None = None
    metric_summaries: tuple[MetricResultSummary, ...] = ()
    performance_metrics: PerformanceMetrics | None = None


@attrs.frozen(kw_only=True)
class PerTaskResultSummaries:
    """The per-task summaries of a run."""

    summaries: tuple[PerTaskResultSummary, ...] = ()


@attrs.frozen(kw_only=True)
class TokenPricing:
    """What a model's tokens cost in a run."""

    input_cost: float | None = None
    output_cost: float | None = None
    total_cost: float | None = None


@attrs.frozen(kw_only=True)
class ModelPricingEntry:
    """What one candidate model cost over its rows."""

    model_uuid: str | None = None
    model_name: str | None = None
    prompt_count: int | None = None
    pricing: TokenPricing | None = None


@attrs.frozen(kw_only=True)
class ModelRunPricing:
    """What a run cost: per candidate model, the judge, and in total, in ``currency``."""

    currency: str | None = None
    total_cost: float | None = None
    judge_model_pricing: TokenPricing | None = None
    per_candidate_model_pricing: tuple[ModelPricingEntry, ...] = ()


@attrs.frozen(kw_only=True)
class StarMetricSummary:
    """The star metric of a run and its threshold."""

    metric_uuid: str | None = None
    metric_name: str | None = None
    threshold: float | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationRunResultSummary:
    """A finished run's summary: overall score, per metric, per model and task, performance and price."""

    overall_score_percent: float | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_duration_seconds: int | None = None
    metric_summaries: tuple[MetricResultSummary, ...] = ()
    per_model_summaries: PerModelResultSummaries | None = None
    per_task_summaries: PerTaskResultSummaries | None = None
    performance_metrics: PerformanceMetrics | None = None
    pricing: ModelRunPricing | None = None
    star_metric_summary: StarMetricSummary | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationRun:
    """A model evaluation run in full (``retrieve``): its settings, progress and, once finished, its summary."""

    eval_run_uuid: str | None = None
    name: str | None = None
    status: ModelEvaluationRunStatus | str | None = None
    error_description: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    candidate_model_uuid: str | None = None
    candidate_model_name: str | None = None
    candidate_model_source: CandidateModelSource | str | None = None
    candidate_inference_config: CandidateInferenceConfig | None = None
    judge_model_uuid: str | None = None
    judge_model_name: str | None = None
    dataset_uuid: str | None = None
    dataset_name: str | None = None
    eval_preset_uuid: str | None = None
    eval_preset_name: str | None = None
    metrics: tuple[EvaluationMetric, ...] = ()
    star_metric: StarMetric | None = None
    progress: ModelEvaluationRunProgress | None = None
    result_summary: ModelEvaluationRunResultSummary | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationResult:
    """One row of a run's results: the input, the candidate's output, and each metric's result for it."""

    input: str | None = None
    ground_truth: str | None = None
    output: str | None = None
    candidate_model_uuid: str | None = None
    candidate_model_name: str | None = None
    candidate_routed_task: str | None = None
    metric_results: tuple[MetricResult, ...] = ()


@attrs.frozen(kw_only=True)
class CreatedModelEvaluationRun:
    """The answer to creating a run: its UUID."""

    eval_run_uuid: str | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationResultsDownloadUrl:
    """Where a run's results file (gzip-compressed JSON) can be downloaded until ``expires_at``; a secret."""

    download_url: str | None = attrs.field(default=None, repr=False)
    expires_at: datetime | None = None
