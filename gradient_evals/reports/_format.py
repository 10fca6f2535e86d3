"""What every renderer shares: cleaning untrusted text, numbers, statuses, and which way is better."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Final

from ..results import AgentResult, EvaluationReport, MetricSummary
from ..workflows.explain import worst_regressions

__all__ = [
    "REMARK_LIMIT",
    "change_class",
    "clean",
    "escape_text",
    "format_delta",
    "format_metric",
    "format_score",
    "improved",
    "json_safe",
    "one_line",
    "prompt_title",
    "remarks",
    "status_text",
    "terminal_safe",
    "truncate",
    "worst_regressions",
]

# The one set of characters no rendering passes on, in the reports and on the terminal: the C0 controls (but tab
# and newline) and C1 controls, which XML 1.0 cannot carry and which steer a terminal (escape sequences clear the
# screen, rewrite lines, set the window title); the bidi overrides and marks and the line separators, which make a
# page or terminal show something other than the text; the non-characters; and lone surrogates, which no UTF-8
# file can hold. rich passes all of them through, so text is cleaned before it is given to rich.
_STEERING: Final = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff"
_SURROGATES: Final = "\ud800-\udfff"
_UNSAFE: Final = re.compile(f"[\x00-\x08\x0b-\x1f{_STEERING}{_SURROGATES}]")
_UNSAFE_ON_ONE_LINE: Final = re.compile(f"[\x00-\x1f{_STEERING}{_SURROGATES}]")
_UNSAFE_KEEP_NEWLINE: Final = re.compile(f"[\x00-\x09\x0b-\x1f{_STEERING}{_SURROGATES}]")
_UNSAFE_IN_JSON: Final = re.compile(f"[{_STEERING}]")  # json.dumps escapes C0 controls and surrogates itself


def _removed(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object) -> str:
    """``text`` as a string without control characters (but tab and newline), bidi overrides or other steering
    characters; a lone surrogate becomes U+FFFD (``None`` -> ``""``). For reports, where a removed character is
    simply gone."""
    if text is None:
        return ""
    return _UNSAFE.sub(_removed, str(text))


def escape_text(text: str) -> str:
    """Untrusted text for one line of a terminal: the same characters as :func:`clean`, and line breaks and tabs,
    shown as visible escapes (``\\x1b``) instead of removed."""
    return _UNSAFE_ON_ONE_LINE.sub(_shown, text)


def terminal_safe(text: str) -> str:
    """Like :func:`escape_text`, but line breaks stay (for blocks of our own lines)."""
    return _UNSAFE_KEEP_NEWLINE.sub(_shown, text)


def json_safe(text: str) -> str:
    """JSON text (``json.dumps`` already escapes C0 controls) with the remaining steering characters as ``\\u``
    escapes: the same JSON values, but nothing a terminal would act on."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    if float(value).is_integer() and abs(value) < 1e15:  # not 1e308 as 309 digits
        return str(int(value))
    return f"{value:.{digits}g}"


def format_metric(summary: MetricSummary | None, escape: Callable[[str], str] = str) -> str:
    """A metric's table cell: its score, or for a string-valued metric (``tone``) its most common value and share.

    ``escape`` is applied to the value, which is the server's text; ties go to the value first in sort order.
    """
    if summary is None or summary.score is not None or not summary.value_counts:
        return format_score(None if summary is None else summary.score)
    value, count = min(summary.value_counts.items(), key=lambda item: (-item[1], item[0]))
    share = 100 * count / sum(summary.value_counts.values())
    return f"{escape(truncate(value, 24))} {share:.0f}%"


def format_delta(value: float | None) -> str:
    """A change with its sign (``+2.5``, ``-10``), ``-`` when missing."""
    if value is None or not math.isfinite(value):
        return "-"
    return "0" if value == 0 else f"{value:+.4g}"  # the digits of the gates' messages (``got worse by 19.95``)


def improved(delta: float | None, inverted: bool) -> bool | None:
    """Whether a change of score is for the better (``None``: no change or unknown)."""
    if delta is None or delta == 0 or not math.isfinite(delta):
        return None
    return (delta < 0) if inverted else (delta > 0)


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


REMARK_LIMIT: Final = 1000
"""Characters of one remark in a report: enough for a whole reason (a gate not applied says why in full)."""


def remarks(report: EvaluationReport) -> list[str]:
    """What every report says besides the gates that failed, cleaned: a new test case version, each gate that was
    not applied (and why), and the report's notes. Each is said once, in these words, by every report."""
    lines = []
    if report.test_case_change:
        lines.append(f"warning: {report.test_case_change}; runs of earlier versions are not comparable with it")
    for agent, gate in report.gates_not_applied:
        lines.append(f"gate not applied: {agent.label}: {gate.name}: {gate.message}")
    lines += list(report.notes)
    return [truncate(line, REMARK_LIMIT) for line in lines]


def change_class(delta: float | None, inverted: bool) -> str:
    """The CSS class of a change: ``better``, ``worse`` or ``same``."""
    better = improved(delta, inverted)
    return "same" if better is None else ("better" if better else "worse")
