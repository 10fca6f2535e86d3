"""Baselines of ``client.evaluate``: which earlier run each agent is compared with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ..types import EvaluationRun, EvaluationRunStatus
from ..typing import Baseline

__all__ = ["baseline_for", "pick_baseline"]

_BASELINE_STATUSES: Final = frozenset({EvaluationRunStatus.SUCCESSFUL, EvaluationRunStatus.PARTIALLY_SUCCESSFUL})


def _run_time(run: EvaluationRun) -> float:
    for moment in (run.finished_at, run.started_at, run.queued_at):
        if moment is not None:
            return moment.timestamp()
    return float("-inf")


def pick_baseline(
    runs: Iterable[EvaluationRun],
    *,
    agent_uuid: str | None,
    agent_deployment_name: str | None,
    exclude: Iterable[str] = (),
) -> EvaluationRun | None:
    """The latest SUCCESSFUL or PARTIALLY_SUCCESSFUL run of this agent (or deployment) among ``runs``."""
    skip = set(exclude)
    mine = [
        run
        for run in runs
        if run.status in _BASELINE_STATUSES
        and run.evaluation_run_uuid is not None
        and run.evaluation_run_uuid not in skip
        and (
            (agent_uuid is not None and run.agent_uuid == agent_uuid)
            or (agent_deployment_name is not None and run.agent_deployment_name == agent_deployment_name)
        )
    ]
    return max(mine, key=_run_time, default=None)


# -- the flow -------------------------------------------------------------------------------------------------


def baseline_for(
    baseline: Baseline, run: EvaluationRun | None, earlier: Sequence[EvaluationRun], exclude: Sequence[str]
) -> str | None:
    if baseline is None or run is None:
        return None
    if isinstance(baseline, Mapping):
        for key in (run.agent_uuid, run.agent_deployment_name, run.agent_name):
            if key is not None and key in baseline:
                return baseline[key]
        return None
    if baseline != "latest":
        return baseline
    found = pick_baseline(
        earlier, agent_uuid=run.agent_uuid, agent_deployment_name=run.agent_deployment_name, exclude=exclude
    )
    return None if found is None else found.evaluation_run_uuid
