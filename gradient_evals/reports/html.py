"""An :class:`EvaluationReport` as one self-contained HTML page, rendered by Jinja2 with autoescaping.

The page has inline CSS and inline SVG charts (each metric's per-agent scores against the baseline, and each
metric's distribution over the prompts), no scripts and no reference to any other file or host; its Content
Security Policy forbids both, so it reads the same offline. Every string from the API or the dataset goes
through Jinja2's autoescaping; nothing is marked safe. Chart geometry is computed here, the template only
places it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final

import attrs

from .._exceptions import InvalidArgumentError
from .._version import __version__
from ..results import AgentResult, EvaluationReport, MetricSummary, PromptOutcome
from ..workflows.explain import DEFAULT_ANSWERS_SHOWN
from ._answers import answer_views
from ._format import (
    change_class,
    format_delta,
    format_score,
    one_line,
    prompt_title,
    remarks,
    status_text,
    truncate,
    worst_regressions,
)
from ._repeats import flaky_rows, repeat_remarks
from ._statistics import gate_statistics, html_view
from ._template import template_environment
from ._trend import trends
from ._usage import checks_html_view

__all__ = ["render_html"]

_BINS: Final = 10
_MAX_CATEGORIES: Final = 6
_REGRESSIONS_SHOWN: Final = 15
# One colour per agent (repeats past eight agents); chosen to stay distinct for common colour blindness.
_PALETTE: Final = ("#2b6cb0", "#dd6b20", "#2f855a", "#b83280", "#6b46c1", "#c53030", "#319795", "#975a16")


@attrs.frozen(kw_only=True)
class Bar:
    """A rectangle of a chart, with its label and the tooltip (``<title>``) text."""

    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@attrs.frozen(kw_only=True)
class ScoreRow:
    """One agent's bar in a metric's score chart, with its baseline tick (``tick_x`` ``None``: no baseline)."""

    label: str
    y: float
    bar: Bar
    value_text: str
    tick_x: float | None


@attrs.frozen(kw_only=True)
class ScoreChart:
    """A metric's score per agent: horizontal bars on a shared scale."""

    metric: str
    inverted: bool
    width: float
    height: float
    scale_text: str
    rows: tuple[ScoreRow, ...]


@attrs.frozen(kw_only=True)
class Histogram:
    """One agent's distribution of a metric: bars over value bins or over the most common string values."""

    label: str
    color: str
    width: float
    height: float
    bars: tuple[Bar, ...]
    axis: tuple[str, str]
    counted: int


@attrs.frozen(kw_only=True)
class Distribution:
    """A metric's distribution, one small histogram per agent."""

    metric: str
    histograms: tuple[Histogram, ...]


_LABEL_WIDTH: Final = 140.0
_BAR_AREA: Final = 220.0
_ROW: Final = 22.0


def _scale_max(report: EvaluationReport, metric: str) -> float:
    """The right end of a metric's score axis: 100 for percentages and pass rates, else the largest value."""
    top = 0.0
    for agent in report.agents:
        for summary in _summaries(agent, metric):
            kind = (summary.value_type or "").upper()
            if "PERCENTAGE" in kind or summary.mean is None:
                return 100.0
            top = max(top, summary.max or 0.0, summary.mean or 0.0)
    return top if top > 0 else 1.0


def _summaries(agent: AgentResult, metric: str) -> list[MetricSummary]:
    found = []
    if agent.summary is not None and (mine := agent.summary.metric(metric)) is not None:
        found.append(mine)
    if agent.comparison is not None and (base := agent.comparison.base.metric(metric)) is not None:
        found.append(base)
    return found


def _score_chart(report: EvaluationReport, metric: str) -> ScoreChart | None:
    top = _scale_max(report, metric)
    rows: list[ScoreRow] = []
    for index, agent in enumerate(report.agents):
        summary = None if agent.summary is None else agent.summary.metric(metric)
        score = None if summary is None else summary.score
        base_summary = None if agent.comparison is None else agent.comparison.base.metric(metric)
        base = None if base_summary is None else base_summary.score
        if score is None and base is None:
            continue
        y = 8.0 + len(rows) * _ROW
        width = 0.0 if score is None else max(0.0, min(1.0, score / top)) * _BAR_AREA
        text = format_score(score)
        if base is not None and score is not None:
            text += f" ({format_delta(score - base)})"
        bar = Bar(
            x=_LABEL_WIDTH,
            y=y,
            width=round(width, 2),
            height=_ROW - 8,
            color=_PALETTE[index % len(_PALETTE)],
            title=f"{one_line(agent.label)}: {text}" + ("" if base is None else f", baseline {format_score(base)}"),
        )
        tick = None if base is None else round(_LABEL_WIDTH + max(0.0, min(1.0, base / top)) * _BAR_AREA, 2)
        rows.append(ScoreRow(label=truncate(agent.label, 22), y=y, bar=bar, value_text=text, tick_x=tick))
    if not rows:
        return None
    return ScoreChart(
        metric=one_line(metric),
        inverted=report.is_inverted(metric),
        width=_LABEL_WIDTH + _BAR_AREA + 110,
        height=16.0 + len(rows) * _ROW,
        scale_text=f"0 - {format_score(top)}",
        rows=tuple(rows),
    )


def _numeric_values(prompts: Sequence[PromptOutcome], metric: str) -> list[float]:
    values = []
    for prompt in prompts:
        value = prompt.values.get(metric)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            values.append(float(value))
    return values


def _bars(counts: Sequence[int], color: str, titles: Sequence[str], width: float, height: float) -> tuple[Bar, ...]:
    peak = max(counts, default=0) or 1
    slot = width / max(1, len(counts))
    return tuple(
        Bar(
            x=round(i * slot + 1, 2),
            y=round(height - (n / peak) * height, 2),
            width=round(max(1.0, slot - 2), 2),
            height=round((n / peak) * height, 2),
            color=color,
            title=f"{title}: {n}",
        )
        for i, (n, title) in enumerate(zip(counts, titles, strict=True))
    )


def _binned(report: EvaluationReport, metric: str) -> tuple[list[list[int]], list[str], tuple[str, str]] | None:
    """Each agent's count of a metric's values per bin (numeric) or per most common value (strings)."""
    numeric = [_numeric_values(a.prompts, metric) for a in report.agents]
    everything = [v for values in numeric for v in values]
    if everything:
        low, high = min(everything), max(everything)
        if high == low:
            high = low + 1.0
        # Halves and weights, never ``high - low``: two finite scores (-1e308, 1e308) may span more than a float.
        half_span = high / 2 - low / 2
        edges = [low * (1 - i / _BINS) + high * (i / _BINS) for i in range(_BINS + 1)]
        titles = [f"{format_score(edges[i])} to {format_score(edges[i + 1])}" for i in range(_BINS)]
        counts = []
        for values in numeric:
            row = [0] * _BINS
            for value in values:
                row[min(_BINS - 1, int((value / 2 - low / 2) / half_span * _BINS))] += 1
            counts.append(row)
        return counts, titles, (format_score(low), format_score(high))
    totals: dict[str, int] = {}
    per_agent: list[dict[str, int]] = []
    for agent in report.agents:
        seen: dict[str, int] = {}
        for prompt in agent.prompts:
            text = prompt.values.get(metric)
            if isinstance(text, str):
                key = truncate(text, 24)
                seen[key] = seen.get(key, 0) + 1
                totals[key] = totals.get(key, 0) + 1
        per_agent.append(seen)
    if not totals:
        return None
    categories = sorted(totals, key=lambda k: (-totals[k], k))[:_MAX_CATEGORIES]
    return [[seen.get(c, 0) for c in categories] for seen in per_agent], categories, (categories[0], categories[-1])


def _distribution(report: EvaluationReport, metric: str) -> Distribution | None:
    binned = _binned(report, metric)
    if binned is None:
        return None
    counts, titles, axis = binned
    width, height = 220.0, 60.0
    histograms = []
    for index, (agent, row) in enumerate(zip(report.agents, counts, strict=True)):
        color = _PALETTE[index % len(_PALETTE)]
        histograms.append(
            Histogram(
                label=truncate(agent.label, 30),
                color=color,
                width=width,
                height=height,
                bars=_bars(row, color, titles, width, height),
                axis=axis,
                counted=sum(row),
            )
        )
    return Distribution(metric=one_line(metric), histograms=tuple(histograms))


def _metric_names(report: EvaluationReport) -> list[str]:
    names: dict[str, None] = dict.fromkeys(report.metrics)
    for agent in report.agents:
        if agent.summary is not None:
            names.update(dict.fromkeys(agent.summary.metrics))
    return list(names)


def _metric_cell(report: EvaluationReport, agent: AgentResult, metric: str) -> dict[str, Any]:
    summary = None if agent.summary is None else agent.summary.metric(metric)
    comparison = None if agent.comparison is None else agent.comparison.metrics.get(metric)
    delta = None if comparison is None else comparison.delta
    return {
        "score": format_score(None if summary is None else summary.score),
        "delta": None if delta is None else format_delta(delta),
        "trend": change_class(delta, report.is_inverted(metric)),
        "errors": 0 if summary is None else summary.errors,
    }


def _agent_view(report: EvaluationReport, agent: AgentResult, metrics: list[str], index: int) -> dict[str, Any]:
    failed = [p for p in agent.prompts if not p.passed]
    slices = [
        {
            "name": one_line(piece.name),
            "prompts": piece.prompt_count,
            "failed": piece.failed_prompts,
            "cells": [
                {
                    "score": format_score(None if (m := piece.metrics.get(name)) is None else m.score),
                    "delta": format_delta(piece.delta(name)) if piece.delta(name) is not None else None,
                    "regressed": name in piece.regressed,
                }
                for name in metrics
            ],
        }
        for piece in agent.slices
    ]
    return {
        "label": one_line(agent.label),
        "color": _PALETTE[index % len(_PALETTE)],
        "run_uuid": agent.evaluation_run_uuid,
        "agent_uuid": agent.agent_uuid,
        "deployment": agent.agent_deployment_name,
        "baseline": agent.baseline_run_uuid,
        "status": status_text(agent),
        "partial": agent.partial,
        "run_failed": agent.run_failed,
        "error": None if agent.run is None else agent.run.error_description,
        "prompts": 0 if agent.summary is None else agent.summary.prompt_count,
        "failed_count": len(failed),
        "passed": agent.passed,
        "cells": [_metric_cell(report, agent, m) for m in metrics],
        "errored": sorted(agent.errored.items()),
        "skipped": sorted(agent.skipped.items()),
        "gates": [
            {"name": one_line(g.name), "passed": g.passed, "status": g.status, "message": one_line(g.message)}
            for g in agent.gates
        ],
        "slices": slices,
        **html_view(gate_statistics(report, agent)),
    }


def _context(report: EvaluationReport, answers: int) -> dict[str, Any]:
    metrics = _metric_names(report)
    scored = [
        m
        for m in metrics
        if any(a.summary and (s := a.summary.metric(m)) and s.score is not None for a in report.agents)
    ]
    charts = [c for c in (_score_chart(report, m) for m in scored) if c is not None]
    distributions = [d for d in (_distribution(report, m) for m in metrics) if d is not None]
    regressions = [
        {
            "agent": one_line(agent.label),
            "metric": one_line(r.metric),
            "prompt": prompt_title(r.candidate_prompt_id, r.input, 100),
            "base": format_score(r.base_value),
            "now": format_score(r.candidate_value),
            "delta": format_delta(r.delta),
        }
        for agent, r in worst_regressions(report, _REGRESSIONS_SHOWN)
    ]
    star = report.star_metric
    blocks, explained, left_out = answer_views(report, answers)
    return {
        "answers": blocks,
        "answers_total": explained,
        "answers_left_out": left_out,
        "trends": trends(report),
        "answer_checks": checks_html_view(report),
        "report": report,
        "title": one_line(report.test_case_name or report.test_case_uuid),
        "outcome": "passed" if report.passed else ("run failed" if report.run_failed else "failed"),
        "metrics": [(one_line(m), report.is_inverted(m)) for m in metrics],
        "agents": [_agent_view(report, a, metrics, i) for i, a in enumerate(report.agents)],
        "leaderboard": [
            {
                "rank": e.rank,
                "label": one_line(e.label),
                "score": format_score(e.score),
                "delta": format_delta(e.delta),
                "trend": change_class(e.delta, star is not None and report.is_inverted(star)),
                "passed": e.passed,
            }
            for e in report.leaderboard
        ],
        "star": None if star is None else one_line(star),
        "star_inverted": star is not None and report.is_inverted(star),
        "reasons": [one_line(r) for r in report.verdict.reasons],
        "remarks": [*remarks(report), *repeat_remarks(report)],
        "charts": charts,
        "distributions": distributions,
        "regressions": regressions,
        "flaky": flaky_rows(report),
        "slice_by": None if report.slice_by is None else one_line(report.slice_by),
        "version": __version__,
        "created": None if report.created_at is None else report.created_at.replace(microsecond=0).isoformat(),
    }


def render_html(report: EvaluationReport, *, answers: int = DEFAULT_ANSWERS_SHOWN) -> str:
    """The report as one HTML document (a string), readable offline in any browser; ``answers``: how many failed
    prompts (the worst by impact) show their answers, the others are counted."""
    if isinstance(answers, bool) or not isinstance(answers, int) or answers < 0:
        raise InvalidArgumentError(f"answers must be a whole number >= 0, got {answers!r}")
    return template_environment().get_template("report.html.j2").render(_context(report, answers))
