"""A test case's history: its finished runs, newest first, with agent, version, status, star metric and each
metric's run-level value, from one listing of the test case's runs (nothing is fetched per run).

A repeat group (the runs one ``evaluate(repeats=K)`` made for an agent, found by their names) is one point: its
runs' numeric values averaged, with their spread.

Agents are matched by UUID, deployment name or the agent name the run records carry; resolving an agent name to
its UUID through the agents resource is not done here.
"""

from __future__ import annotations

import builtins
import math
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final, Protocol

import anyio
import attrs

from .._exceptions import GradientEvalsError, InvalidArgumentError
from .._validation import check_positive_int
from ..types import EvaluationRun, EvaluationRunStatus, EvaluationTestCase, MetricResult
from .agent_versions import version_label
from .records import metric_name_of
from .repeats import repeat_of
from .test_cases import resolve_test_case

__all__ = ["HistoryRow", "HistorySource", "evaluation_history", "history_of_test_case", "repeat_groups"]

FINISHED: Final = frozenset({EvaluationRunStatus.SUCCESSFUL, EvaluationRunStatus.PARTIALLY_SUCCESSFUL})
_PER_AGENT_IN_REPORTS: Final = 10


class HistorySource(Protocol):
    """What the history reads: the test cases (to find one by name) and the runs of one."""

    async def list(self) -> tuple[EvaluationTestCase, ...]: ...

    async def list_evaluation_runs(self, evaluation_test_case_uuid: str) -> builtins.list[EvaluationRun]: ...


@attrs.frozen(kw_only=True)
class HistoryRow:
    """One finished run of a test case, as the history lists it."""

    evaluation_run_uuid: str
    run_name: str | None = None
    agent_uuid: str | None = None
    agent_name: str | None = None
    agent_deployment_name: str | None = None
    agent_version_hash: str | None = None
    """The hash of the agent configuration the run ran against (see ``client.agents.iter_versions``)."""
    agent_version: str | None = None
    """The agent version's name (``v3``) where known, else the hash's first 8 characters."""
    test_case_version: int | None = None
    status: EvaluationRunStatus | str | None = None
    finished_at: datetime | None = None
    star_metric: str | None = None
    star_value: float | str | None = None
    passed: bool | None = None
    """The run's ``pass_status``: whether the star metric met its threshold."""
    metrics: Mapping[str, float | str] = attrs.field(factory=dict)
    """Metric name -> its run-level value (the mean over the prompts, or the API's summary of a string metric);
    for a repeat group, the mean of its runs' numeric values."""
    repeats: int = 1
    """The runs this row stands for: K for a repeat group (``evaluation_run_uuid`` is its first run)."""
    spread: Mapping[str, float] = attrs.field(factory=dict)
    """For a repeat group: each numeric metric's standard deviation over its runs."""

    @property
    def agent(self) -> str | None:
        """The agent's name, else its deployment name, else its UUID."""
        return self.agent_name or self.agent_deployment_name or self.agent_uuid


def _when(run: EvaluationRun) -> float:
    for moment in (run.finished_at, run.started_at, run.queued_at):
        if moment is not None:
            return moment.timestamp()
    return -math.inf


def _value(value: float | str | None) -> float | str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _row(run: EvaluationRun) -> HistoryRow:
    star = run.star_metric_result
    metrics: dict[str, float | str] = {}
    for result in run.run_level_metric_results:
        name = metric_name_of(result)
        value = _value(result.value)
        if name is not None and value is not None and not result.is_error:
            metrics[name] = value
    return HistoryRow(
        evaluation_run_uuid=str(run.evaluation_run_uuid),
        run_name=run.run_name,
        agent_uuid=run.agent_uuid,
        agent_name=run.agent_name,
        agent_deployment_name=run.agent_deployment_name,
        agent_version_hash=run.agent_version_hash,
        agent_version=version_label(run.agent_version_hash, {}),
        test_case_version=run.test_case_version,
        status=run.status,
        finished_at=run.finished_at,
        star_metric=None if star is None else metric_name_of(star),
        star_value=None if star is None else _value(star.value),
        passed=run.pass_status,
        metrics=metrics,
    )


def _group_row(runs: Sequence[EvaluationRun]) -> HistoryRow:
    """One row for a repeat group: the first run's, with each numeric metric averaged over the runs."""
    rows = [_row(r) for r in runs]
    first = rows[0]
    if len(rows) == 1:
        return first
    metrics, spread = dict(first.metrics), {}
    for name in first.metrics:
        numbers = [float(v) for r in rows if isinstance(v := r.metrics.get(name), int | float)]
        if len(numbers) == len(rows):
            metrics[name] = statistics.fmean(numbers)
            spread[name] = statistics.stdev(numbers)
    star = first.star_value
    if first.star_metric is not None and isinstance(metrics.get(first.star_metric), float):
        star = metrics[first.star_metric]
    return attrs.evolve(first, metrics=metrics, spread=spread, repeats=len(rows), star_value=star)


def repeat_groups(runs: Sequence[EvaluationRun]) -> builtins.list[tuple[EvaluationRun, ...]]:
    """``runs`` (newest first) with the runs of one repeat group together, in the order of their repeats; the
    groups in the order of their newest run. A run whose name carries no repeat is a group of one."""
    groups: dict[object, builtins.list[EvaluationRun]] = {}
    for run in runs:
        place = repeat_of(run.run_name)
        agent = run.agent_uuid or run.agent_deployment_name
        key = run.evaluation_run_uuid if place is None else (place.stem, place.count, agent, run.test_case_version)
        groups.setdefault(key, []).append(run)
    return [tuple(sorted(g, key=lambda r: getattr(repeat_of(r.run_name), "index", 0))) for g in groups.values()]


def _of_agent(run: EvaluationRun, agent: str) -> bool:
    return agent in (run.agent_uuid, run.agent_deployment_name, run.agent_name)


def finished_newest_first(runs: Sequence[EvaluationRun], test_case_uuid: str) -> builtins.list[EvaluationRun]:
    """The runs of this test case that finished, newest first (a listed run of another test case is dropped)."""
    mine = [
        r
        for r in runs
        if r.status in FINISHED
        and r.evaluation_run_uuid is not None
        and (r.test_case_uuid is None or str(r.test_case_uuid) == test_case_uuid)
    ]
    return sorted(mine, key=_when, reverse=True)


async def history_of_test_case(
    source: HistorySource, test_case: str, *, agent: str | None = None, limit: int | None = None
) -> builtins.list[HistoryRow]:
    """See ``AsyncEvaluationTestCases.list_history``."""
    if not isinstance(test_case, str) or not test_case.strip():
        raise InvalidArgumentError(f"test_case must be a test case name or UUID, got {test_case!r}")
    if agent is not None and (not isinstance(agent, str) or not agent.strip()):
        raise InvalidArgumentError(f"agent must be an agent UUID or name, got {agent!r}")
    if limit is not None:
        check_positive_int(limit, "limit")
    uuid = await resolve_test_case(source, test_case)
    runs = finished_newest_first(await source.list_evaluation_runs(uuid), uuid)
    if agent is not None:
        runs = [r for r in runs if _of_agent(r, agent.strip())]
    groups = repeat_groups(runs)
    return [_group_row(g) for g in (groups if limit is None else groups[:limit])]


def _averaged_run(group: Sequence[EvaluationRun]) -> EvaluationRun:
    """A repeat group as one run (the first), its numeric run-level values averaged over the group: one point."""
    first = group[0]
    if len(group) == 1:
        return first
    row = _group_row(group)

    def averaged(result: MetricResult) -> MetricResult:
        name = metric_name_of(result)
        value = None if name is None else row.metrics.get(name)
        return attrs.evolve(result, number_value=value) if isinstance(value, float) else result

    star = first.star_metric_result
    return attrs.evolve(
        first,
        run_level_metric_results=tuple(averaged(r) for r in first.run_level_metric_results),
        star_metric_result=None if star is None else averaged(star),
    )


async def evaluation_history(
    source: HistorySource, test_case_uuid: str, *, deadline: float
) -> tuple[tuple[EvaluationRun, ...], str | None]:
    """For ``evaluate``'s report: the test case's finished runs, newest first, at most 10 per agent (a repeat group
    as one run, its numeric values averaged), from one listing made before ``deadline``; or none, and why (a
    trend is a nicety: it never fails the evaluation)."""
    with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
        try:
            runs = finished_newest_first(await source.list_evaluation_runs(test_case_uuid), test_case_uuid)
        except GradientEvalsError as exc:
            return (), f"no trend of earlier runs: listing them failed ({exc})"
        kept: builtins.list[EvaluationRun] = []
        seen: dict[str | None, int] = {}
        for group in repeat_groups(runs):
            run = group[0]
            key = run.agent_uuid or run.agent_deployment_name
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= _PER_AGENT_IN_REPORTS:
                kept.append(_averaged_run(group))
        return tuple(kept), None
    return (), "no trend of earlier runs: the deadline came before they were listed"
