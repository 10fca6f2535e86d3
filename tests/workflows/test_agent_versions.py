"""Agent version labels: a hash named by the agent's versions, else shown by its first 8 characters; an agent
whose versions cannot be read, or a listing that never ends, costs at most its bound."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gradient_evals import NotFoundError
from gradient_evals.types import AgentVersion
from gradient_evals.workflows.agent_versions import MAX_VERSIONS_PER_AGENT, version_label, version_names

pytestmark = pytest.mark.anyio

GOOD = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
GONE = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
ENDLESS = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"


class _Versions:
    def __init__(self) -> None:
        self.read = 0

    def iter_versions(self, agent_uuid: str) -> Any:
        async def versions() -> AsyncIterator[AgentVersion]:
            if agent_uuid == GONE:
                raise NotFoundError("GET .../versions returned 404", status_code=404)
            if agent_uuid == ENDLESS:
                number = 0
                while True:
                    number += 1
                    self.read += 1
                    yield AgentVersion(version_hash=f"{number:040x}", name=f"e{number}")
            yield AgentVersion(version_hash="a" * 40, name="v2")
            yield AgentVersion(version_hash="b" * 40, name="v1")
            yield AgentVersion(version_hash="c" * 40)  # no name: not a label

        return versions()


async def test_names_come_from_the_versions_and_a_failing_agent_adds_none() -> None:
    names = await version_names(_Versions(), [GOOD, GONE, None, GOOD])
    assert names == {"a" * 40: "v2", "b" * 40: "v1"}
    assert version_label("a" * 40, names) == "v2"
    assert version_label("c" * 40, names) == "cccccccc"
    assert version_label("0123456789abcdef", {}) == "01234567"
    assert version_label(None, names) is None


async def test_an_endless_listing_stops_at_the_bound() -> None:
    lister = _Versions()
    names = await version_names(lister, [ENDLESS])
    assert len(names) == MAX_VERSIONS_PER_AGENT
    assert lister.read == MAX_VERSIONS_PER_AGENT
