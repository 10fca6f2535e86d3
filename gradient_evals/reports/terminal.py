"""An :class:`EvaluationReport` on a terminal, with rich: the verdict, the leaderboard, the agents, the reasons.

Untrusted text is cleaned of control characters and passed to rich as plain :class:`rich.text.Text`, never as
markup, so a ``[bold]`` in an agent's name prints as typed.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..results import EvaluationReport
from ._format import (
    format_delta,
    format_metric,
    format_score,
    improved,
    one_line,
    prompt_title,
    remarks,
    status_text,
    worst_regressions,
)
from ._repeats import flaky_rows, repeat_remarks
from ._statistics import gate_statistics, what_would_decide
from ._usage import check_rows, usage_rows

__all__ = ["render_terminal"]

_REGRESSIONS = 5


def _plain(value: object) -> Text:
    return Text(one_line(value))


def _delta_text(delta: float | None, inverted: bool) -> Text:
    better = improved(delta, inverted)
    style = "" if better is None else ("green" if better else "red")
    return Text(format_delta(delta), style=style)


def render_terminal(report: EvaluationReport, console: Console, *, with_remarks: bool = True) -> None:
    """Print ``report`` on ``console``: a few tables, whatever the number of prompts. ``with_remarks=False`` leaves
    out the remarks under the heading (each gate not applied, the notes), for a caller that says them itself."""
    outcome = "PASSED" if report.passed else ("RUN FAILED" if report.run_failed else "FAILED")
    heading = Text("Evaluation of ")
    heading.append(one_line(report.test_case_name or report.test_case_uuid), style="bold")
    if report.test_case_version is not None:
        heading.append(f" v{report.test_case_version}")
    heading.append(": ")
    heading.append(outcome, style="bold green" if report.passed else "bold red")
    console.print(heading)
    for remark in [*remarks(report), *repeat_remarks(report)] if with_remarks else []:
        console.print(Text(remark, style="yellow"))

    metrics = list(report.metrics) or sorted(
        {name for agent in report.agents if agent.summary for name in agent.summary.metrics}
    )
    table = Table(box=box.SIMPLE_HEAD, title="agents", title_justify="left")
    table.add_column("agent")
    table.add_column("run")
    table.add_column("status")
    table.add_column("prompts", justify="right")
    table.add_column("failed", justify="right")
    for name in metrics:
        table.add_column(
            Text(one_line(name) + (" (lower better)" if report.is_inverted(name) else "")), justify="right"
        )
    table.add_column("gates")
    for agent in report.agents:
        cells: list[Text] = []
        for name in metrics:
            summary = None if agent.summary is None else agent.summary.metric(name)
            cell = Text(format_metric(summary))
            comparison = None if agent.comparison is None else agent.comparison.metrics.get(name)
            if comparison is not None and comparison.delta is not None:
                cell.append(" ")
                cell.append_text(_delta_text(comparison.delta, report.is_inverted(name)))
            cells.append(cell)
        status = status_text(agent)
        table.add_row(
            _plain(agent.label),
            Text(agent.evaluation_run_uuid[:8]),
            Text(status, style="red" if agent.run_failed else ("yellow" if agent.partial else "")),
            Text(str(0 if agent.summary is None else agent.summary.prompt_count)),
            Text(str(agent.failed_prompts)),
            *cells,
            Text("pass", style="green") if agent.passed else Text("FAIL", style="bold red"),
        )
    console.print(table)

    if len(report.leaderboard) > 1 and report.star_metric is not None:
        board = Table(box=box.SIMPLE_HEAD, title=f"leaderboard on {one_line(report.star_metric)}", title_justify="left")
        for column, justify in (("#", "right"), ("agent", "left"), ("score", "right"), ("vs baseline", "right")):
            board.add_column(column, justify=justify)  # type: ignore[arg-type]
        for entry in report.leaderboard:
            board.add_row(
                Text(str(entry.rank)),
                _plain(entry.label),
                Text(format_score(entry.score)),
                _delta_text(entry.delta, report.is_inverted(report.star_metric)),
            )
        console.print(board)

    _print_regression_gates(report, console)

    _print_flaky(report, console)

    worst = worst_regressions(report, _REGRESSIONS)
    if worst:
        console.print(Text("worst regressions", style="bold"))
        for agent, regression in worst:
            line = Text("  ")
            line.append(one_line(agent.label))
            line.append(f"  {one_line(regression.metric)} ")
            line.append(f"{format_score(regression.base_value)} -> {format_score(regression.candidate_value)}", "red")
            line.append("  " + prompt_title(regression.candidate_prompt_id, regression.input, 60))
            console.print(line)

    _checks_and_usage(report, console)

    for agent in report.agents:
        for reason in agent.verdict.reasons:
            line = Text("FAIL ", style="bold red")
            line.append(f"{one_line(agent.label)}: {one_line(reason)}")
            console.print(line)


def _checks_and_usage(report: EvaluationReport, console: Console) -> None:
    rows = check_rows(report)
    if rows:
        checks = Table(box=box.SIMPLE_HEAD, title="checks on the answers", title_justify="left")
        for column, justify in (("agent", "left"), ("check", "left"), ("passed", "right"), ("required", "right")):
            checks.add_column(column, justify=justify)  # type: ignore[arg-type]
        checks.add_column("")
        for row in rows:
            verdict = Text("pass", style="green") if row.passed else Text("FAIL", style="bold red")
            checks.add_row(_plain(row.agent), _plain(row.metric), Text(row.pass_rate), Text(row.required), verdict)
        console.print(checks)
    usage = usage_rows(report)
    if usage:
        title = "tokens and cost" + ("" if report.cost is None else f" (evaluation: ${report.cost:.4f})")
        table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
        for column in ("agent", "input tokens", "output tokens", "cost", "wall time"):
            table.add_column(column, justify="left" if column == "agent" else "right")
        for u in usage:
            table.add_row(_plain(u.agent), Text(u.input_tokens), Text(u.output_tokens), Text(u.cost), Text(u.wall_time))
        console.print(table)


def _print_regression_gates(report: EvaluationReport, console: Console) -> None:
    rows = gate_statistics(report)
    if not rows:
        return
    table = Table(box=box.SIMPLE_HEAD, title="regression gates (prompts paired by input)", title_justify="left")
    for column, justify in (
        ("agent", "left"),
        ("metric", "left"),
        ("change", "right"),
        ("95% interval", "right"),
        ("p", "right"),
        ("paired", "right"),
        ("method", "left"),
        ("outcome", "left"),
        ("to decide", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    styles = {"FAILED": "bold red", "passed": "green", "inconclusive": "yellow"}
    for row in rows:
        table.add_row(
            _plain(row.agent.label),
            _plain(row.metric),
            Text(row.change),
            Text(row.interval),
            Text(row.p),
            Text(str(row.statistics.n)),
            Text(row.statistics.method),
            Text(row.outcome, style=styles.get(row.outcome, "")),
            Text(what_would_decide(row.statistics)),
        )
    console.print(table)


def _print_flaky(report: EvaluationReport, console: Console) -> None:
    rows, total = flaky_rows(report, answer_chars=40)
    if not rows:
        return
    shown = "" if len(rows) == total else f", the worst {len(rows)}"
    title = f"flaky prompts ({total}{shown}): the repeats disagree"
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
    for column, justify in (("agent", "left"), ("metric", "left"), ("flips", "right"), ("passed", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("prompt")
    table.add_column("each repeat: score, answer")
    for row in rows:
        table.add_row(
            _plain(row.agent),
            _plain(row.metric),
            Text(row.flip_rate),
            Text(row.passes),
            _plain(row.input[:60] + (" (quarantined)" if row.quarantined else "")),
            _plain(" | ".join(f"{score} {answer}" for _, score, answer in row.repeats)),
        )
    console.print(table)
