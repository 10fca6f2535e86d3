"""Agents by name: turn what people write (``"support-agent"``) into the UUIDs the API takes.

A UUID is used as it is (the API says whether it exists); anything else is a name, looked up among every agent
of the account through ``agents.iter()``, listed at most once per call. A name must match exactly one agent:
first exactly, else ignoring case. No match, or several, is an :class:`AgentNameError` listing the candidates
(name and UUID), raised before anything that needed the UUID is sent.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import AsyncIterable, Sequence
from typing import Final, Protocol

from .._exceptions import GradientEvalsError
from .._validation import check_uuid
from ..types import Agent

__all__ = ["AgentDirectory", "AgentNameError", "match_agent", "resolve_agent", "resolve_agents"]

_SHOWN: Final = 10
"""Candidates an error lists at most: an account may have hundreds of agents, a message should stay readable."""


class AgentDirectory(Protocol):
    """What resolving names needs of ``client.agents``: every agent, paged for us."""

    def iter(self) -> AsyncIterable[Agent]: ...


class AgentNameError(GradientEvalsError, ValueError):
    """An agent name matched no agent, or several: a usage error, raised before anything is sent.

    ``name`` is the name as given; ``candidates`` the agents it may have meant, as ``(name, uuid)`` pairs (the
    matches when it is ambiguous, the closest names when nothing matched).
    """

    def __init__(self, message: str, *, name: str, candidates: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.name = name
        self.candidates = tuple(candidates)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip().strip("\"'"))
    except ValueError:
        return False
    return True


def _listed(agents: Sequence[tuple[str, str]]) -> str:
    shown = ", ".join(f"{name!r} ({agent_uuid})" for name, agent_uuid in agents[:_SHOWN])
    more = len(agents) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def match_agent(named: Sequence[tuple[str, str]], name: str, argument: str) -> str:
    """The UUID of the one agent of ``named`` (``(name, uuid)`` pairs) called ``name``, else an AgentNameError."""
    wanted = name.strip()
    found = [pair for pair in named if pair[0] == wanted]
    if not found:
        key = wanted.casefold()
        found = [pair for pair in named if pair[0].casefold() == key]
    if len(found) == 1:
        return found[0][1]
    if found:
        raise AgentNameError(
            f"{argument}: {len(found)} agents are called {name!r}: {_listed(found)}; pass the UUID of the one meant",
            name=name,
            candidates=found,
        )
    by_key = {pair[0].casefold(): pair for pair in named}
    close = [by_key[key] for key in difflib.get_close_matches(wanted.casefold(), list(by_key), n=_SHOWN, cutoff=0.5)]
    hint = (
        f"close matches: {_listed(close)}" if close
        else f"the agents are: {_listed(list(named))}" if named
        else "the account has no agents"
    )
    raise AgentNameError(f"{argument}: no agent is called {name!r} ({hint})", name=name, candidates=close)


def _known_uuid(ref: object, where: str) -> str | None:
    """The UUID ``ref`` gives, ``None`` for a name; a typed error for anything else."""
    if isinstance(ref, uuid.UUID) or (isinstance(ref, str) and _is_uuid(ref)):
        return check_uuid(ref, where)
    if not isinstance(ref, str):
        raise TypeError(f"{where} must be an agent name or UUID, got {type(ref).__name__}")
    if not ref.strip():
        raise ValueError(f"{where}: an agent name must not be empty")
    return None


async def _named_agents(agents: AgentDirectory) -> list[tuple[str, str]]:
    # An agent without a name or a UUID cannot be what a name means: it is no candidate.
    return [(agent.name, agent.uuid) async for agent in agents.iter() if agent.name and agent.uuid]


async def resolve_agents(
    agents: AgentDirectory, refs: Sequence[str | uuid.UUID], *, argument: str = "agents"
) -> list[str]:
    """The UUIDs of ``refs`` (each a UUID or an agent's name), in order; the agents are listed once, if at all.

    ``agents`` is ``client.agents`` (or anything with its ``iter()``). Raises ``TypeError``/``ValueError`` for a
    ref that is neither a UUID nor a non-empty name, and :class:`AgentNameError` for a name that matches no agent
    or several, before listing anything when the refs are malformed.
    """
    if isinstance(refs, str | bytes) or not isinstance(refs, Sequence):
        raise TypeError(f"{argument} must be a list of agent names or UUIDs")
    resolved = [_known_uuid(ref, f"{argument}[{index}]") for index, ref in enumerate(refs)]
    if all(known is not None for known in resolved):
        return [known for known in resolved if known is not None]
    named = await _named_agents(agents)
    return [
        known if known is not None else match_agent(named, str(refs[index]), f"{argument}[{index}]")
        for index, known in enumerate(resolved)
    ]


async def resolve_agent(agents: AgentDirectory, ref: str | uuid.UUID, *, argument: str = "agent") -> str:
    """The UUID of one agent given by UUID or by name (see :func:`resolve_agents`)."""
    known = _known_uuid(ref, argument)
    if known is not None:
        return known
    return match_agent(await _named_agents(agents), str(ref), argument)
