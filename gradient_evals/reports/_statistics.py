"""The paired statistics of the regression gates, as every report shows them, and the HTML's forest plot.

One row per regression gate that was decided on paired prompts: the change (candidate minus baseline, the metric's
units), its interval, p, the number of paired prompts, the method and the outcome; for an inconclusive gate the
worsening these prompts can detect and the prompts that would decide. The forest plot draws each gated metric's
interval of the *worsening* (right is worse) against the allowed worsening, so every metric reads the same way
whatever its direction; its coordinates are finite by construction (non-finite bounds are never drawn).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import attrs

from ..results import AgentResult, EvaluationReport, GateKind, GateResult
from ..statistics import PairedComparison
from ._format import format_delta, format_score, one_line

__all__ = ["GateStatistics", "forest_plot", "gate_statistics", "html_view", "outcome_word", "what_would_decide"]

_WIDTH: Final = 360
_ROW: Final = 30
_LEFT: Final = 8
_RIGHT: Final = 8


@attrs.frozen
class GateStatistics:
    """A regression gate with its statistics, and the text every report shows for it."""

    agent: AgentResult
    gate: GateResult
    statistics: PairedComparison

    @property
    def metric(self) -> str:
        """The metric the gate is on."""
        return self.gate.metric or self.gate.name

    @property
    def change(self) -> str:
        """The change, signed (``-3.2``), in the metric's units."""
        return format_delta(self.statistics.delta)

    @property
    def interval(self) -> str:
        """``-5.1 to -1.3``, or ``-`` without one."""
        low, high = self.statistics.ci_low, self.statistics.ci_high
        return "-" if low is None or high is None else f"{format_delta(low)} to {format_delta(high)}"

    @property
    def p(self) -> str:
        """The p-value of "no change", with Holm's adjustment beside it when it differs."""
        p, adjusted = self.statistics.p_value, self.statistics.p_adjusted
        if p is None:
            return "-"
        text = f"{p:.2g}"
        return text if adjusted is None or adjusted == p else f"{text} (Holm {adjusted:.2g})"

    @property
    def outcome(self) -> str:
        """What the gate decided, in one word."""
        return outcome_word(self.gate)


def outcome_word(gate: GateResult) -> str:
    """``passed``, ``FAILED``, ``inconclusive`` or ``not applied`` (``FAILED`` too when a required one is not)."""
    if not gate.passed:
        return "FAILED"
    return {"inconclusive": "inconclusive", "not_applied": "not applied"}.get(gate.outcome, "passed")


def what_would_decide(statistics: PairedComparison) -> str:
    """For an inconclusive gate: ``detects 4.1; about 240 prompts would decide`` (empty otherwise)."""
    if statistics.outcome != "inconclusive":
        return ""
    parts = []
    if statistics.mde is not None:
        parts.append(f"detects {format_score(statistics.mde, 3)}")
    if statistics.prompts_needed is not None:
        parts.append(f"about {statistics.prompts_needed} prompts would decide")
    return "; ".join(parts)


def gate_statistics(report: EvaluationReport, agent: AgentResult | None = None) -> list[GateStatistics]:
    """The regression gates with statistics, of every agent or of one."""
    agents = report.agents if agent is None else (agent,)
    return [
        GateStatistics(a, g, g.statistics)
        for a in agents
        for g in a.gates
        if g.kind == GateKind.MAX_REGRESSION and g.statistics is not None
    ]


def _worsening(statistics: PairedComparison) -> tuple[float, float, float] | None:
    """The worsening's (point, low, high), positive meaning worse, or None when not all finite."""
    interval = statistics.worsening_interval
    if statistics.delta is None or interval is None:
        return None
    point = -statistics.delta if statistics.higher_is_better else statistics.delta
    values = (point, *interval)
    return values if all(math.isfinite(v) for v in values) else None


def forest_plot(rows: Sequence[GateStatistics]) -> dict[str, object] | None:
    """The geometry of one agent's forest plot: a line per gated metric, its interval of the worsening and the
    allowed worsening marked; ``None`` when no gate has a finite interval. Everything drawn is a finite number."""
    drawn = [(row, w) for row in rows if (w := _worsening(row.statistics)) is not None]
    if not drawn:
        return None
    margins = [row.statistics.max_regression for row, _ in drawn]
    values = [v for _, w in drawn for v in w] + [0.0, *margins]
    low, high = min(values), max(values)
    span = high - low or 1.0
    if not math.isfinite(span * 1.1):  # values near the float limits: nothing sensible to draw
        return None
    low, high = low - 0.05 * span, high + 0.05 * span
    inner = _WIDTH - _LEFT - _RIGHT

    def x(value: float) -> float:
        return round(_LEFT + inner * (value - low) / (high - low), 2)

    lines = []
    for i, (row, (point, left, right)) in enumerate(drawn):
        y = _ROW * i + 26
        lines.append(
            {
                "metric": row.metric,
                "y": y,
                "x1": x(left),
                "x2": x(right),
                "cx": x(point),
                "margin_x": x(row.statistics.max_regression),
                "outcome": row.outcome,
                "title": f"{row.metric}: worsening {format_score(point, 3)}, interval {format_score(left, 3)} to "
                f"{format_score(right, 3)}, allowed {format_score(row.statistics.max_regression, 3)}",
            }
        )
    return {"width": _WIDTH, "height": _ROW * len(drawn) + 24, "zero_x": x(0.0), "lines": lines}


def html_view(rows: Sequence[GateStatistics]) -> dict[str, object]:
    """What the HTML template draws for one agent's regression gates: the table rows and the forest plot."""
    paired = [
        {
            "metric": one_line(row.metric),
            "change": row.change,
            "interval": row.interval,
            "p": row.p,
            "n": row.statistics.n,
            "method": row.statistics.method,
            "outcome": row.outcome,
            "decide": what_would_decide(row.statistics),
        }
        for row in rows
    ]
    return {"paired": paired, "forest": forest_plot(rows)}
