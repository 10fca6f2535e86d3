"""The body of the pull request comment: a hidden marker, then the Markdown summary, under GitHub's size limit.

The marker (``<!-- gradient-evals: <config> <suites> -->``, the comment's first line) names what was evaluated,
so that later runs of the same evaluation find and update their comment, and two workflows of one repository keep
a comment each. Its values are percent-encoded wherever they could close the HTML comment or start markup.

The summary is the job summary's Markdown without the answer blocks (the reports keep those). When it does not
fit in :data:`COMMENT_LIMIT` characters, the comment is the verdict of each suite and then the failures, worst
first: suites that could not run, failed gates by how far they missed, then per-prompt regressions by how much
they fell, as many as fit, and a line saying how many were left out and where the full reports are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Final

from ..reports._format import format_delta, format_score, prompt_title
from ..reports.markdown import escape_markdown, render_markdown
from ..reports.suites import SuiteReport, SuitesDocument, render_suites_markdown
from ..results import EvaluationReport, GateKind, GateResult
from ..workflows.explain import regression_order, worst_regressions

__all__ = ["COMMENT_LIMIT", "comment_body", "comment_marker"]

COMMENT_LIMIT: Final = 65_536
"""GitHub refuses a comment body longer than this many characters."""
_MARKER_PREFIX: Final = "<!-- gradient-evals: "
_KEPT: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._~+,=@:-")
_REGRESSIONS_PER_SUITE: Final = 10
_RESERVED: Final = 600  # room for the last line (how many were left out, and the link)


def _size(text: str) -> int:
    """The length GitHub's limit is counted in, at most: UTF-16 code units (a character beyond the BMP, an emoji
    in an agent's name, counts twice)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _encode(text: str) -> str:
    """``text`` for the inside of an HTML comment: anything but plain ASCII punctuation percent-encoded, and a
    hyphen after a hyphen too (``--`` could end the comment)."""
    out: list[str] = []
    for char in text:
        if char in _KEPT and not (char == "-" and out and out[-1] == "-"):
            out.append(char)
        else:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
    return "".join(out)


def comment_marker(config: str, suites: Iterable[str]) -> str:
    """The hidden first line naming an evaluation: its config file (or dataset) and its suites (or test case)."""
    names = ",".join(_encode(name) for name in sorted(set(suites))) or "*"
    return f"{_MARKER_PREFIX}{_encode(config)[:1000]} {names[:4000]} -->"


class _Single:
    """One evaluation, as a suite without a name."""

    def __init__(self, report: EvaluationReport) -> None:
        self.name = ""
        self.report: EvaluationReport | None = report
        self.error: Exception | None = None


def _suites_of(document: EvaluationReport | SuitesDocument) -> Sequence[SuiteReport]:
    return [_Single(document)] if isinstance(document, EvaluationReport) else document.suites


def _summary(document: EvaluationReport | SuitesDocument) -> str:
    if isinstance(document, EvaluationReport):
        return render_markdown(document, answers=False)
    return render_suites_markdown(document.suites, answers=False)


def _where(suite: SuiteReport, agent: str) -> str:
    label = escape_markdown(agent, 60)
    return f"{escape_markdown(suite.name, 60)} / {label}" if suite.name else label


def _shortfall(gate: GateResult) -> float:
    """How far a failed gate missed, for sorting: a run that failed or was incomplete first, then the gates by
    how far their score missed, then the gates without one number (a slice gate speaks of several)."""
    if gate.kind in (GateKind.RUN_STATUS, GateKind.COMPLETE):
        return math.inf
    if gate.threshold is None or gate.actual is None:
        return 0.0
    miss = abs(gate.actual - gate.threshold)
    return miss if math.isfinite(miss) else math.inf


def _failures(suites: Sequence[SuiteReport]) -> list[str]:
    """Every failure of every suite as one Markdown line, the worst first."""
    errors: list[str] = []
    gates: list[tuple[float, str]] = []
    regressions: list[tuple[tuple[float, str, int], str]] = []
    for suite in suites:
        if suite.report is None:
            error = "" if suite.error is None else f"{type(suite.error).__name__}: {suite.error}"
            errors.append(f"- **{escape_markdown(suite.name, 60)}**: could not run: {escape_markdown(error, 300)}")
            continue
        for agent in suite.report.agents:
            for gate in agent.gates:
                if gate.status == "failed":
                    why = f": {escape_markdown(gate.message, 300)}" if gate.message else ""
                    line = f"- **{_where(suite, agent.label)}**: {escape_markdown(gate.name, 100)}{why}"
                    gates.append((-_shortfall(gate), line))
        for agent, r in worst_regressions(suite.report, _REGRESSIONS_PER_SUITE):
            prompt = escape_markdown(prompt_title(r.candidate_prompt_id, r.input, 60), 70)
            line = (
                f"- {_where(suite, agent.label)}: {escape_markdown(r.metric, 40)} on {prompt}: "
                f"{format_score(r.base_value)} \u2192 {format_score(r.candidate_value)} ({format_delta(r.delta)})"
            )
            regressions.append((regression_order(r, agent.comparison), line))
    gates.sort(key=lambda item: item[0])
    regressions.sort(key=lambda item: item[0])
    return [*errors, *(line for _, line in gates), *(line for _, line in regressions)]


def _verdicts(suites: Sequence[SuiteReport]) -> tuple[str, list[str]]:
    """The overall outcome and one line per suite."""
    lines = []
    for suite in suites:
        if suite.report is None:
            verdict = "could not run"
        else:
            verdict = "passed" if suite.report.passed else ("run failed" if suite.report.run_failed else "FAILED")
        lines.append(f"- {escape_markdown(suite.name or 'evaluation', 60)}: {verdict}")
    passed = all(suite.report is not None and suite.report.passed for suite in suites)
    return ("\u2705 passed" if passed else "\u274c failed"), lines


def _footer(reports_url: str | None) -> str:
    run = f"[the workflow run]({reports_url})" if reports_url else "the workflow run"
    return f"The full reports (HTML, JUnit XML) are in the artifacts and the job summary of {run}."


def comment_body(
    marker: str,
    document: EvaluationReport | SuitesDocument,
    *,
    reports_url: str | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The comment: ``marker``, the summary (or, when it is too long, the failures worst first), the reports' place."""
    footer = _footer(reports_url)
    whole = f"{marker}\n{_summary(document).rstrip()}\n\n{footer}\n"
    if _size(whole) <= limit:
        return whole
    suites = _suites_of(document)
    outcome, verdicts = _verdicts(suites)
    head = [marker, f"## {outcome}: evaluation of {len(suites)} suite{'s' if len(suites) != 1 else ''}", ""]
    items = [*verdicts, "", "### Failures, the worst first", "", *_failures(suites)]
    budget = limit - _RESERVED - sum(_size(line) + 1 for line in head)
    shown: list[str] = []
    for line in items:
        if budget - (_size(line) + 1) < 0:
            break
        shown.append(line)
        budget -= _size(line) + 1
    left_out = sum(1 for line in items[len(shown) :] if line.startswith("- "))
    tail = [""]
    if left_out:
        tail.append(
            f"**{left_out} more line{'s' if left_out != 1 else ''} left out** to stay within GitHub's comment size."
        )
    tail.append(footer)
    return "\n".join([*head, *shown, *tail]) + "\n"
