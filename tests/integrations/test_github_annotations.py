"""Workflow commands for the gates: escaped per GitHub's rules, one line each, errors and warnings bounded."""

from __future__ import annotations

import attrs
import pytest

from gradient_evals.integrations.github_annotations import (
    SHOWN_PER_LEVEL,
    annotation,
    escape_data,
    escape_property,
    gate_annotations,
)
from gradient_evals.results import EvaluationReport, GateResult


@attrs.frozen(kw_only=True)
class _InconclusiveGate(GateResult):
    """A gate outcome the report does not make yet (an interval straddling the margin)."""

    @property
    def status(self) -> str:
        return "inconclusive"


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def _parse(line: str) -> tuple[str, str, str]:
    """A workflow command line as the runner reads it: ``::level title=...::message``."""
    assert line.startswith("::")
    command, _, message = line[2:].partition("::")
    level, _, props = command.partition(" ")
    key, _, title = props.partition("=")
    assert key == "title"
    assert ":" not in title
    assert "," not in title
    return level, _unescape(title), _unescape(message)


def test_escaping_follows_githubs_rules() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"
    assert escape_data("%0A") == "%250A"  # an escape in the text stays text


def test_hostile_agent_names_and_messages_come_out_as_one_line_each(report: EvaluationReport) -> None:
    hostile = "bot%0A::set-output name=x::1\n::error::injected,\r\n100%"
    agent = attrs.evolve(
        report.agents[0],
        agent_name=hostile,
        gates=tuple(attrs.evolve(g, message=g.message and hostile) for g in report.agents[0].gates),
    )
    lines = gate_annotations(attrs.evolve(report, agents=(agent, report.agents[1])))
    assert len(lines) == 3  # agent A's three failed gates
    for line in lines:
        assert "\n" not in line
        assert "\r" not in line
        level, title, message = _parse(line)
        assert level == "error"
        assert title == "gradient-evals: bot%0A::set-output name=x::1 ::error::injected, 100%: failed"
        assert message.endswith(": bot%0A::set-output name=x::1 ::error::injected, 100%")


def test_failed_gates_are_errors_and_other_non_passes_warnings(report: EvaluationReport) -> None:
    a, b = report.agents
    not_applied = attrs.evolve(b.gates[-1], passed=True, applied=False, message="no baseline")
    inconclusive = _InconclusiveGate(kind="max_regression", name="correctness worsens by at most 5", passed=True)
    b = attrs.evolve(b, gates=(*b.gates, not_applied, inconclusive))
    levels = [_parse(line) for line in gate_annotations(attrs.evolve(report, agents=(a, b)))]
    assert [level for level, _, _ in levels] == ["error"] * 3 + ["warning"] * 2
    assert levels[3][1] == "gradient-evals: beta: not applied"
    assert levels[4][1] == "gradient-evals: beta: inconclusive"
    assert gate_annotations(attrs.evolve(report, agents=(report.agents[1],))) == []  # every gate passed


def test_at_most_ten_errors_then_a_count(report: EvaluationReport) -> None:
    lines = gate_annotations(attrs.evolve(report, agents=report.agents * 5))  # 15 failed gates
    assert sum(line.startswith("::error ") for line in lines) == SHOWN_PER_LEVEL
    assert lines[-1] == "gradient-evals: 5 more errors: see the job summary"


@pytest.mark.parametrize("level", ["error", "warning", "notice"])
def test_one_annotation_is_one_line(level: str) -> None:
    line = annotation(level, "t: a, b", "x\ny" * 5000)
    assert line.startswith(f"::{level} title=t%3A a%2C b::")
    assert "\n" not in line
    assert len(line) < 2200
