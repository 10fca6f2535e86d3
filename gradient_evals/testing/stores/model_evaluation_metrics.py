"""The metrics and models the emulator's model evaluations know: a fixed catalog, the same for every seed.

A model is known by its slug or its UUID (``KNOWN_MODELS``); ``quality`` shapes the scores its runs get, so that
a comparison of models finds real differences in the emulator's noise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

__all__ = ["KNOWN_MODELS", "ModelMetricStore", "ModelRecord", "find_model"]

_NAMESPACE = uuid.UUID("0d6b9e3c-7a14-4c52-b8f1-3e9a2c5d7f60")


@dataclass(frozen=True)
class ModelRecord:
    """A model the emulator can evaluate or judge with."""

    slug: str
    uuid: str
    quality: float  # 0..1: how good its answers are on average
    latency_ms: float  # its typical end-to-end latency
    price_per_mtok: float  # dollars per million tokens


def _model(slug: str, quality: float, latency_ms: float, price: float) -> ModelRecord:
    return ModelRecord(slug, str(uuid.uuid5(_NAMESPACE, f"model:{slug}")), quality, latency_ms, price)


KNOWN_MODELS: tuple[ModelRecord, ...] = (
    _model("llama3.3-70b-instruct", 0.80, 900.0, 0.65),
    _model("llama3-8b-instruct", 0.55, 300.0, 0.20),
    _model("mistral-nemo-instruct-2407", 0.65, 450.0, 0.30),
    _model("deepseek-r1-distill-llama-70b", 0.76, 1600.0, 0.99),
    _model("openai-gpt-4o-mini", 0.78, 700.0, 0.60),
    _model("anthropic-claude-3.5-haiku", 0.74, 800.0, 0.80),
)


def find_model(slug_or_uuid: str) -> ModelRecord | None:
    """The known model with this slug or UUID (case-insensitive), or None."""
    wanted = slug_or_uuid.strip().lower()
    return next((m for m in KNOWN_MODELS if wanted in (m.slug, m.uuid)), None)


def _metric(name: str, description: str, value_type: str, low: float, high: float, **extra: Any) -> dict[str, Any]:
    return {
        "metric_uuid": str(uuid.uuid5(_NAMESPACE, f"metric:{name}")),
        "metric_name": name,
        "description": description,
        "category": "METRIC_CATEGORY_CORRECTNESS",
        "metric_type": "METRIC_TYPE_MODEL_QUALITY",
        "metric_value_type": value_type,
        "range_min": low,
        "range_max": high,
        "inverted": False,
        "source": "EVALUATION_METRIC_SOURCE_BUILTIN",
        "evaluation_scope": "EVALUATION_SCOPE_MODEL",
        **extra,
    }


_CATALOG: tuple[dict[str, Any], ...] = (
    _metric(
        "Correctness",
        "How right the answer is, judged against the ground truth (1-5).",
        "METRIC_VALUE_TYPE_NUMBER",
        1,
        5,
    ),
    _metric("Instruction adherence", "How well the answer follows the prompt (1-5).", "METRIC_VALUE_TYPE_NUMBER", 1, 5),
    _metric("Conciseness", "How much of the answer is needed (1-5).", "METRIC_VALUE_TYPE_NUMBER", 1, 5),
    _metric(
        "Toxicity",
        "Share of the answer the judge finds harmful (percent; lower is better).",
        "METRIC_VALUE_TYPE_PERCENTAGE",
        0,
        100,
        inverted=True,
        category="METRIC_CATEGORY_SAFETY_AND_SECURITY",
        metric_type="METRIC_TYPE_MODEL_SAFETY",
    ),
    _metric(
        "Answer matches",
        "Whether the answer says what the ground truth says (pass or fail).",
        "METRIC_VALUE_TYPE_STRING",
        0,
        1,
    ),
)


class ModelMetricStore:
    """The model-evaluation metric catalog (read only)."""

    def all(self) -> list[dict[str, Any]]:
        """Every metric, in catalog order (copies: a handler may not change the catalog)."""
        return [dict(m) for m in _CATALOG]

    def get(self, metric_uuid: str) -> dict[str, Any] | None:
        """The metric with this UUID, or None."""
        return next((dict(m) for m in _CATALOG if m["metric_uuid"] == metric_uuid), None)
