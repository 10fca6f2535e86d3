"""The star metric over a test case's last finished runs, per agent: chart geometry (HTML) and a row of numbers.

The points come from :attr:`EvaluationReport.history` (the test case's finished runs, listed once by ``evaluate``)
and each agent's run of this evaluation. A run's value is its star metric result as the API reports it; this
evaluation's run falls back to the score computed from its results when the API gave none. A value that is not a
finite number (``NaN``, an infinity) cannot be placed: it is left out of the line and listed beside the chart.
Positions are computed on halved values, so even a span from ``-1e308`` to ``1e308`` stays finite.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Final

import attrs

from ..results import AgentResult, EvaluationReport
from ..types import EvaluationRun, EvaluationRunStatus
from ..workflows.agent_versions import version_label
from ._format import format_score, one_line

__all__ = ["TREND_RUNS", "Trend", "TrendPoint", "trend_lines", "trends"]

TREND_RUNS: Final = 10
"""Finished runs per agent in a trend, the newest."""
_FINISHED: Final = frozenset({EvaluationRunStatus.SUCCESSFUL, EvaluationRunStatus.PARTIALLY_SUCCESSFUL})
_WIDTH: Final = 360.0
_HEIGHT: Final = 80.0
_PAD: Final = 30.0


@attrs.frozen(kw_only=True)
class TrendPoint:
    """One run on the chart: where it sits, its value, its UUID, its agent version, and whether it is this
    evaluation's run."""

    x: float
    y: float
    value: float
    run_uuid: str
    current: bool
    version: str | None = None
    """The agent version the run ran against: its name, or its hash's first 8 characters."""

    @property
    def label(self) -> str:
        """What is printed beside the point: the agent version, else the run's UUID prefix."""
        return self.version or self.run_uuid[:8]

    @property
    def title(self) -> str:
        """The tooltip: the whole UUID, the agent version and the value."""
        version = "" if self.version is None else f" (agent version {self.version})"
        return f"run {self.run_uuid}{version}: {format_score(self.value)}" + (" (this run)" if self.current else "")


@attrs.frozen(kw_only=True)
class Trend:
    """One agent's trend: the polyline and its points, oldest first."""

    label: str
    width: float
    height: float
    points: tuple[TrendPoint, ...]
    low: str
    high: str
    left_out: tuple[str, ...] = ()
    """Runs whose value could not be drawn (not a finite number), as ``run <uuid>: <value>``."""

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of the SVG polyline."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def _when(run: EvaluationRun) -> float:
    for moment in (run.finished_at, run.started_at, run.queued_at):
        if isinstance(moment, datetime):
            return moment.timestamp()
    return -math.inf


def _value(run: EvaluationRun) -> float | None:
    star = run.star_metric_result
    value = None if star is None else star.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _same_agent(run: EvaluationRun, agent: AgentResult) -> bool:
    if agent.agent_uuid is not None and run.agent_uuid is not None:
        return run.agent_uuid == agent.agent_uuid
    return agent.agent_deployment_name is not None and run.agent_deployment_name == agent.agent_deployment_name


def _series(report: EvaluationReport, agent: AgentResult) -> list[tuple[str, float, bool, str | None]]:
    """The agent's last :data:`TREND_RUNS` finished runs with a value, oldest first (the value may not be finite),
    each with its agent version's label."""
    current = agent.evaluation_run_uuid
    runs = {
        str(r.evaluation_run_uuid): r
        for r in report.history
        if r.evaluation_run_uuid is not None and r.status in _FINISHED and _same_agent(r, agent)
    }
    own = agent.run
    if own is not None and own.status in _FINISHED:
        runs.setdefault(current, own)  # a repeat group's point in the history is its runs' average: kept
    points = []
    for uuid, run in sorted(runs.items(), key=lambda pair: _when(pair[1])):
        value = _value(run)
        if value is None and uuid == current and agent.summary is not None and report.star_metric is not None:
            found = agent.summary.metric(report.star_metric)
            value = None if found is None else found.score
        if value is not None:
            version = version_label(run.agent_version_hash, report.agent_versions)
            points.append((uuid, value, uuid == current, None if version is None else one_line(version)))
    return points[-TREND_RUNS:]


def _height(value: float, low: float, high: float) -> float:
    """Where ``value`` sits between ``low`` (0) and ``high`` (1); halved first, as ``high - low`` may overflow."""
    span = high / 2 - low / 2
    return 0.5 if span == 0 else (value / 2 - low / 2) / span


def _trend(agent: AgentResult, series: list[tuple[str, float, bool, str | None]]) -> Trend | None:
    drawn = [point for point in series if math.isfinite(point[1])]
    if len(drawn) < 2:
        return None
    values = [v for _, v, _, _ in drawn]
    low, high = min(values), max(values)
    step = (_WIDTH - 2 * _PAD) / (len(drawn) - 1)
    points = tuple(
        TrendPoint(
            x=round(_PAD + i * step, 2),
            y=round(_PAD + (1 - _height(value, low, high)) * (_HEIGHT - 2 * _PAD), 2),
            value=value,
            run_uuid=one_line(uuid),
            current=current,
            version=version,
        )
        for i, (uuid, value, current, version) in enumerate(drawn)
    )
    return Trend(
        label=one_line(agent.label),
        width=_WIDTH,
        height=_HEIGHT + 14,
        points=points,
        low=format_score(low),
        high=format_score(high),
        left_out=tuple(f"run {one_line(uuid)}: {value}" for uuid, value, _, _ in series if not math.isfinite(value)),
    )


def trends(report: EvaluationReport) -> list[Trend]:
    """Each agent's trend with at least two runs to draw."""
    drawn = (_trend(agent, _series(report, agent)) for agent in report.agents)
    return [trend for trend in drawn if trend is not None]


def trend_lines(report: EvaluationReport) -> list[tuple[str, str]]:
    """Each agent's label and its trend as a short row of numbers, oldest first, this run's in bold."""
    rows = []
    for agent in report.agents:
        series = [point for point in _series(report, agent) if math.isfinite(point[1])]
        if len(series) < 2:
            continue
        numbers = [f"**{format_score(v)}**" if current else format_score(v) for _, v, current, _ in series]
        rows.append((agent.label, " \u2192 ".join(numbers)))
    return rows
