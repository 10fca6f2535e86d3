"""What the model comparison asks of the model-evaluation resources: one small protocol per need, met by the
resources themselves (``client.model_evaluation_runs``, ``.model_evaluation_metrics``,
``.model_evaluation_datasets``), as :mod:`._resources` does for the agent-evaluation workflows."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Protocol

from ..types import EvaluationMetric, ModelEvaluationResult, ModelEvaluationRun
from .model_runs import OnModelRunUpdate

__all__ = ["ModelDatasetUploads", "ModelMetricCatalog", "ModelRuns"]


class ModelMetricCatalog(Protocol):
    """The metrics a model evaluation may use."""

    async def list(self) -> tuple[EvaluationMetric, ...]: ...


class ModelDatasetUploads(Protocol):
    """A dataset uploaded for model evaluations, by its UUID."""

    async def upload(self, source: Any, *, name: str) -> str: ...


class ModelRuns(Protocol):
    """Model evaluation runs: made, waited for, their per-row results read."""

    async def create(
        self, *, dataset_uuid: str, candidate_model: str, judge_model_uuid: str, metric_uuids: Sequence[str]
    ) -> str: ...

    async def wait(
        self, eval_run_uuid: str, *, timeout: float, poll_interval: float, on_progress: OnModelRunUpdate | None
    ) -> ModelEvaluationRun: ...

    async def results(self, eval_run_uuid: str) -> builtins.list[ModelEvaluationResult]: ...
