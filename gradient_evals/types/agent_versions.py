"""Models of ``client.agents.list_versions``: the versions of an agent's configuration.

A version's ``version_hash`` is what an evaluation run's ``agent_version_hash`` names, so a run can be traced
to the configuration (model, instruction, knowledge bases...) it ran against.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._shared import PageLinks, PageMeta
from .agent_components import AgentRetrievalMethod

__all__ = [
    "AgentChildVersion",
    "AgentFunctionVersion",
    "AgentGuardrailVersion",
    "AgentKnowledgeBaseVersion",
    "AgentVersion",
    "AgentVersionsPage",
]


@attrs.frozen(kw_only=True)
class AgentChildVersion:
    """A child agent routed to by a version."""

    child_agent_uuid: str | None = None
    agent_name: str | None = None
    route_name: str | None = None
    if_case: str | None = None
    is_deleted: bool | None = None


@attrs.frozen(kw_only=True)
class AgentFunctionVersion:
    """A function (serverless) a version could call."""

    name: str | None = None
    description: str | None = None
    faas_name: str | None = None
    faas_namespace: str | None = None
    is_deleted: bool | None = None


@attrs.frozen(kw_only=True)
class AgentGuardrailVersion:
    """A guardrail attached to a version."""

    uuid: str | None = None
    name: str | None = None
    priority: int | None = None
    is_deleted: bool | None = None


@attrs.frozen(kw_only=True)
class AgentKnowledgeBaseVersion:
    """A knowledge base attached to a version."""

    uuid: str | None = None
    name: str | None = None
    is_deleted: bool | None = None


@attrs.frozen(kw_only=True)
class AgentVersion:
    """One version of an agent: its settings when it was made, and whether it is the one applied now.

    ``id`` is a 64-bit identifier the API sends as a string; it stays one.
    """

    id: str | None = None
    agent_uuid: str | None = None
    version_hash: str | None = None
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    created_by_email: str | None = None
    currently_applied: bool | None = None
    can_rollback: bool | None = None
    trigger_action: str | None = None
    model_name: str | None = None
    instruction: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    k: int | None = None
    provide_citations: bool | None = None
    retrieval_method: AgentRetrievalMethod | str | None = None
    tags: tuple[str, ...] = ()
    attached_child_agents: tuple[AgentChildVersion, ...] = ()
    attached_functions: tuple[AgentFunctionVersion, ...] = ()
    attached_guardrails: tuple[AgentGuardrailVersion, ...] = ()
    attached_knowledgebases: tuple[AgentKnowledgeBaseVersion, ...] = ()


@attrs.frozen(kw_only=True)
class AgentVersionsPage:
    """One page of ``GET /v2/gen-ai/agents/{uuid}/versions``."""

    agent_versions: tuple[AgentVersion, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)
