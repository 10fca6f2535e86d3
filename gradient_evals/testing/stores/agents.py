"""The emulator's agents: the agents runs are made for, by uuid, with the names their runs report.

The emulator learns an agent when a run is made for it (seeded or through the API) or when a test seeds one; an
agent it has not been told the name of is named from its uuid (``support-agent-3f2a``), the name its runs carry.
"""

from __future__ import annotations

import hashlib
import uuid as uuid_lib
from dataclasses import dataclass

from ..._exceptions import InvalidArgumentError
from .._records import rng_uuid
from ._shared import Draws, check_new_id

__all__ = ["DEPLOYMENT_STATUSES", "EXAMPLE_AGENT_NAMES", "AgentRecord", "AgentStore", "default_agent_name"]

EXAMPLE_AGENT_NAMES = ("support-agent", "billing-helper")
"""The agents every example names: `gradient-evals emulator` and `demo` serve agents of these names, `init`'s
config and the docs use them, so each example runs as written against the emulator."""
_AGENT_NAMES = (*EXAMPLE_AGENT_NAMES, "docs-rag-agent", "triage-bot")
_REGIONS = ("tor1", "nyc3", "sfo3", "ams3")
DEPLOYMENT_STATUSES = (
    "STATUS_UNKNOWN",
    "STATUS_WAITING_FOR_DEPLOYMENT",
    "STATUS_DEPLOYING",
    "STATUS_RUNNING",
    "STATUS_FAILED",
    "STATUS_WAITING_FOR_UNDEPLOYMENT",
    "STATUS_UNDEPLOYING",
    "STATUS_UNDEPLOYMENT_FAILED",
    "STATUS_DELETED",
    "STATUS_BUILDING",
)


def _digest(agent_uuid: str) -> bytes:
    return hashlib.blake2b(agent_uuid.encode("utf-8"), digest_size=16).digest()


def default_agent_name(agent_uuid: str) -> str:
    """The name of an agent nobody named: a pure function of its uuid (any string, placeholders too)."""
    head = agent_uuid[:8]
    try:
        pick = int(head, 16) if len(head) == 8 else None
    except ValueError:
        pick = None
    if pick is None:  # not a hex uuid ("example string"): still a stable pick
        pick = int.from_bytes(_digest(agent_uuid)[:4], "big")
    return f"{_AGENT_NAMES[pick % len(_AGENT_NAMES)]}-{agent_uuid[:4]}"


@dataclass
class AgentRecord:
    """One agent: what the API's agent objects show of it."""

    uuid: str
    name: str
    description: str
    region: str
    deployment_status: str
    created_ns: int
    project_id: str


class AgentStore:
    """Agents by uuid, in the order the emulator learnt of them."""

    def __init__(self, draws: Draws) -> None:
        self._draws = draws
        self._records: dict[str, AgentRecord] = {}

    def _record(self, agent_uuid: str, name: str | None, description: str | None, status: str) -> AgentRecord:
        d = _digest(agent_uuid)
        created_s = 1_704_067_200 + int.from_bytes(d[4:8], "big") % (365 * 86400)  # some moment of 2024
        return AgentRecord(
            uuid=agent_uuid,
            name=default_agent_name(agent_uuid) if name is None else name,
            description="Answers customer questions about the product." if description is None else description,
            region=_REGIONS[d[8] % len(_REGIONS)],
            deployment_status=status,
            created_ns=created_s * 1_000_000_000,
            project_id=str(uuid_lib.UUID(bytes=d, version=4)),
        )

    def add(
        self,
        *,
        uuid: str | None,
        name: str | None,
        description: str | None = None,
        deployment_status: str = "STATUS_RUNNING",
    ) -> str:
        """Seed an agent (a new uuid drawn when none is given); returns its uuid."""
        if deployment_status not in DEPLOYMENT_STATUSES:
            raise InvalidArgumentError(f"unknown deployment status {deployment_status!r}")
        if name is not None and (not isinstance(name, str) or not name):
            raise InvalidArgumentError("an agent name is a non-empty string")
        with self._draws.lock:
            agent_uuid = rng_uuid(self._draws.rng) if uuid is None else check_new_id(uuid, self._records, "agent")
            self._records[agent_uuid] = self._record(agent_uuid, name, description, deployment_status)
            return agent_uuid

    def learn(self, agent_uuid: str) -> AgentRecord:
        """The agent with this uuid, made known (with its default name, deployed) if it was not."""
        with self._draws.lock:
            found = self._records.get(agent_uuid)
            if found is None:
                found = self._records[agent_uuid] = self._record(agent_uuid, None, None, "STATUS_RUNNING")
            return found

    def rename(self, agent_uuid: str, name: str) -> None:
        """Give an agent a name (its future runs carry it); an unknown agent becomes known."""
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError("an agent name is a non-empty string")
        with self._draws.lock:
            self.learn(agent_uuid).name = name

    def find(self, agent_uuid: str) -> AgentRecord | None:
        """The agent, or None when the emulator knows none with that uuid."""
        with self._draws.lock:
            return self._records.get(agent_uuid)

    def resolve(self, key: str) -> str | None:
        """The uuid of the agent with this uuid (any case) or this exact name; None when none or several match."""
        with self._draws.lock:
            if key.lower() in self._records:
                return key.lower()
            named = [a.uuid for a in self._records.values() if a.name == key]
            return named[0] if len(named) == 1 else None

    def all(self) -> list[AgentRecord]:
        """Every known agent, in the order the emulator learnt of them."""
        with self._draws.lock:
            return list(self._records.values())
