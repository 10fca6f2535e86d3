"""The metric catalog: the built-in metrics, metrics seeded by a test, and the account's live custom metrics.

The built-in metrics carry the names and UUIDs the generated results use (``_scores.METRIC_UUIDS``), so a
catalog lookup by name finds the metric a run reports.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from ..._exceptions import InvalidArgumentError
from .._scores import METRIC_UUIDS
from ._shared import check_new_id, is_finite_number
from .custom_evaluation_metrics import CustomMetricStore

__all__ = ["BUILTIN_METRICS", "METRIC_VALUE_TYPES", "MetricStore"]

_SOURCE_BUILTIN = "EVALUATION_METRIC_SOURCE_BUILTIN"
_NAMESPACE = uuid.UUID("4d2e8b17-93c5-4f6a-a0d1-5c7e9b3f2a64")
METRIC_VALUE_TYPES = (
    "METRIC_VALUE_TYPE_UNSPECIFIED",
    "METRIC_VALUE_TYPE_NUMBER",
    "METRIC_VALUE_TYPE_STRING",
    "METRIC_VALUE_TYPE_PERCENTAGE",
)


def _builtin(
    name: str,
    description: str,
    category: str,
    metric_type: str,
    value_type: str,
    value_range: tuple[float, float] | None,
    *,
    inverted: bool = False,
) -> dict[str, Any]:
    metric: dict[str, Any] = {
        "metric_uuid": METRIC_UUIDS[name],
        "metric_name": name,
        "description": description,
        "category": "METRIC_CATEGORY_" + category,
        "metric_type": "METRIC_TYPE_" + metric_type,
        "metric_value_type": "METRIC_VALUE_TYPE_" + value_type,
        "inverted": inverted,
        "is_metric_goal": name == "correctness",
        "source": _SOURCE_BUILTIN,
        "evaluation_scope": "EVALUATION_SCOPE_AGENT",
    }
    if value_range is not None:
        metric["range_min"], metric["range_max"] = value_range
    return metric


BUILTIN_METRICS: tuple[dict[str, Any], ...] = tuple(
    dict(m, metric_rank=rank)
    for rank, m in enumerate(
        (
            _builtin(
                "correctness",
                "Does the answer agree with the ground truth?",
                "CORRECTNESS",
                "GENERAL_QUALITY",
                "PERCENTAGE",
                (0, 100),
            ),
            _builtin(
                "context_adherence",
                "Are the answer's claims supported by the retrieved context?",
                "CONTEXT_QUALITY",
                "RAG_AND_TOOL",
                "NUMBER",
                (0, 1),
            ),
            _builtin("tone", "The tone of the reply.", "USER_OUTCOMES", "GENERAL_QUALITY", "STRING", None),
            _builtin(
                "retrieval_relevance",
                "How relevant the retrieved chunks are to the question.",
                "CONTEXT_QUALITY",
                "RAG_AND_TOOL",
                "NUMBER",
                (0, 1),
            ),
            _builtin(
                "toxicity",
                "How toxic the reply is.",
                "SAFETY_AND_SECURITY",
                "MODEL_SAFETY",
                "NUMBER",
                (0, 1),
                inverted=True,
            ),
            _builtin(
                "tool_call_correctness",
                "Were the right tools called with the right arguments?",
                "CORRECTNESS",
                "RAG_AND_TOOL",
                "PERCENTAGE",
                (0, 100),
            ),
            _builtin(
                "hallucination_rate",
                "Share of the answer's claims found in no source.",
                "SAFETY_AND_SECURITY",
                "MODEL_SAFETY",
                "PERCENTAGE",
                (0, 100),
                inverted=True,
            ),
            _builtin(
                "instruction_following",
                "Does the reply follow the system prompt's instructions?",
                "MODEL_FIT",
                "MODEL_QUALITY",
                "NUMBER",
                (1, 5),
            ),
        ),
        start=1,
    )
)


class MetricStore:
    """The catalog ``GET /evaluation_metrics`` lists: built-ins, seeded metrics, then live custom metrics."""

    def __init__(self, custom: CustomMetricStore) -> None:
        self.custom = custom
        self._lock = threading.Lock()
        self._seeded: dict[str, dict[str, Any]] = {}

    def add(
        self,
        seed: int,
        *,
        metric_uuid: str | None,
        name: str,
        description: str,
        value_type: str,
        value_range: tuple[float, float] | None,
        inverted: bool,
        category: str,
    ) -> str:
        """Seed a metric with the given uuid (any non-empty string; derived from the seed and the name when None)
        and fields; returns its uuid."""
        if value_type not in METRIC_VALUE_TYPES:
            raise InvalidArgumentError(f"unknown metric value type {value_type!r}")
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError("a metric name is a non-empty string")
        if value_range is not None and not all(is_finite_number(end) for end in value_range):
            # NaN or an infinity would be served as ``NaN``/``Infinity``, which is not JSON
            raise InvalidArgumentError(f"a metric's range_min and range_max are finite numbers, got {value_range!r}")
        with self._lock:
            if metric_uuid is None:
                metric_uuid = str(uuid.uuid5(_NAMESPACE, f"{seed}:metric:{name}"))
            taken = {m["metric_uuid"] for m in self.listed()}
            check_new_id(metric_uuid, taken, "metric")
            if any(m["metric_name"] == name for m in self.listed()):
                raise InvalidArgumentError(f"a metric named {name!r} already exists")
            metric: dict[str, Any] = {
                "metric_uuid": metric_uuid,
                "metric_name": name,
                "description": description,
                "category": category,
                "metric_type": "METRIC_TYPE_GENERAL_QUALITY",
                "metric_value_type": value_type,
                "inverted": inverted,
                "is_metric_goal": False,
                "source": _SOURCE_BUILTIN,
                "evaluation_scope": "EVALUATION_SCOPE_AGENT",
                "metric_rank": len(BUILTIN_METRICS) + len(self._seeded) + 1,
            }
            if value_range is not None:
                metric["range_min"], metric["range_max"] = value_range
            self._seeded[metric_uuid] = metric
            return metric_uuid

    def listed(self) -> list[dict[str, Any]]:
        """The catalog as ``GET /evaluation_metrics`` lists it."""
        return [*BUILTIN_METRICS, *self._seeded.values(), *self.custom.live()]

    def find(self, metric_uuid: str) -> dict[str, Any] | None:
        """A metric that can still be used (built in, seeded, or custom and not deleted)."""
        for metric in self.listed():
            if metric["metric_uuid"] == metric_uuid:
                return metric
        return None
