"""Agent versions as people name them: each run's ``agent_version_hash`` labelled with its version's name.

A run records only the hash of the agent configuration it ran against; the agent's versions
(``client.agents.iter_versions``) give each hash a name (``v3``). A hash no listed version has, or one of an
agent whose versions could not be read, is shown by its first 8 characters, so a label is always there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Protocol

import anyio

from .._exceptions import GradientEvalsError
from .._pagination import AsyncPager
from ..types import AgentVersion, AgentVersionsPage

__all__ = ["MAX_VERSIONS_PER_AGENT", "VersionLister", "version_label", "version_names"]

MAX_VERSIONS_PER_AGENT: Final = 500
"""Versions read per agent at most: labels for older hashes fall back to the hash's first characters."""


class VersionLister(Protocol):
    """Lists an agent's versions (``client.agents``)."""

    def iter_versions(self, agent_uuid: str) -> AsyncPager[AgentVersionsPage, AgentVersion]: ...


def version_label(version_hash: str | None, names: Mapping[str, str]) -> str | None:
    """The version's name when known, else the hash's first 8 characters; None without a hash."""
    if not version_hash:
        return None
    return names.get(version_hash) or version_hash[:8]


async def version_names(
    agents: VersionLister, agent_uuids: Iterable[str | None], *, seconds: float = 30.0
) -> dict[str, str]:
    """``version_hash -> name`` over the versions of each agent (at most :data:`MAX_VERSIONS_PER_AGENT` each),
    read within ``seconds`` in all. An agent whose versions cannot be read (gone, no permission) adds nothing."""
    names: dict[str, str] = {}
    with anyio.move_on_after(seconds):
        for agent_uuid in dict.fromkeys(a for a in agent_uuids if a):
            try:
                count = 0
                async for version in agents.iter_versions(agent_uuid):
                    if version.version_hash and version.name:
                        names.setdefault(version.version_hash, version.name)
                    count += 1
                    if count >= MAX_VERSIONS_PER_AGENT:
                        break
            except GradientEvalsError:
                continue
    return names
