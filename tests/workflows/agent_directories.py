"""Agents listings for the resolver's tests: ``client.agents`` as the resolver sees it (``iter()``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from gradient_evals.types import Agent
from gradient_evals.workflows.agents import MAX_AGENTS


class EndlessDirectory:
    """An agents listing that never ends: a new agent every time, none of them the one asked for."""

    def __init__(self) -> None:
        self.listed = 0

    def iter(self) -> AsyncIterator[Agent]:
        return self._each()

    async def _each(self) -> AsyncIterator[Agent]:
        while True:
            self.listed += 1
            # Fails a resolver that does not stop, instead of letting it run until memory runs out.
            assert self.listed <= 2 * MAX_AGENTS, "the listing was followed past its bound"
            yield Agent(uuid=str(uuid.UUID(int=self.listed)), name=f"agent-{self.listed}")
