"""Agents by name: turn what people write (``"support-agent"``) into the UUIDs the API takes.

A UUID is used as it is (the API says whether it exists); anything else is a name, looked up among every agent
of the account through ``agents.iter()``, listed at most once per call and at most :data:`MAX_AGENTS` agents far
(a listing that goes on past it is a :class:`~gradient_evals.PaginationError`: what it holds stays bounded). A name
must match exactly one agent: first exactly, else ignoring case. No match, or several, is an
:class:`AgentNameError` listing the candidates (name and UUID), raised before anything that needed the UUID is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Sequence
from typing import Final, Protocol

from .._exceptions import ArgumentTypeError, PaginationError
from ..types import Agent
from ._names import NameMatchError, known_uuid, match_name

__all__ = ["MAX_AGENTS", "AgentDirectory", "AgentNameError", "match_agent", "resolve_agent", "resolve_agents"]

MAX_AGENTS: Final = 10_000
"""Agents a name is looked up among at most: an account has far fewer; a listing that goes on is not followed."""


class AgentDirectory(Protocol):
    """What resolving names needs of ``client.agents``: every agent, paged for us."""

    def iter(self) -> AsyncIterable[Agent]: ...


class AgentNameError(NameMatchError):
    """An agent name matched no agent, or several: a usage error, raised before anything is sent.

    ``name`` is the name as given; ``candidates`` the agents it may have meant, as ``(name, uuid)`` pairs (the
    matches when it is ambiguous, the closest names when nothing matched).
    """


def match_agent(named: Sequence[tuple[str, str]], name: str, argument: str) -> str:
    """The UUID of the one agent of ``named`` (``(name, uuid)`` pairs) called ``name``, else an AgentNameError."""
    return match_name(named, name, argument, kind="agent", error=AgentNameError)


def _known_uuid(ref: object, where: str) -> str | None:
    return known_uuid(ref, where, "agent")


async def _named_agents(agents: AgentDirectory) -> list[tuple[str, str]]:
    named: list[tuple[str, str]] = []
    listed = 0
    async for agent in agents.iter():
        listed += 1
        if listed > MAX_AGENTS:
            raise PaginationError(
                f"the agents listing went on past {MAX_AGENTS:,} agents: names are not looked up in it;"
                " give the agents' UUIDs"
            )
        # An agent without a name or a UUID cannot be what a name means: it is no candidate.
        if agent.name and agent.uuid:
            named.append((agent.name, agent.uuid))
    return named


async def resolve_agents(
    agents: AgentDirectory, refs: Sequence[str | uuid.UUID], *, argument: str = "agents"
) -> list[str]:
    """The UUIDs of ``refs`` (each a UUID or an agent's name), in order; the agents are listed once, if at all.

    ``agents`` is ``client.agents`` (or anything with its ``iter()``). Raises ``TypeError``/``ValueError`` for a
    ref that is neither a UUID nor a non-empty name, and :class:`AgentNameError` for a name that matches no agent
    or several, before listing anything when the refs are malformed.
    """
    if isinstance(refs, str | bytes) or not isinstance(refs, Sequence):
        raise ArgumentTypeError(f"{argument} must be a list of agent names or UUIDs")
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
