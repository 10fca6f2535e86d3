"""Models of ``client.agents``: the agents an evaluation runs against, as ``GET /v2/gen-ai/agents`` sends them.

A listing sends each agent's public configuration (``apiAgentPublic``); a retrieve sends the whole agent
(``apiAgent``), a superset. Both become an :class:`Agent`: the fields a listing leaves out are ``None`` or empty.
Fields that hold credentials (API keys, secret keys, MCP server authorization and headers) are kept out of
``repr`` so that a logged agent does not leak them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from ._shared import PageLinks, PageMeta
from .agent_components import (
    AgentFunction,
    AgentGuardrail,
    AgentKnowledgeBase,
    AgentModel,
    AgentModelProvider,
    AgentModelRouter,
    AgentRetrievalMethod,
    AgentTemplate,
)
from .evaluation_test_cases import EvaluationTestCase

__all__ = [
    "Agent",
    "AgentApiKey",
    "AgentApiKeyInfo",
    "AgentChatbot",
    "AgentChatbotIdentifier",
    "AgentDeployment",
    "AgentDeploymentStatus",
    "AgentDeploymentVisibility",
    "AgentLoggingConfig",
    "AgentMcpServer",
    "AgentProviderKeyInfo",
    "AgentWorkspace",
    "AgentsPage",
]


class AgentDeploymentStatus(StrEnum):
    """Where an agent's deployment stands; ``RUNNING`` is the one an evaluation can reach."""

    UNKNOWN = "STATUS_UNKNOWN"
    WAITING_FOR_DEPLOYMENT = "STATUS_WAITING_FOR_DEPLOYMENT"
    DEPLOYING = "STATUS_DEPLOYING"
    RUNNING = "STATUS_RUNNING"
    FAILED = "STATUS_FAILED"
    WAITING_FOR_UNDEPLOYMENT = "STATUS_WAITING_FOR_UNDEPLOYMENT"
    UNDEPLOYING = "STATUS_UNDEPLOYING"
    UNDEPLOYMENT_FAILED = "STATUS_UNDEPLOYMENT_FAILED"
    DELETED = "STATUS_DELETED"
    BUILDING = "STATUS_BUILDING"


class AgentDeploymentVisibility(StrEnum):
    """Who may call a deployed agent."""

    UNKNOWN = "VISIBILITY_UNKNOWN"
    DISABLED = "VISIBILITY_DISABLED"
    PLAYGROUND = "VISIBILITY_PLAYGROUND"
    PUBLIC = "VISIBILITY_PUBLIC"
    PRIVATE = "VISIBILITY_PRIVATE"


@attrs.frozen(kw_only=True)
class AgentDeployment:
    """An agent's deployment: where it answers and whether it is up."""

    uuid: str | None = None
    name: str | None = None
    url: str | None = None
    status: AgentDeploymentStatus | str | None = None
    visibility: AgentDeploymentVisibility | str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentChatbot:
    """The look of an agent's embeddable chatbot."""

    name: str | None = None
    logo: str | None = None
    starting_message: str | None = None
    primary_color: str | None = None
    secondary_color: str | None = None
    button_background_color: str | None = None
    allowed_domains: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class AgentChatbotIdentifier:
    """One identifier of an agent's chatbot."""

    agent_chatbot_identifier: str | None = None


@attrs.frozen(kw_only=True)
class AgentMcpServer:
    """A remote MCP server an agent may call; its authorization and headers stay out of ``repr``."""

    server_label: str | None = None
    server_url: str | None = None
    allowed_tools: tuple[str, ...] = ()
    authorization: str | None = attrs.field(default=None, repr=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class AgentApiKey:
    """An agent API key (the key itself stays out of ``repr``)."""

    api_key: str | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class AgentApiKeyInfo:
    """About one of an agent's API keys; the secret stays out of ``repr``."""

    uuid: str | None = None
    name: str | None = None
    secret_key: str | None = attrs.field(default=None, repr=False)
    created_by: str | None = None
    created_at: datetime | None = None
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentProviderKeyInfo:
    """About an agent's key for a model provider (the API's Anthropic, OpenAI and provider key infos in one: ``uuid``
    or ``api_key_uuid`` names the key, as each schema does). The key itself is never sent."""

    uuid: str | None = None
    api_key_uuid: str | None = None
    name: str | None = None
    provider: AgentModelProvider | str | None = None
    models: tuple[AgentModel, ...] = ()
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentLoggingConfig:
    """Where an agent's traces and insights go."""

    galileo_project_id: str | None = None
    galileo_project_name: str | None = None
    log_stream_id: str | None = None
    log_stream_name: str | None = None
    insights_enabled: bool | None = None
    insights_enabled_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentWorkspace:
    """The workspace an agent belongs to, with its agents and evaluation test cases."""

    uuid: str | None = None
    name: str | None = None
    description: str | None = None
    agents: tuple[Agent, ...] = ()
    evaluation_test_cases: tuple[EvaluationTestCase, ...] = ()
    created_by: str | None = None
    created_by_email: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Agent:
    """A GenAI agent: what an evaluation run is made against, by ``uuid`` (or by its deployment's name).

    ``name`` is what people call it; :func:`gradient_evals.workflows.agents.resolve_agent` turns a name into the
    UUID. A listing fills the public configuration; :meth:`~gradient_evals.resources.agents.AsyncAgents.retrieve`
    adds the rest (keys, functions, guardrails, knowledge bases, parents and children, workspace).
    """

    uuid: str | None = None
    name: str | None = None
    description: str | None = None
    region: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    deployment: AgentDeployment | None = None
    model: AgentModel | None = None
    model_router: AgentModelRouter | None = None
    template: AgentTemplate | None = None
    instruction: str | None = None
    if_case: str | None = None
    k: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    reasoning_effort: str | None = None
    thinking_token_budget: int | None = None
    provide_citations: bool | None = None
    retrieval_method: AgentRetrievalMethod | str | None = None
    web_search_enabled: bool | None = None
    web_fetch_enabled: bool | None = None
    conversation_logs_enabled: bool | None = None
    version_hash: str | None = None
    route_uuid: str | None = None
    route_name: str | None = None
    route_created_by: str | None = None
    route_created_at: datetime | None = None
    chatbot: AgentChatbot | None = None
    chatbot_identifiers: tuple[AgentChatbotIdentifier, ...] = ()
    mcp_servers: tuple[AgentMcpServer, ...] = ()
    # Sent by a retrieve only:
    api_keys: tuple[AgentApiKey, ...] = ()
    api_key_infos: tuple[AgentApiKeyInfo, ...] = ()
    anthropic_api_key: AgentProviderKeyInfo | None = None
    openai_api_key: AgentProviderKeyInfo | None = None
    model_provider_key: AgentProviderKeyInfo | None = None
    functions: tuple[AgentFunction, ...] = ()
    guardrails: tuple[AgentGuardrail, ...] = ()
    knowledge_bases: tuple[AgentKnowledgeBase, ...] = ()
    logging_config: AgentLoggingConfig | None = None
    child_agents: tuple[Agent, ...] = ()
    parent_agents: tuple[Agent, ...] = ()
    workspace: AgentWorkspace | None = None
    vpc_uuid: str | None = None
    vpc_egress_ips: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_deployed(self) -> bool:
        """True when the agent's deployment reports that it is running."""
        return self.deployment is not None and self.deployment.status == AgentDeploymentStatus.RUNNING


@attrs.frozen(kw_only=True)
class AgentsPage:
    """One page of ``GET /v2/gen-ai/agents``; ``meta`` and ``links`` are always objects."""

    agents: tuple[Agent, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)
