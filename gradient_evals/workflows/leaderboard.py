"""The leaderboard of an evaluation: the agents ranked on the star metric, best first."""

from __future__ import annotations

from collections.abc import Sequence

from .evaluate_results import AgentResult, LeaderboardEntry

__all__ = ["leaderboard"]


def leaderboard(agents: Sequence[AgentResult], star: str | None, inverted: bool) -> tuple[LeaderboardEntry, ...]:
    """The agents ranked on ``star`` (lowest first when ``inverted``); agents without a score last; equal scores
    share a rank."""
    if star is None:
        return ()

    def score(agent: AgentResult) -> float | None:
        found = None if agent.summary is None else agent.summary.metric(star)
        return None if found is None else found.score

    def delta(agent: AgentResult) -> float | None:
        found = None if agent.comparison is None else agent.comparison.metrics.get(star)
        return None if found is None else found.delta

    scored = [(score(a), a) for a in agents]
    # Best first; agents without a score last, in their original order.
    ordered = sorted(
        scored, key=lambda pair: (pair[0] is None, 0.0 if pair[0] is None else (pair[0] if inverted else -pair[0]))
    )
    entries = []
    previous: float | None = None
    rank = 0
    for position, (value, agent) in enumerate(ordered, start=1):
        if value is None or value != previous:
            rank = position  # equal scores share a rank ("1, 1, 3")
        previous = value
        entries.append(
            LeaderboardEntry(
                rank=rank,
                label=agent.label,
                evaluation_run_uuid=agent.evaluation_run_uuid,
                score=value,
                delta=delta(agent),
                passed=agent.passed,
            )
        )
    return tuple(entries)
