"""Models of ``client.evaluation_metrics`` and ``client.custom_evaluation_metrics``: the metric catalog."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ._shared import MetricValueType

__all__ = [
    "AssociatedModelEvaluationPreset",
    "CustomEvaluationMetricConfig",
    "EvaluationMetric",
    "EvaluationMetricCategory",
    "EvaluationMetricSource",
    "EvaluationMetricType",
    "EvaluationMetricsList",
    "EvaluationScope",
]


class EvaluationMetricCategory(StrEnum):
    """What a metric measures."""

    UNSPECIFIED = "METRIC_CATEGORY_UNSPECIFIED"
    CORRECTNESS = "METRIC_CATEGORY_CORRECTNESS"
    USER_OUTCOMES = "METRIC_CATEGORY_USER_OUTCOMES"
    SAFETY_AND_SECURITY = "METRIC_CATEGORY_SAFETY_AND_SECURITY"
    CONTEXT_QUALITY = "METRIC_CATEGORY_CONTEXT_QUALITY"
    MODEL_FIT = "METRIC_CATEGORY_MODEL_FIT"


class EvaluationMetricType(StrEnum):
    """The family a metric belongs to."""

    UNSPECIFIED = "METRIC_TYPE_UNSPECIFIED"
    GENERAL_QUALITY = "METRIC_TYPE_GENERAL_QUALITY"
    RAG_AND_TOOL = "METRIC_TYPE_RAG_AND_TOOL"
    MODEL_QUALITY = "METRIC_TYPE_MODEL_QUALITY"
    MODEL_SAFETY = "METRIC_TYPE_MODEL_SAFETY"


class EvaluationMetricSource(StrEnum):
    """Whether a metric is one of the platform's (built in) or a user's LLM-as-judge metric (custom)."""

    UNSPECIFIED = "EVALUATION_METRIC_SOURCE_UNSPECIFIED"
    BUILTIN = "EVALUATION_METRIC_SOURCE_BUILTIN"
    CUSTOM = "EVALUATION_METRIC_SOURCE_CUSTOM"


class EvaluationScope(StrEnum):
    """Whether a metric evaluates agents or models (the API lists agent metrics when unspecified)."""

    UNSPECIFIED = "EVALUATION_SCOPE_UNSPECIFIED"
    AGENT = "EVALUATION_SCOPE_AGENT"
    MODEL = "EVALUATION_SCOPE_MODEL"


@attrs.frozen(kw_only=True)
class CustomEvaluationMetricConfig:
    """How a custom metric is scored: the judge's instructions and whether rows need a ground truth."""

    scoring_prompt: str | None = None
    requires_ground_truth: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AssociatedModelEvaluationPreset:
    """A saved model-evaluation preset that uses a custom metric (deleting the metric deletes it too)."""

    eval_preset_uuid: str | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class EvaluationMetric:
    """A metric of the catalog, built in or custom.

    ``inverted`` metrics are better when *lower* (a hallucination rate, say); the summaries and comparisons of
    :class:`~gradient_evals.resources.evaluation_runs.AsyncEvaluationRuns` take that into account.
    """

    metric_uuid: str | None = None
    metric_name: str | None = None
    description: str | None = None
    category: EvaluationMetricCategory | str | None = None
    metric_type: EvaluationMetricType | str | None = None
    metric_value_type: MetricValueType | str | None = None
    range_min: float | None = None
    range_max: float | None = None
    inverted: bool | None = None
    is_metric_goal: bool | None = None
    metric_rank: int | None = None
    source: EvaluationMetricSource | str | None = None
    evaluation_scope: EvaluationScope | str | None = None
    custom_eval_config: CustomEvaluationMetricConfig | None = None
    associated_presets: tuple[AssociatedModelEvaluationPreset, ...] = ()

    @property
    def is_custom(self) -> bool:
        """True for a user's LLM-as-judge metric."""
        return self.source == EvaluationMetricSource.CUSTOM


@attrs.frozen(kw_only=True)
class EvaluationMetricsList:
    """The body of ``GET /v2/gen-ai/evaluation_metrics``."""

    metrics: tuple[EvaluationMetric, ...] = ()
