"""Workflow commands that put the gates on a GitHub Actions run's checks tab: ``::error`` for a failed gate,
``::warning`` for one that is not a pass (not applied, inconclusive, or any other outcome a gate may report).

Each command is one line, escaped as GitHub's runner expects: in the message ``%``, CR and LF become ``%25``,
``%0D`` and ``%0A``; in a property also ``:`` and ``,`` become ``%3A`` and ``%2C``. Text from the API (agent
and metric names, reasons) is cleaned of control characters first. GitHub shows at most 10 errors and 10
warnings per step, so at most that many of each are written, then a plain line counting the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Final

from ..reports._format import one_line, truncate
from ..reports.suites import SuitesDocument
from ..results import EvaluationReport, GateResult

__all__ = ["SHOWN_PER_LEVEL", "annotation", "escape_data", "escape_property", "gate_annotations", "in_github_actions"]

SHOWN_PER_LEVEL: Final = 10
"""GitHub keeps at most 10 error and 10 warning annotations of a step."""
_TITLE_LIMIT: Final = 200
_MESSAGE_LIMIT: Final = 2000


def in_github_actions(environ: Mapping[str, str]) -> bool:
    """True inside a GitHub Actions job (``GITHUB_ACTIONS=true``)."""
    return environ.get("GITHUB_ACTIONS", "").strip().lower() == "true"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, title: str, message: str) -> str:
    """One ``::error`` / ``::warning`` / ``::notice`` line."""
    title = truncate(title, _TITLE_LIMIT)
    return f"::{level} title={escape_property(title)}::{escape_data(truncate(message, _MESSAGE_LIMIT))}"


def _level(gate: GateResult) -> str | None:
    # Keyed on the gate's own status, so an outcome added later ("inconclusive") is a warning without a change here.
    if gate.status == "passed":
        return None
    return "error" if gate.status == "failed" else "warning"


def _gates(document: EvaluationReport | SuitesDocument) -> Iterator[tuple[str, str, str]]:
    """(level, title, message) of every gate that did not pass, and of every suite that could not run."""
    suites: Sequence[tuple[str, EvaluationReport | None, Exception | None]]
    if isinstance(document, EvaluationReport):
        suites = [("", document, None)]
    else:
        suites = [(s.name, s.report, s.error) for s in document.suites]
    for name, report, error in suites:
        prefix = f"{one_line(name)} / " if name else ""
        if report is None:
            why = "" if error is None else f"{type(error).__name__}: {error}"
            yield "error", f"gradient-evals: {prefix}could not run", one_line(why)
            continue
        for agent in report.agents:
            for gate in agent.gates:
                level = _level(gate)
                if level is not None:
                    title = f"gradient-evals: {prefix}{one_line(agent.label)}: {gate.status}"
                    yield level, title, one_line(f"{gate.name}: {gate.message}" if gate.message else gate.name)


def gate_annotations(document: EvaluationReport | SuitesDocument) -> list[str]:
    """The workflow command lines of ``document``'s gates: errors first, at most :data:`SHOWN_PER_LEVEL` of each."""
    found = list(_gates(document))
    lines: list[str] = []
    for level in ("error", "warning"):
        of_level = [(title, message) for lvl, title, message in found if lvl == level]
        lines += [annotation(level, title, message) for title, message in of_level[:SHOWN_PER_LEVEL]]
        if len(of_level) > SHOWN_PER_LEVEL:
            lines.append(f"gradient-evals: {len(of_level) - SHOWN_PER_LEVEL} more {level}s: see the job summary")
    return lines
