"""Views of the API's objects that several commands print: runs, summaries and comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..reports._format import format_delta, truncate
from ..results import PromptRegression, RunComparison, RunSummary, Verdict
from ..types import EvaluationRun, ResultsPage
from ..workflows.explain import regression_order
from ..workflows.records import metric_name_of
from ._render import escape_text, format_number, format_rate, render_fields, render_table, status_name

__all__ = ["clip", "comparison_text", "prompt_rows", "run_detail", "run_rows", "summary_table", "worst_regressions"]


def clip(text: str | None, width: int) -> str:
    """``text`` on one line, its control characters shown as escapes (``\\x07``: never removed, so two names
    differing by one still look different), cut to ``width`` characters with an ellipsis (``-`` for none)."""
    return "-" if text is None else truncate(escape_text(str(text)), width)


def _metric_value(value: float | str | None) -> str:
    return value if isinstance(value, str) else format_number(value)


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def run_rows(runs: Sequence[EvaluationRun]) -> str:
    """Runs as a table, one line each."""
    rows = []
    for run in runs:
        star = run.star_metric_result
        star_text = "-"
        if star is not None and star.value is not None:
            star_text = f"{star.metric_name or 'star'}={_metric_value(star.value)}"
        rows.append(
            (
                run.evaluation_run_uuid,
                run.run_name,
                status_name(run.status),
                run.agent_name or run.agent_deployment_name or run.agent_uuid,
                star_text,
                _yes_no(run.pass_status),
            )
        )
    return render_table(["RUN", "NAME", "STATUS", "AGENT", "STAR METRIC", "PASS"], rows)


def run_detail(run: EvaluationRun) -> str:
    """One run: a line per property, then its run-level metrics as a table."""

    def when(value: datetime | None) -> str:
        return "-" if value is None else value.isoformat()

    lines = [
        ("run", run.evaluation_run_uuid),
        ("name", run.run_name),
        ("status", status_name(run.status)),
        ("test case", f"{run.test_case_name or '-'} ({run.test_case_uuid}) version {run.test_case_version}"),
        ("agent", f"{run.agent_name or run.agent_deployment_name or '-'} ({run.agent_uuid or '-'})"),
        ("queued", when(run.queued_at)),
        ("started", when(run.started_at)),
        ("finished", when(run.finished_at)),
        ("passed", _yes_no(run.pass_status)),
    ]
    if run.error_description:
        lines.append(("error", run.error_description))
    text = render_fields(lines)
    if run.run_level_metric_results:
        rows = [
            (metric_name_of(result), _metric_value(result.value), result.error_description or "")
            for result in run.run_level_metric_results
        ]
        text += "\n" + render_table(["METRIC", "VALUE", "ERROR"], rows)
    return text


def prompt_rows(page: ResultsPage, metrics: Sequence[str]) -> list[list[object]]:
    """A page of prompt results as table rows: the prompt id, each metric's value, the input (clipped)."""
    rows = []
    for prompt in page.prompts:
        cells: list[object] = [prompt.prompt_id]
        for name in metrics:
            result = prompt.metric(name)
            if result is None:
                cells.append("-")
            elif result.is_error:
                cells.append("error")
            else:
                cells.append(_metric_value(result.value))
        cells.append(clip(prompt.input, 60))
        rows.append(cells)
    return rows


def summary_table(summary: RunSummary) -> str:
    """A run's per-metric statistics."""
    rows = [
        (
            m.name,
            m.count,
            m.errors,
            format_number(m.mean),
            format_number(m.min),
            format_number(m.max),
            format_rate(m.pass_rate),
            "-" if m.failed is None else m.failed,
        )
        for m in summary.metrics.values()
    ]
    table = render_table(
        ["METRIC", "SCORED", "ERRORS", "MEAN", "MIN", "MAX", "PASS RATE", "FAILED"], rows, right=range(1, 8)
    )
    return f"{summary.prompt_count} prompts in run {escape_text(summary.evaluation_run_uuid)}\n{table}"


def worst_regressions(result: RunComparison, limit: int | None = None) -> list[PromptRegression]:
    """The regressed prompts, worst first, ranked as every report ranks them
    (:func:`gradient_evals.workflows.explain.regression_order`): the worsening relative to the metric's range, so
    a 0-1 metric falling from 1 to 0 ranks above a 0-100 metric falling by 5 points, and a rise of an inverted
    (lower-is-better) metric counts as getting worse. Ties keep metric and prompt order."""
    ranked = sorted(result.regressions, key=lambda r: regression_order(r, result))
    return ranked if limit is None else ranked[:limit]


def comparison_text(result: RunComparison, worst: Sequence[PromptRegression], verdict: Verdict) -> str:
    """A comparison: per-metric scores and deltas, the ``worst`` regressed prompts, and the ``verdict``."""
    rows = []
    for m in result.metrics.values():
        base = None if m.base is None else m.base.score
        cand = None if m.candidate is None else m.candidate.score
        delta = m.delta
        stats = m.statistics
        low, high = (None, None) if stats is None else (stats.ci_low, stats.ci_high)
        interval = "-" if low is None or high is None else f"{format_delta(low)} to {format_delta(high)}"
        p = "-" if stats is None or stats.p_value is None else f"{stats.p_value:.2g}"
        paired = "-" if stats is None else f"{stats.n} {stats.method}"
        rows.append(
            (m.name, format_number(base), format_number(cand), format_delta(delta), interval, p, paired, m.regressed)
        )
    text = (
        f"base {escape_text(result.base.evaluation_run_uuid)} vs candidate "
        f"{escape_text(result.candidate.evaluation_run_uuid)}: {result.matched} prompts matched, "
        f"{result.unmatched_base} only in base, {result.unmatched_candidate} only in candidate\n"
    )
    headers = ["METRIC", "BASE", "CANDIDATE", "DELTA", "95% INTERVAL", "P", "PAIRED", "REGRESSED"]
    text += render_table(headers, rows, right=(1, 2, 3, 4, 5, 7))
    if worst:
        text += f"\nworst regressions ({len(result.regressions)} in all):\n"
        text += render_table(
            ["METRIC", "PROMPT", "BASE", "CANDIDATE", "INPUT"],
            [
                (
                    r.metric,
                    r.candidate_prompt_id,
                    format_number(r.base_value),
                    format_number(r.candidate_value),
                    clip(r.input, 60),
                )
                for r in worst
            ],
        )
    shown = "PASSED" if verdict.passed else "FAILED: " + "; ".join(escape_text(r) for r in verdict.reasons)
    notes = "".join(f"note: {escape_text(note)}\n" for note in verdict.notes)
    return text + f"\nverdict: {shown}\n" + notes
