"""A model comparison as the other reports show an evaluation: a row per model where they have a row per agent.

``model_rows`` gives the table every format shares (a score per metric, with the change against the first model,
its interval, p and outcome; latency, tokens, cost); ``render_model_markdown`` and ``render_model_html`` wrap it
with the one-line explanation of each change (the same sentence the evaluation reports use). Every model and
metric name is escaped for the format it goes into.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from ..results import ModelComparison, ModelResult
from ..workflows.compare_paired import describe_change
from ._format import format_score, one_line
from .markdown import escape_markdown

__all__ = ["model_rows", "render_model_html", "render_model_markdown"]


def _cell(model: ModelResult, metric: str, comparison: ModelComparison) -> str:
    score = format_score(model.scores.get(metric))
    if metric in comparison.pass_fail and metric in model.scores:
        score += "%"
    statistic = model.comparisons.get(metric)
    if statistic is None or statistic.delta is None or statistic.ci_low is None or statistic.ci_high is None:
        return score if statistic is None else f"{score} (not compared)"
    p = "-" if statistic.p_value is None else f"{statistic.p_value:.2g}"
    return (
        f"{score} ({statistic.delta:+.3g} [{statistic.ci_low:.3g}, {statistic.ci_high:.3g}], p={p},"
        f" {statistic.outcome})"
    )


def model_rows(comparison: ModelComparison) -> tuple[list[str], list[list[str]]]:
    """The headers and one row per model, the reference first (its cells carry no comparison)."""
    headers = ["MODEL", "ROWS", *comparison.metrics, "P50 MS", "P95 MS", "TOKENS", "COST"]
    rows = []
    for model in comparison.models:
        cost = "-" if model.cost is None else f"{model.cost:.4g} {model.currency or ''}".strip()
        rows.append(
            [
                one_line(model.label),
                str(model.rows),
                *(_cell(model, metric, comparison) for metric in comparison.metrics),
                format_score(model.latency_p50_ms),
                format_score(model.latency_p95_ms),
                "-" if model.tokens is None else one_line(model.tokens),
                cost,
            ]
        )
    return headers, rows


def _changes(comparison: ModelComparison, escape: Callable[[str], str]) -> list[str]:
    reference = escape(one_line(comparison.models[0].label))
    lines = []
    for model in comparison.models[1:]:
        for metric, statistic in model.comparisons.items():
            lines.append(
                f"{escape(one_line(model.label))} against {reference}: {escape(describe_change(metric, statistic))}"
            )
    return lines


def render_model_markdown(comparison: ModelComparison) -> str:
    """The comparison as Markdown: a table of the models and a line per change against the first model."""
    headers, rows = model_rows(comparison)
    lines = [
        "## Model comparison",
        "",
        f"Dataset `{escape_markdown(comparison.dataset_uuid)}`, judge `{escape_markdown(comparison.judge_model_uuid)}`;"
        f" each model against {escape_markdown(comparison.models[0].label)}, rows paired by input.",
        "",
        "| " + " | ".join(escape_markdown(h) for h in headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(escape_markdown(cell) for cell in row) + " |" for row in rows),
        "",
        *(f"- {line}" for line in _changes(comparison, escape_markdown)),
    ]
    return "\n".join(lines) + "\n"


def render_model_html(comparison: ModelComparison) -> str:
    """The comparison as a standalone HTML page (everything from the API or the user escaped)."""
    headers, rows = model_rows(comparison)

    def escape(text: str) -> str:
        return html.escape(text, quote=True)

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    changes = "".join(f"<li>{line}</li>" for line in _changes(comparison, escape))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Model comparison</title></head><body>'
        f"<h1>Model comparison</h1><p>Dataset <code>{escape(comparison.dataset_uuid)}</code>, judge"
        f" <code>{escape(comparison.judge_model_uuid)}</code>; rows paired by input.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><ul>{changes}</ul></body></html>\n"
    )
