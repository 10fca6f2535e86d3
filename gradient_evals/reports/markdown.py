"""An :class:`EvaluationReport` as a short Markdown summary, sized for a CI job page (``$GITHUB_STEP_SUMMARY``).

Sections: the verdict with the UUIDs to reproduce it; the leaderboard on the star metric; a table per agent of each
metric's score and change against the baseline; why gates failed; the worst per-prompt regressions; with
``slice_by``, the slices that regressed; the star metric's trend as a row of numbers; and the answers behind the
worst 10 failed prompts in ``<details>`` blocks (HTML-escaped, without blank lines, clipped: see
:mod:`gradient_evals.reports._answers`). The whole stays far below GitHub's job summary limit of 1 MiB per step:
the answer blocks take at most 256 KiB together, the rest a few dozen lines. Every string from the API or the
dataset (agent names, inputs, reasons) is escaped so it renders as plain text: the punctuation that could start
Markdown or HTML syntax is backslash-escaped (which also keeps ``<`` from opening HTML) and whitespace collapsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from ..results import AgentResult, EvaluationReport, GateKind, MetricSummary
from ._answers import AnswersBudget, markdown_answers
from ._format import (
    REMARK_LIMIT,
    format_delta,
    format_metric,
    format_score,
    improved,
    prompt_title,
    remarks,
    status_text,
    truncate,
    worst_regressions,
)
from ._repeats import flaky_rows, repeat_remarks
from ._statistics import gate_statistics, what_would_decide
from ._trend import trend_lines
from ._usage import check_failures, check_rows, failure_title, usage_rows

__all__ = ["escape_markdown", "render_markdown"]

# The characters that can start Markdown or HTML syntax inside a line: emphasis, code, links, tables, HTML and
# entities, math ($), mentions (@) and emoji shortcodes (:). The others (-, ., +, =...) only matter at the start
# of a line, and every untrusted string here sits inside a line.
_ESCAPES: Final = {ord(c): "\\" + c for c in "\\`*_{}[]()<>#!|~:&$@"}
_TOP_REGRESSIONS: Final = 10
_TOP_SLICES: Final = 20
_TEXT_LIMIT: Final = 80
_CHECK_FAILURES: Final = 5
_PASS: Final = {True: "pass", False: "**FAIL**"}


def escape_markdown(text: object, limit: int = 200) -> str:
    """Untrusted text as literal Markdown on one line: the marks that could start syntax backslash-escaped."""
    return truncate(text, limit).translate(_ESCAPES)


def _code(text: object) -> str:
    """A UUID or other identifier in a code span (backticks inside are dropped: they would end the span)."""
    value = truncate(text, 120).replace("`", "")
    return f"`{value}`" if value else "-"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()) -> list[str]:
    aligned = set(right)
    rule = ["---:" if i in aligned else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _mark(delta: float | None, inverted: bool) -> str:
    better = improved(delta, inverted)
    return "" if better is None else (" \u2191" if better else " \u2193")


def _score_cell(report: EvaluationReport, agent: AgentResult, name: str) -> str:
    summary = None if agent.summary is None else agent.summary.metric(name)
    text = format_metric(summary, escape_markdown)
    if agent.comparison is not None:
        comparison = agent.comparison.metrics.get(name)
        delta = None if comparison is None else comparison.delta
        if delta is not None:
            text += f" ({format_delta(delta)}{_mark(delta, report.is_inverted(name))})"
    return text


def _metric_names(report: EvaluationReport) -> list[str]:
    names: dict[str, None] = dict.fromkeys(report.metrics)
    for agent in report.agents:
        if agent.summary is not None:
            names.update(dict.fromkeys(n for n, m in agent.summary.metrics.items() if m.score is not None))
    return list(names)


def _heading(report: EvaluationReport) -> list[str]:
    icon = "\u2705" if report.passed else "\u274c"
    outcome = "passed" if report.passed else ("run failed" if report.run_failed else "failed")
    title = escape_markdown(report.test_case_name or report.test_case_uuid, _TEXT_LIMIT)
    version = "" if report.test_case_version is None else f" v{report.test_case_version}"
    lines = [f"## {icon} Evaluation of {title}{version}: {outcome}", ""]
    ids = [f"test case {_code(report.test_case_uuid)}{version}"]
    if report.dataset_uuid is not None:
        reused = " (reused)" if report.dataset_reused else ""
        ids.append(f"dataset {_code(report.dataset_uuid)}{reused}")
    ids.append(f"{len(report.agents)} agent{'s' if len(report.agents) != 1 else ''}")
    lines += [" \u00b7 ".join(ids), ""]
    return lines


def _leaderboard(report: EvaluationReport) -> list[str]:
    if len(report.leaderboard) < 2 or report.star_metric is None:
        return []
    star = escape_markdown(report.star_metric, 40)
    direction = " (lower is better)" if report.is_inverted(report.star_metric) else ""
    rows = [
        [
            str(entry.rank),
            escape_markdown(entry.label, 40),
            format_score(entry.score),
            format_delta(entry.delta) + _mark(entry.delta, report.is_inverted(report.star_metric)),
            "pass" if entry.passed else "**FAIL**",
        ]
        for entry in report.leaderboard
    ]
    return [
        f"### Leaderboard on {star}{direction}",
        "",
        *_table(["#", "Agent", star, "vs baseline", "Gates"], rows, right=[0, 2, 3]),
        "",
    ]


def _agents(report: EvaluationReport) -> list[str]:
    metrics = _metric_names(report)
    headers = ["Agent", "Run", "Baseline", "Status", "Prompts", "Failed", *[escape_markdown(m, 30) for m in metrics]]
    headers += ["Errored", "Skipped", "Gates"]
    rows = []
    for agent in report.agents:
        summary = agent.summary
        rows.append(
            [
                escape_markdown(agent.label, 40),
                _code(agent.evaluation_run_uuid[:8]),
                "-" if agent.baseline_run_uuid is None else _code(agent.baseline_run_uuid[:8]),
                status_text(agent) if not agent.partial else "**PARTIAL**",
                str(0 if summary is None else summary.prompt_count),
                str(agent.failed_prompts),
                *[_score_cell(report, agent, m) for m in metrics],
                str(sum(agent.errored.values())),
                str(sum(agent.skipped.values())),
                "pass" if agent.passed else "**FAIL**",
            ]
        )
    inverted = [escape_markdown(m, 30) for m in metrics if report.is_inverted(m)]
    notes = ["Scores: the mean, or the pass rate in %; (change vs baseline, \u2191 better, \u2193 worse)."]
    if inverted:
        notes.append(f"Lower is better for {', '.join(inverted)}.")
    return ["### Agents", "", *_table(headers, rows, right=range(4, len(headers) - 1)), "", " ".join(notes), ""]


def _reasons(report: EvaluationReport) -> list[str]:
    if report.passed:
        return []
    lines = ["### Why it failed", ""]
    for agent in report.agents:
        for reason in agent.verdict.reasons:
            lines.append(f"- **{escape_markdown(agent.label, 40)}**: {escape_markdown(reason)}")
    from_agents = {f"{agent.label}: {reason}" for agent in report.agents for reason in agent.verdict.reasons}
    lines += [f"- {escape_markdown(reason)}" for reason in report.verdict.reasons if reason not in from_agents]
    return [*lines, ""]


def _regressions(report: EvaluationReport) -> list[str]:
    worst = worst_regressions(report, _TOP_REGRESSIONS)
    if not worst:
        return []
    rows = [
        [
            escape_markdown(agent.label, 30),
            escape_markdown(r.metric, 30),
            escape_markdown(prompt_title(r.candidate_prompt_id, r.input, 60), 70),
            format_score(r.base_value),
            format_score(r.candidate_value),
            format_delta(r.delta),
        ]
        for agent, r in worst
    ]
    return [
        f"### Worst regressions (top {len(rows)})",
        "",
        *_table(["Agent", "Metric", "Prompt", "Baseline", "Now", "Change"], rows, right=[3, 4, 5]),
        "",
    ]


def _slice_score(metric: MetricSummary | None) -> float | None:
    return None if metric is None else metric.score


def _slices(report: EvaluationReport) -> list[str]:
    if report.slice_by is None:
        return []
    rows = []
    for agent in report.agents:
        for piece in agent.slices:
            for name in piece.regressed:
                rows.append(
                    [
                        escape_markdown(agent.label, 30),
                        escape_markdown(piece.name, 40),
                        escape_markdown(name, 30),
                        format_score(_slice_score(piece.baseline_metrics.get(name))),
                        format_score(_slice_score(piece.metrics.get(name))),
                        format_delta(piece.delta(name)),
                    ]
                )
    column = escape_markdown(report.slice_by, 40)
    if not rows:
        checked = any(g.kind == GateKind.SLICE_REGRESSION and g.applied for a in report.agents for g in a.gates)
        # a slice gate not applied is said once, in the remarks; "none regressed" would claim a check not made
        return [f"No slice of {column} regressed beyond the allowed change.", ""] if checked else []
    shown = rows[:_TOP_SLICES]
    more = [f"and {len(rows) - len(shown)} more.", ""] if len(rows) > len(shown) else []
    return [
        f"### Slices of {column} that regressed",
        "",
        *_table(["Agent", "Slice", "Metric", "Baseline", "Now", "Change"], shown, right=[3, 4, 5]),
        "",
        *more,
    ]


def _trends(report: EvaluationReport) -> list[str]:
    rows = trend_lines(report)
    if not rows or report.star_metric is None:
        return []
    star = escape_markdown(report.star_metric, 40)
    lines = [f"### {star} over the last finished runs (oldest first, this run in bold)", ""]
    lines += [f"- {escape_markdown(label, 40)}: {numbers}" for label, numbers in rows]
    return [*lines, ""]


def _checks_and_usage(report: EvaluationReport) -> list[str]:
    """The checks on the answers (pass rate per agent, then the failing prompts with answer and reason), then the
    tokens, cost and wall time of every run."""
    lines: list[str] = []
    rows = check_rows(report)
    if rows:
        cells = [
            [escape_markdown(r.agent, 40), escape_markdown(r.metric, 60), r.pass_rate, r.required, _PASS[r.passed]]
            for r in rows
        ]
        lines += ["### Checks on the answers", "", *_table(["agent", "check", "passed", "required", ""], cells), ""]
        for agent, result, failure in check_failures(report, _CHECK_FAILURES):
            where = f"{escape_markdown(agent.label, 40)} / {escape_markdown(result.metric, 60)}"
            title = escape_markdown(failure_title(failure), _TEXT_LIMIT)
            lines.append(f"- {where}: {title}: {escape_markdown(failure.reason, _TEXT_LIMIT)}")
            lines.append(f"  answer: {escape_markdown(failure.output, _TEXT_LIMIT)}")
        lines += [""] if lines[-1] else []
    usage = usage_rows(report)
    if usage:  # one line: the report stays a few dozen lines
        parts = [
            f"**{escape_markdown(u.agent, 40)}** {u.input_tokens} in, {u.output_tokens} out, {u.cost}, {u.wall_time}"
            for u in usage
        ]
        total = "" if report.cost is None else f" (evaluation: ${report.cost:.4f})"
        lines += [f"Tokens, cost and wall time{total}: " + "; ".join(parts) + ".", ""]
    return lines


def _regression_gates(report: EvaluationReport) -> list[str]:
    rows = [
        [
            escape_markdown(row.agent.label, _TEXT_LIMIT),
            escape_markdown(row.metric, _TEXT_LIMIT),
            row.change,
            row.interval,
            row.p,
            str(row.statistics.n),
            row.statistics.method,
            f"**{row.outcome}**" if row.outcome == "FAILED" else row.outcome,
            escape_markdown(what_would_decide(row.statistics), _TEXT_LIMIT) or "-",
        ]
        for row in gate_statistics(report)
    ]
    if not rows:
        return []
    headers = ["agent", "metric", "change", "95% interval", "p", "paired", "method", "outcome", "to decide"]
    return ["### Regression gates, on the prompts paired by input", "", *_table(headers, rows, right=(2, 4, 5)), ""]


def _flaky(report: EvaluationReport) -> list[str]:
    found, total = flaky_rows(report, answer_chars=_TEXT_LIMIT)
    if not found:
        return []
    rows = [
        [
            escape_markdown(row.agent),
            escape_markdown(row.metric),
            row.flip_rate,
            row.passes,
            escape_markdown(row.input, _TEXT_LIMIT) + (" (quarantined)" if row.quarantined else ""),
            "<br>".join(
                f"{escape_markdown(score)}: {escape_markdown(answer, _TEXT_LIMIT)}" for _, score, answer in row.repeats
            ),
        ]
        for row in found
    ]
    shown = "" if len(found) == total else f" (the worst {len(found)} of {total})"
    headers = ["agent", "metric", "flips", "passed", "prompt", "each repeat: score: answer"]
    return [f"### Flaky prompts{shown}: the repeats disagree", "", *_table(headers, rows, right=(2, 3)), ""]


def render_markdown(report: EvaluationReport, *, answers: bool = True) -> str:
    """The Markdown summary of ``report`` (a few dozen lines whatever the number of prompts); ``answers=False``
    leaves out the answers behind the worst failed prompts (a pull request comment links to the reports instead)."""
    return markdown_within(report, AnswersBudget() if answers else None)


def markdown_within(report: EvaluationReport, budget: AnswersBudget | None) -> str:
    """:func:`render_markdown`, its answer blocks spending ``budget`` (shared by the suites of one document); no
    answer blocks when ``budget`` is None."""
    notes = [f"- {escape_markdown(line, REMARK_LIMIT)}" for line in [*remarks(report), *repeat_remarks(report)]]
    lines = [
        *_heading(report),
        *notes,
        *([""] if notes else []),
        *_leaderboard(report),
        *_agents(report),
        *_regression_gates(report),
        *_flaky(report),
        *_reasons(report),
        *_regressions(report),
        *_checks_and_usage(report),
        *_slices(report),
        *_trends(report),
        *(markdown_answers(report, budget) if budget is not None else []),
    ]
    return "\n".join(lines).rstrip() + "\n"
