"""What every report says about repeats: per agent the group (K, finished, pass@K, pass^K, spreads, quarantined
prompts), and the flaky prompts, the highest flip rate first, each repeat's answer and score side by side.

Cleaned here (:func:`one_line`); each renderer escapes again for its format.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ..results import AgentResult, EvaluationReport, FlakyPrompt
from ._format import format_score, one_line

__all__ = ["FlakyRow", "flaky_rows", "repeat_remarks"]

FLAKY_SHOWN = 20
"""Flaky prompts a report lists at most (the worst first); the rest are counted."""


def _rates(rates: dict[str, float]) -> str:
    return ", ".join(f"{one_line(m)} {r:.0%}" for m, r in rates.items())


def _agent_remarks(agent: AgentResult) -> list[str]:
    group = agent.repeat_group
    if group is None:
        return []
    label = one_line(agent.label)
    lines = []
    if group.repeats > 1:
        finished = "" if group.complete else f" ({len(group.used)} finished)"
        lines.append(f"{label}: {group.repeats} repeats{finished}, averaged per prompt")
        if group.pass_at_k:
            lines.append(f"{label}: pass@{group.repeats} {_rates(dict(group.pass_at_k))}")
            lines.append(f"{label}: pass^{group.repeats} {_rates(dict(group.pass_all_k))}")
        if group.flaky:
            lines.append(f"{label}: {len(group.flaky)} flaky prompts")
        for spread in group.spreads.values():
            if spread.within is not None and spread.between is not None:
                lines.append(
                    f"{label}: {one_line(spread.metric)} spread {spread.within:.3g} within, "
                    f"{spread.between:.3g} between prompts"
                )
    if group.quarantined:
        lines.append(f"{label}: {group.quarantined} quarantined prompts evaluated and left out of every gate")
    return lines


def repeat_remarks(report: EvaluationReport) -> list[str]:
    """One line per agent with repeats or quarantined prompts (and one per metric's spreads)."""
    return [line for agent in report.agents for line in _agent_remarks(agent)]


@attrs.frozen(kw_only=True)
class FlakyRow:
    """A flaky prompt as the reports show it."""

    agent: str
    metric: str
    input: str
    flip_rate: str
    passes: str
    repeats: tuple[tuple[str, str, str], ...]
    """Each repeat's (run, score, answer), cleaned, the answer cut to ``answer_chars``."""
    quarantined: bool


def flaky_rows(
    report: EvaluationReport, *, limit: int = FLAKY_SHOWN, answer_chars: int = 200
) -> tuple[list[FlakyRow], int]:
    """The flaky prompts of every agent, the highest flip rate first, at most ``limit``; and how many in all."""
    found: list[tuple[AgentResult, FlakyPrompt]] = [(a, f) for a in report.agents for f in a.flaky]
    found.sort(key=lambda pair: -pair[1].flip_rate)
    return [_row(agent, flaky, answer_chars) for agent, flaky in found[:limit]], len(found)


def _score(value: float | str | None) -> str:
    return one_line(value) if isinstance(value, str) else format_score(value)


def _row(agent: AgentResult, flaky: FlakyPrompt, answer_chars: int) -> FlakyRow:
    repeats: Sequence[tuple[str, str, str]] = [
        (j.evaluation_run_uuid[:8], _score(j.value), one_line(j.output or "")[:answer_chars]) for j in flaky.judgements
    ]
    return FlakyRow(
        agent=one_line(agent.label),
        metric=one_line(flaky.metric),
        input=one_line(flaky.input or "")[:answer_chars],
        flip_rate=f"{flaky.flip_rate:.0%}",
        passes=f"{flaky.passes}/{flaky.runs}",
        repeats=tuple(repeats),
        quarantined=flaky.quarantined,
    )
