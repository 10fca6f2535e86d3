"""The star metric over a test case's last finished runs, per agent: chart geometry (HTML) and a row of numbers.

The points come from :attr:`EvaluationReport.history` (the test case's finished runs, listed once by ``evaluate``)
and each agent's run of this evaluation. A run's value is its star metric result as the API reports it; this
evaluation's run falls back to the score computed from its results when the API gave none.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Final

import attrs

from ..results import AgentResult, EvaluationReport
from ..types import EvaluationRun, EvaluationRunStatus
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
    """One run on the chart: where it sits, its value, its UUID, and whether it is this evaluation's run."""

    x: float
    y: float
    value: float
    run_uuid: str
    current: bool

    @property
    def label(self) -> str:
        """The run's UUID prefix, as printed beside the point."""
        return self.run_uuid[:8]

    @property
    def title(self) -> str:
        """The tooltip: the whole UUID and the value."""
        return f"run {self.run_uuid}: {format_score(self.value)}" + (" (this run)" if self.current else "")


@attrs.frozen(kw_only=True)
class Trend:
    """One agent's trend: the polyline and its points, oldest first."""

    label: str
    width: float
    height: float
    points: tuple[TrendPoint, ...]
    low: str
    high: str

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
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _same_agent(run: EvaluationRun, agent: AgentResult) -> bool:
    if agent.agent_uuid is not None and run.agent_uuid is not None:
        return run.agent_uuid == agent.agent_uuid
    return agent.agent_deployment_name is not None and run.agent_deployment_name == agent.agent_deployment_name


def _series(report: EvaluationReport, agent: AgentResult) -> list[tuple[str, float, bool]]:
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
            points.append((uuid, value, uuid == current))
    return points[-TREND_RUNS:]


def trends(report: EvaluationReport) -> list[Trend]:
    """Each agent's trend with at least two runs to draw."""
    drawn = []
    for agent in report.agents:
        series = _series(report, agent)
        if len(series) < 2:
            continue
        values = [v for _, v, _ in series]
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = (_WIDTH - 2 * _PAD) / (len(series) - 1)
        points = tuple(
            TrendPoint(
                x=round(_PAD + i * step, 2),
                y=round(_PAD + (1 - (value - low) / span) * (_HEIGHT - 2 * _PAD), 2),
                value=value,
                run_uuid=one_line(uuid),
                current=current,
            )
            for i, (uuid, value, current) in enumerate(series)
        )
        drawn.append(
            Trend(
                label=one_line(agent.label),
                width=_WIDTH,
                height=_HEIGHT + 14,
                points=points,
                low=format_score(low),
                high=format_score(high),
            )
        )
    return drawn


def trend_lines(report: EvaluationReport) -> list[tuple[str, str]]:
    """Each agent's label and its trend as a short row of numbers, oldest first, this run's in bold."""
    rows = []
    for agent in report.agents:
        series = _series(report, agent)
        if len(series) < 2:
            continue
        numbers = [f"**{format_score(v)}**" if current else format_score(v) for _, v, current in series]
        rows.append((agent.label, " \u2192 ".join(numbers)))
    return rows
