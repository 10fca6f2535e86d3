"""The account's custom evaluation metrics: ``metric_uuid -> metric object``; deleted ones are kept, marked."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from .._records import format_timestamp

__all__ = ["SOURCE_CUSTOM", "CustomMetricStore", "is_live"]

_NAMESPACE = uuid.UUID("9b0f6c1e-58a2-4d7b-8e3c-2f6a1d9e7b40")
SOURCE_CUSTOM = "EVALUATION_METRIC_SOURCE_CUSTOM"


def is_live(metric: dict[str, Any]) -> bool:
    """Whether a custom metric may still be used (it has not been deleted)."""
    return "deleted_at" not in metric["custom_eval_config"]


class CustomMetricStore:
    """Custom metrics by uuid, in creation order; updating one retires it and stores a new uuid."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._metrics: dict[str, dict[str, Any]] = {}

    def next_uuid(self, seed: int) -> str:
        """A new custom metric UUID (deterministic for a seed and a sequence of calls)."""
        with self.lock:
            return str(uuid.uuid5(_NAMESPACE, f"{seed}:custom-metric:{len(self._metrics)}"))

    def get(self, metric_uuid: str) -> dict[str, Any] | None:
        """The metric, live or deleted; None when there is none with that uuid."""
        with self.lock:
            return self._metrics.get(metric_uuid)

    def live(self) -> list[dict[str, Any]]:
        """The metrics not deleted, in creation order."""
        with self.lock:
            return [m for m in self._metrics.values() if is_live(m)]

    def put(self, metric_uuid: str, name: str, description: str, config: dict[str, Any]) -> dict[str, Any]:
        """Store a custom metric and return its object."""
        now = format_timestamp(time.time_ns())
        metric = {
            "metric_uuid": metric_uuid,
            "metric_name": name,
            "description": description,
            "category": "METRIC_CATEGORY_UNSPECIFIED",
            "metric_type": "METRIC_TYPE_UNSPECIFIED",
            "metric_value_type": "METRIC_VALUE_TYPE_NUMBER",
            "range_min": 1,
            "range_max": 5,
            "inverted": False,
            "source": SOURCE_CUSTOM,
            "evaluation_scope": "EVALUATION_SCOPE_AGENT",
            "custom_eval_config": {"created_at": now, "updated_at": now, **config},
            "associated_presets": [],
        }
        with self.lock:
            self._metrics[metric_uuid] = metric
        return metric

    def retire(self, metric_uuid: str) -> dict[str, Any] | None:
        """Mark a live custom metric deleted; returns it, or None when there is none."""
        with self.lock:
            metric = self._metrics.get(metric_uuid)
            if metric is None or not is_live(metric):
                return None
            metric["custom_eval_config"]["deleted_at"] = format_timestamp(time.time_ns())
            return metric
