"""What the evaluation workflows are given: the resources they call, and where their progress goes.

Every workflow of ``evaluate`` and ``evaluate_failed`` takes one :class:`EvaluationServices` (the client hands over
its own resources); nothing below it knows the client.
"""

from __future__ import annotations

import inspect
from typing import Any

import attrs

from ..typing import OnEvaluationProgress
from ._resources import EvaluateDatasets, EvaluateMetrics, EvaluateRuns, EvaluateTestCases
from .agent_versions import VersionLister
from .agents import AgentDirectory
from .evaluate_results import EvaluationProgress

__all__ = ["EvaluationServices", "Progress"]


@attrs.frozen(kw_only=True)
class EvaluationServices:
    """The resources the evaluation workflows use (the client hands over its own)."""

    metrics: EvaluateMetrics
    datasets: EvaluateDatasets
    test_cases: EvaluateTestCases
    runs: EvaluateRuns
    agents: AgentDirectory | None = None
    """Where agent names are looked up (``evaluate(agents=[...])``); without it only UUIDs are taken."""
    versions: VersionLister | None = None
    """Where agents' versions are read, to label the report's trend; without it the hashes label it."""


class Progress:
    """The ``on_progress`` callback, plain or a coroutine function, or nothing."""

    def __init__(self, callback: OnEvaluationProgress | None) -> None:
        self.callback = callback

    async def __call__(self, stage: str, message: str, **fields: Any) -> None:
        if self.callback is None:
            return
        outcome = self.callback(EvaluationProgress(stage=stage, message=message, **fields))
        if inspect.isawaitable(outcome):
            await outcome
