"""The answers behind each failure, as the HTML page and the Markdown summary show them.

For each prompt a report explains (:mod:`gradient_evals.workflows.explain`, worst first by impact): the input,
the expected response, the agent's answer now and at the baseline with a word-level difference, each metric's
value now and then, and the judge's reasoning. Every string is cleaned here; the HTML template escapes it, and the
Markdown blocks are HTML-escaped by :func:`markdown_answers`.
"""

from __future__ import annotations

import html
from typing import Any, Final

import attrs

from ..results import EvaluationReport, PromptOutcome
from ..workflows.explain import ExplainedPrompt, explained_prompts
from ._diff import word_diff
from ._format import clean, format_delta, format_score, one_line, prompt_title, truncate

__all__ = [
    "MARKDOWN_ANSWERS",
    "AnswersBudget",
    "MARKDOWN_ANSWER_LIMIT",
    "MARKDOWN_BUDGET",
    "answer_views",
    "markdown_answers",
]

_TEXT_LIMIT: Final = 4000
# Inside an HTML block Markdown is not parsed; these marks are still written as character references, so that no
# renderer that reads them differently can turn an answer into emphasis, a link, a table cell or a mention.
_MARKS: Final = {ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]()#!|~:$@"}
MARKDOWN_ANSWERS: Final = 10
"""Prompts the Markdown summary explains (the worst by impact)."""
MARKDOWN_ANSWER_LIMIT: Final = 600
"""Characters of each input, expected response, answer and reasoning in the Markdown summary."""
MARKDOWN_BUDGET: Final = 256 * 1024
"""Bytes the answer blocks of one Markdown document may take together (all its suites' together): GitHub takes at
most 1 MiB of job summary per step, and the rest of a suite's summary is a few dozen lines, so the whole stays far
below it even with long answers."""


def _value(value: float | str | None) -> str:
    if value is None:
        return "-"
    return truncate(value, 60) if isinstance(value, str) else format_score(value)


def _metric_rows(prompt: PromptOutcome) -> list[dict[str, str]]:
    base = prompt.baseline
    names = list(dict.fromkeys([*prompt.values, *prompt.errors, *prompt.skipped]))
    if base is not None:
        names += [n for n in dict.fromkeys([*base.values, *base.errors]) if n not in names]
    rows = []
    for name in names:
        now = "error: " + one_line(prompt.errors[name]) if name in prompt.errors else _value(prompt.values.get(name))
        if name in prompt.skipped:
            now = "skipped"
        then = "-"
        if base is not None:
            then = "error" if name in base.errors else _value(base.values.get(name))
        rows.append(
            {
                "name": one_line(name),
                "now": now,
                "then": then,
                "reasoning": clean(prompt.reasoning.get(name, ""))[:_TEXT_LIMIT],
                "baseline_reasoning": "" if base is None else clean(base.reasoning.get(name, ""))[:_TEXT_LIMIT],
            }
        )
    return rows


def _why(item: ExplainedPrompt) -> list[str]:
    prompt = item.prompt
    lines = [one_line(f) for f in prompt.failures]
    lines += [f"{one_line(name)} errored: {one_line(error)}" for name, error in prompt.errors.items()]
    for r in item.regressions:
        lines.append(
            f"{one_line(r.metric)} got worse: {format_score(r.base_value)} -> {format_score(r.candidate_value)} "
            f"({format_delta(r.delta)}) against the baseline"
        )
    return lines


def answer_views(report: EvaluationReport, limit: int) -> tuple[list[dict[str, Any]], int, int]:
    """The HTML's blocks, worst first: at most ``limit``; also how many prompts were explained in all, and how
    many were left out."""
    items, left_out = explained_prompts(report, limit)
    views = []
    for item in items:
        prompt, base = item.prompt, item.prompt.baseline
        diff = word_diff(None if base is None else base.output, prompt.output)
        views.append(
            {
                "agent": one_line(item.agent.label),
                "run": item.agent.evaluation_run_uuid,
                "baseline_run": item.agent.baseline_run_uuid,
                "title": prompt_title(prompt.prompt_id, prompt.input, 100),
                "why": _why(item),
                "metrics": _metric_rows(prompt),
                "input": clean(prompt.input)[:_TEXT_LIMIT],
                "expected": None if prompt.ground_truth is None else clean(prompt.ground_truth)[:_TEXT_LIMIT],
                "now": diff.after,
                "then": None if base is None else diff.before,
                "diffed": diff.compared,
            }
        )
    return views, len(items) + left_out, left_out


def _escaped(text: object, limit: int = MARKDOWN_ANSWER_LIMIT) -> str:
    """Untrusted text inside an HTML block of the Markdown: escaped, clipped, and without a blank line (which
    would end the block and let Markdown syntax back in)."""
    value = clean(text)
    if len(value) > limit:
        value = value[: limit - 1] + "\u2026"
    lines = [line.rstrip() for line in value.splitlines()]
    kept = (html.escape(line, quote=False).translate(_MARKS) for line in lines if line.strip())
    return "<br>".join(kept) or "-"


def _markdown_block(item: ExplainedPrompt) -> str:
    prompt, base = item.prompt, item.prompt.baseline
    summary = f"{_escaped(item.agent.label, 60)}: {_escaped(prompt_title(prompt.prompt_id, prompt.input, 80), 100)}"
    why = "; ".join(_why(item))
    rows = "".join(
        f"<tr><td>{_escaped(row['name'], 60)}</td><td>{_escaped(row['now'], 80)}</td>"
        f"<td>{_escaped(row['then'], 80)}</td><td>{_escaped(row['reasoning'], 300)}</td></tr>"
        for row in _metric_rows(prompt)
    )
    parts = [
        f"<details><summary>{summary}</summary>",
        f"<p><b>why</b>: {_escaped(why, 400)}</p>",
        f"<table><tr><th>metric</th><th>now</th><th>baseline</th><th>reasoning now</th></tr>{rows}</table>",
        f"<p><b>input</b></p><blockquote>{_escaped(prompt.input)}</blockquote>",
    ]
    if prompt.ground_truth is not None:
        parts.append(f"<p><b>expected</b></p><blockquote>{_escaped(prompt.ground_truth)}</blockquote>")
    parts.append(f"<p><b>answer now</b></p><blockquote>{_escaped(prompt.output)}</blockquote>")
    if base is not None:
        parts.append(f"<p><b>answer at the baseline</b></p><blockquote>{_escaped(base.output)}</blockquote>")
    parts.append("</details>")
    return "\n".join(parts)


@attrs.define
class AnswersBudget:
    """The bytes the answer blocks of one Markdown document may still take: one per document, shared by every
    suite's section in it, so that the whole stays within GitHub's job-summary limit however many suites it has."""

    left: int = MARKDOWN_BUDGET


def markdown_answers(report: EvaluationReport, budget: AnswersBudget) -> list[str]:
    """The Markdown section: one ``<details>`` block per prompt, the worst :data:`MARKDOWN_ANSWERS`, as many as
    ``budget`` has bytes left for (it is spent); a closing line says how many were left out."""
    items, left_out = explained_prompts(report, MARKDOWN_ANSWERS)
    if not items:
        return []
    lines = [f"### The answers behind the failures (worst {len(items)} of {len(items) + left_out})", ""]
    shown = 0
    for item in items:
        block = _markdown_block(item)
        size = len(block.encode("utf-8"))
        if size > budget.left:
            break
        budget.left -= size
        lines += [block, ""]
        shown += 1
    more = len(items) + left_out - shown
    if more:
        lines += [f"{more} more prompts left out: see the HTML report or the JUnit XML.", ""]
    return lines
