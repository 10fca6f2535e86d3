"""``client.agents``: the agents evaluations run against, read only: ``list``, ``iter``, ``retrieve``, versions."""

from __future__ import annotations

import builtins
import uuid as _uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import ArgumentTypeError
from .._pagination import DEFAULT_PREFETCH, AsyncPager
from .._validation import check_positive_int, check_uuid, path_segment
from ..types import Agent, AgentsPage, AgentVersion, AgentVersionsPage
from ..typing import Timeout
from ..workflows.agent_versions import version_names
from ..workflows.agents import resolve_agent, resolve_agents
from ._base import AsyncResource, PageSize, SyncResource, blocking, blocking_iterator

if TYPE_CHECKING:
    from .._storage import StorageClient
    from .._transport import Transport

__all__ = ["AGENTS_PAGE_SIZE", "Agents", "AsyncAgents"]

_AGENTS = "/v2/gen-ai/agents"

AGENTS_PAGE_SIZE: Final = 200
"""Agents a page of :meth:`AsyncAgents.iter` asks for unless told otherwise (halved if the API refuses it)."""


def _listing_params(only_deployed: bool | None) -> dict[str, Any]:
    if only_deployed is None:
        return {}
    if not isinstance(only_deployed, bool):
        raise ArgumentTypeError(f"only_deployed must be True, False or None, got {type(only_deployed).__name__}")
    # Spelled as the query string carries it, so that a next link keeping the filter is recognised as such.
    return {"only_deployed": "true" if only_deployed else "false"}


def _versions_path(agent_uuid: str) -> str:
    return f"{_AGENTS}/{path_segment(check_uuid(agent_uuid, 'agent_uuid'))}/versions"


class AsyncAgents(AsyncResource):
    """The account's agents: ``list`` (one page), ``iter`` (every agent), ``retrieve`` (one, in full),
    ``list_versions``/``iter_versions`` (an agent's versions) and ``resolve``/``resolve_all`` (names to UUIDs)."""

    def __init__(self, transport: Transport, storage: StorageClient | None = None) -> None:
        super().__init__(transport, storage)
        self._page_size = PageSize(AGENTS_PAGE_SIZE)

    async def list(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        only_deployed: bool | None = None,
        timeout: Timeout = None,
    ) -> AgentsPage:
        """One page of agents (``page`` from 1; the server's default size unless ``per_page``).

        ``only_deployed=True`` lists deployed agents only. To read every agent, use :meth:`iter`.
        """
        params = _listing_params(only_deployed)
        if page is not None:
            params["page"] = check_positive_int(page, "page")
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        return await self._get(_AGENTS, AgentsPage, params=params, timeout=timeout)

    def iter(
        self,
        *,
        per_page: int | None = None,
        only_deployed: bool | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
    ) -> AsyncPager[AgentsPage, Agent]:
        """Every agent, fetched page by page as the loop asks: ``async for agent in client.agents.iter(): ...``.

        An agent already yielded (by UUID) is not yielded again; ``.pages()`` yields whole :class:`AgentsPage`
        objects. Without ``per_page``, pages are as large as the API accepts.
        """
        params = _listing_params(only_deployed)
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        return self._paginate(
            _AGENTS,
            AgentsPage,
            items="agents",
            key="uuid",
            params=params,
            page_size=self._page_size if per_page is None else None,
            prefetch=check_positive_int(prefetch, "prefetch"),
            timeout=timeout,
            what="agents page",
        )

    async def retrieve(self, uuid: str, *, timeout: Timeout = None) -> Agent:
        """One agent in full: its deployment, model, keys (kept out of ``repr``), guardrails and the rest."""
        path = f"{_AGENTS}/{path_segment(check_uuid(uuid, 'uuid'))}"
        return await self._get(path, Agent, key="agent", timeout=timeout)

    async def list_versions(
        self, agent_uuid: str, *, page: int | None = None, per_page: int | None = None, timeout: Timeout = None
    ) -> AgentVersionsPage:
        """One page of an agent's versions (``page`` from 1); each ``version_hash`` is what a run's
        ``agent_version_hash`` names. To read every version, use :meth:`iter_versions`."""
        params: dict[str, Any] = {}
        if page is not None:
            params["page"] = check_positive_int(page, "page")
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        return await self._get(_versions_path(agent_uuid), AgentVersionsPage, params=params, timeout=timeout)

    def iter_versions(
        self,
        agent_uuid: str,
        *,
        per_page: int | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
    ) -> AsyncPager[AgentVersionsPage, AgentVersion]:
        """Every version of an agent, page by page: ``async for version in client.agents.iter_versions(uuid)``."""
        params = {} if per_page is None else {"per_page": check_positive_int(per_page, "per_page")}
        return self._paginate(
            _versions_path(agent_uuid),
            AgentVersionsPage,
            items="agent_versions",
            key="version_hash",
            params=params,
            prefetch=check_positive_int(prefetch, "prefetch"),
            timeout=timeout,
            what="agent versions page",
        )

    async def version_names(self, agent_uuids: Sequence[str]) -> dict[str, str]:
        """``version_hash -> version name`` over the versions of these agents: what labels a run's
        ``agent_version_hash``. An agent whose versions cannot be read adds nothing (its runs' labels fall back
        to the hash's first 8 characters)."""
        if isinstance(agent_uuids, str):
            raise ArgumentTypeError("agent_uuids must be a list of agent UUIDs, not one string")
        return await version_names(self, [check_uuid(a, "agent_uuids") for a in agent_uuids])

    async def resolve(self, agent: str | _uuid.UUID) -> str:
        """The UUID of an agent given by UUID (used as is) or by name (looked up with :meth:`iter`).

        A name that matches no agent, or several, raises :class:`~gradient_evals.workflows.agents.AgentNameError`
        listing the candidates (name and UUID).
        """
        return await resolve_agent(self, agent)

    async def resolve_all(self, agents: Sequence[str | _uuid.UUID]) -> builtins.list[str]:
        """The UUIDs of several agents (see :meth:`resolve`), in order; the agents are listed at most once."""
        return await resolve_agents(self, agents)


class Agents(SyncResource[AsyncAgents]):
    """The account's agents, blocking: the same methods as :class:`AsyncAgents`."""

    list = blocking(AsyncAgents.list)
    iter = blocking_iterator(AsyncAgents.iter)
    retrieve = blocking(AsyncAgents.retrieve)
    list_versions = blocking(AsyncAgents.list_versions)
    iter_versions = blocking_iterator(AsyncAgents.iter_versions)
    version_names = blocking(AsyncAgents.version_names)
    resolve = blocking(AsyncAgents.resolve)
    resolve_all = blocking(AsyncAgents.resolve_all)
