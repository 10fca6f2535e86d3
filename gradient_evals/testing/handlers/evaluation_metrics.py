"""``/v2/gen-ai/evaluation_metrics``: the metric catalog, built-in metrics and the account's custom ones.

The built-in metrics carry the names and UUIDs the generated results use (``_scores.METRIC_UUIDS``), so a
catalog lookup by name finds the metric a run reports. Custom metrics live in :class:`MetricCatalog` (one per
server), which ``custom_evaluation_metrics`` writes.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .._records import format_timestamp
from .._routes import Request, Response, Route, json_response
from .._scores import METRIC_UUIDS
from .._state import EmulatorState

__all__ = ["BUILTIN_METRICS", "ROUTES", "MetricCatalog"]

_NAMESPACE = uuid.UUID("9b0f6c1e-58a2-4d7b-8e3c-2f6a1d9e7b40")
_SOURCE_BUILTIN = "EVALUATION_METRIC_SOURCE_BUILTIN"
_SOURCE_CUSTOM = "EVALUATION_METRIC_SOURCE_CUSTOM"


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
            _builtin("correctness", "Does the answer agree with the ground truth?", "CORRECTNESS",
                     "GENERAL_QUALITY", "PERCENTAGE", (0, 100)),
            _builtin("context_adherence", "Are the answer's claims supported by the retrieved context?",
                     "CONTEXT_QUALITY", "RAG_AND_TOOL", "NUMBER", (0, 1)),
            _builtin("tone", "The tone of the reply.", "USER_OUTCOMES", "GENERAL_QUALITY", "STRING", None),
            _builtin("retrieval_relevance", "How relevant the retrieved chunks are to the question.",
                     "CONTEXT_QUALITY", "RAG_AND_TOOL", "NUMBER", (0, 1)),
            _builtin("toxicity", "How toxic the reply is.", "SAFETY_AND_SECURITY", "MODEL_SAFETY", "NUMBER",
                     (0, 1), inverted=True),
            _builtin("tool_call_correctness", "Were the right tools called with the right arguments?",
                     "CORRECTNESS", "RAG_AND_TOOL", "PERCENTAGE", (0, 100)),
            _builtin("hallucination_rate", "Share of the answer's claims found in no source.",
                     "SAFETY_AND_SECURITY", "MODEL_SAFETY", "PERCENTAGE", (0, 100), inverted=True),
            _builtin("instruction_following", "Does the reply follow the system prompt's instructions?",
                     "MODEL_FIT", "MODEL_QUALITY", "NUMBER", (1, 5)),
        ),
        start=1,
    )
)


@dataclass
class MetricCatalog:
    """The custom metrics of the account (``metric_uuid -> metric object``); deleted ones are kept, marked."""

    custom: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def next_uuid(self, seed: int) -> str:
        """A new custom metric UUID (deterministic for a seed and a sequence of calls)."""
        with self.lock:
            return str(uuid.uuid5(_NAMESPACE, f"{seed}:custom-metric:{len(self.custom)}"))

    def listed(self) -> list[dict[str, Any]]:
        """The catalog as ``GET /evaluation_metrics`` lists it: built-ins, then live custom metrics."""
        with self.lock:
            live = [m for m in self.custom.values() if "deleted_at" not in m["custom_eval_config"]]
        return [*BUILTIN_METRICS, *live]

    def find(self, metric_uuid: str) -> dict[str, Any] | None:
        """A metric that can still be used (built in, or custom and not deleted)."""
        for metric in self.listed():
            if metric["metric_uuid"] == metric_uuid:
                return metric
        return None

    def put_custom(self, metric_uuid: str, name: str, description: str, config: dict[str, Any]) -> dict[str, Any]:
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
            "source": _SOURCE_CUSTOM,
            "evaluation_scope": "EVALUATION_SCOPE_AGENT",
            "custom_eval_config": {"created_at": now, "updated_at": now, **config},
            "associated_presets": [],
        }
        with self.lock:
            self.custom[metric_uuid] = metric
        return metric

    def retire(self, metric_uuid: str) -> dict[str, Any] | None:
        """Mark a live custom metric deleted; returns it, or None when there is none."""
        with self.lock:
            metric = self.custom.get(metric_uuid)
            if metric is None or "deleted_at" in metric["custom_eval_config"]:
                return None
            metric["custom_eval_config"]["deleted_at"] = format_timestamp(time.time_ns())
            return metric


def list_metrics(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/evaluation_metrics``."""
    return json_response({"metrics": state.store(MetricCatalog).listed()})


ROUTES = (Route("GET", "/v2/gen-ai/evaluation_metrics", list_metrics),)
