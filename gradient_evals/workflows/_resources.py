"""What a workflow asks of a resource: one small protocol per need, each met by the resource itself.

Every workflow takes the resources it reads as its first arguments (``runs``, ``metrics``), typed by these
protocols, never the client and never loose callables; a test hands it any object with the same methods. The
evaluate workflows take the same resources bundled as :class:`~gradient_evals.workflows.services.EvaluationServices`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .._streaming import AsyncStream
from ..types import EvaluationMetric, EvaluationPrompt, EvaluationRun, ResultsPage

__all__ = ["MetricCatalog", "RunResults", "RunRetriever"]


class RunRetriever(Protocol):
    """Reads one run (``client.evaluation_runs``)."""

    async def retrieve(self, evaluation_run_uuid: str) -> EvaluationRun: ...


class RunResults(Protocol):
    """Streams a run's result pages (``client.evaluation_runs``)."""

    def stream_results(
        self, evaluation_run_uuid: str, *, per_page: int | None = None
    ) -> AsyncStream[ResultsPage, EvaluationPrompt]: ...


class MetricCatalog(Protocol):
    """Reads the metric catalog, which says which metrics are better when lower (``client.evaluation_metrics``)."""

    async def catalog(self) -> Iterable[EvaluationMetric]: ...
