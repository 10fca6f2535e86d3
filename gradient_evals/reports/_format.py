"""What every renderer shares: cleaning untrusted text, numbers, statuses, and which way is better."""

from __future__ import annotations

import math
import re
from typing import Final

from ..results import AgentResult, EvaluationReport, PromptRegression

__all__ = [
    "badness",
    "clean",
    "format_delta",
    "format_score",
    "improved",
    "one_line",
    "prompt_title",
    "remarks",
    "status_text",
    "truncate",
    "worst_regressions",
]

# Characters XML 1.0 cannot carry at all, and the C0/C1 controls and bidi overrides that can make a terminal or a
# page show something other than the text (escape sequences, right-to-left tricks). Tab and newline stay.
_UNSAFE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_SURROGATES: Final = re.compile(r"[\ud800-\udfff]")


def clean(text: object) -> str:
    """``text`` as a string without control characters, bidi overrides or lone surrogates (``None`` -> ``""``)."""
    if text is None:
        return ""
    return _SURROGATES.sub("\ufffd", _UNSAFE.sub("", str(text)))


def one_line(text: object) -> str:
    """Cleaned, with every run of whitespace (newlines included) made one space."""
    return " ".join(clean(text).split())


def truncate(text: object, limit: int) -> str:
    """One line of at most ``limit`` characters, ending in an ellipsis when cut."""
    line = one_line(text)
    return line if len(line) <= limit else line[: max(0, limit - 1)].rstrip() + "\u2026"


def format_score(value: float | None, digits: int = 4) -> str:
    """A score for people: ``-`` when missing, whole numbers without decimals."""
    if value is None or not math.isfinite(value):
        return "-"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}g}"


def format_delta(value: float | None) -> str:
    """A change with its sign (``+2.5``, ``-10``), ``-`` when missing."""
    if value is None or not math.isfinite(value):
        return "-"
    return "0" if value == 0 else f"{value:+.3g}"


def improved(delta: float | None, inverted: bool) -> bool | None:
    """Whether a change of score is for the better (``None``: no change or unknown)."""
    if delta is None or delta == 0 or not math.isfinite(delta):
        return None
    return (delta < 0) if inverted else (delta > 0)


def badness(regression: PromptRegression, inverted: bool) -> float:
    """How much worse a prompt got, in the metric's points (positive: worse)."""
    return regression.delta if inverted else -regression.delta


def worst_regressions(report: EvaluationReport, limit: int) -> list[tuple[AgentResult, PromptRegression]]:
    """The per-prompt regressions of every agent, worst first, at most ``limit``."""
    rows = [
        (agent, regression)
        for agent in report.agents
        if agent.comparison is not None
        for regression in agent.comparison.regressions
        if badness(regression, report.is_inverted(regression.metric)) > 0
    ]
    rows.sort(key=lambda row: -badness(row[1], report.is_inverted(row[1].metric)))
    return rows[:limit]


def status_text(agent: AgentResult) -> str:
    """The run's status without the API's prefix, ``TIMED OUT`` for a run that outlived the deadline."""
    if agent.timed_out:
        return "TIMED OUT"
    status = agent.status
    if status is None:
        return "UNKNOWN"
    return one_line(getattr(status, "value", status)).removeprefix("EVALUATION_RUN_")


def prompt_title(prompt_id: int | None, text: str | None, limit: int = 80) -> str:
    """``prompt 12: What is ...`` for lists and test names."""
    head = "prompt" if prompt_id is None else f"prompt {prompt_id}"
    body = truncate(text, limit)
    return f"{head}: {body}" if body else head


def remarks(report: EvaluationReport) -> list[str]:
    """What every report says besides the gates that failed, cleaned: a new test case version, each gate that was
    not applied (and why), and the report's notes."""
    lines = []
    if report.test_case_change:
        lines.append(f"warning: {report.test_case_change}; runs of earlier versions are not comparable with it")
    for agent, gate in report.gates_not_applied:
        lines.append(f"gate not applied: {agent.label}: {gate.name}: {gate.message}")
    lines += list(report.notes)
    return [one_line(line) for line in lines]
