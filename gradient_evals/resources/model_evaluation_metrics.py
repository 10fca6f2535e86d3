"""``client.model_evaluation_metrics``: the metrics a model evaluation can score with."""

from __future__ import annotations

from ..types import EvaluationMetric, EvaluationMetricsList
from ..typing import Timeout
from ._base import AsyncResource, SyncResource, blocking

__all__ = ["AsyncModelEvaluationMetrics", "ModelEvaluationMetrics"]

_METRICS = "/v2/gen-ai/model_evaluation_metrics"


class AsyncModelEvaluationMetrics(AsyncResource):
    """The model-evaluation metric catalog: ``list`` (the whole catalog: the API does not page it)."""

    async def list(self, *, timeout: Timeout = None) -> tuple[EvaluationMetric, ...]:
        """Every metric a model evaluation run takes (by ``metric_uuid``), built in and custom."""
        return (await self._get(_METRICS, EvaluationMetricsList, timeout=timeout)).metrics


class ModelEvaluationMetrics(SyncResource[AsyncModelEvaluationMetrics]):
    """The model-evaluation metric catalog, blocking: the same methods as :class:`AsyncModelEvaluationMetrics`."""

    list = blocking(AsyncModelEvaluationMetrics.list)
