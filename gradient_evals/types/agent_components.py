"""What an agent answers with, as ``client.agents`` sends it: its model (or model router), the template it was
made from, its knowledge bases and how it searches them, its guardrails and the functions it may call.

Part of the :class:`~gradient_evals.types.agents.Agent` model; a function's API key stays out of ``repr``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ._shared import JSONValue, UInt64Count

__all__ = [
    "AgentFunction",
    "AgentGuardrail",
    "AgentGuardrailType",
    "AgentKnowledgeBase",
    "AgentModel",
    "AgentModelProvider",
    "AgentModelRouter",
    "AgentModelVersion",
    "AgentRetrievalMethod",
    "AgentTemplate",
    "AgentTemplateType",
]


class AgentRetrievalMethod(StrEnum):
    """How an agent rewrites a query before searching its knowledge bases."""

    UNKNOWN = "RETRIEVAL_METHOD_UNKNOWN"
    REWRITE = "RETRIEVAL_METHOD_REWRITE"
    STEP_BACK = "RETRIEVAL_METHOD_STEP_BACK"
    SUB_QUERIES = "RETRIEVAL_METHOD_SUB_QUERIES"
    NONE = "RETRIEVAL_METHOD_NONE"


class AgentModelProvider(StrEnum):
    """Who serves a model."""

    DIGITALOCEAN = "MODEL_PROVIDER_DIGITALOCEAN"
    ANTHROPIC = "MODEL_PROVIDER_ANTHROPIC"
    OPENAI = "MODEL_PROVIDER_OPENAI"


class AgentGuardrailType(StrEnum):
    """What a guardrail guards against."""

    UNKNOWN = "GUARDRAIL_TYPE_UNKNOWN"
    JAILBREAK = "GUARDRAIL_TYPE_JAILBREAK"
    SENSITIVE_DATA = "GUARDRAIL_TYPE_SENSITIVE_DATA"
    CONTENT_MODERATION = "GUARDRAIL_TYPE_CONTENT_MODERATION"


class AgentTemplateType(StrEnum):
    """Whether an agent was made from a standard template or a one-click one."""

    STANDARD = "AGENT_TEMPLATE_TYPE_STANDARD"
    ONE_CLICK = "AGENT_TEMPLATE_TYPE_ONE_CLICK"


@attrs.frozen(kw_only=True)
class AgentModelVersion:
    """A model's version number."""

    major: int | None = None
    minor: int | None = None
    patch: int | None = None


@attrs.frozen(kw_only=True)
class AgentModel:
    """The model an agent (or a template) answers with.

    The catalog-only parts of the API's model (agreement, endpoints, modalities, playground settings, use cases)
    are left out: they describe the model catalog, not the agent under evaluation.
    """

    uuid: str | None = None
    name: str | None = None
    inference_name: str | None = None
    inference_version: str | None = None
    provider: AgentModelProvider | str | None = None
    type: str | None = None
    version: AgentModelVersion | None = None
    parent_uuid: str | None = None
    is_foundational: bool | None = None
    lifecycle_status: str | None = None
    context_window: UInt64Count | None = None
    parameter_count: float | None = None
    capabilities: tuple[str, ...] = ()
    reasoning_efforts: tuple[str, ...] = ()
    thinking: bool | None = None
    kb_default_chunk_size: int | None = None
    kb_min_chunk_size: int | None = None
    kb_max_chunk_size: int | None = None
    upload_complete: bool | None = None
    url: str | None = None
    metadata: JSONValue = None
    benchmark_score: JSONValue = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentModelRouter:
    """A model router: the models an agent's requests are routed among (its policies are kept as sent)."""

    uuid: str | None = None
    name: str | None = None
    description: str | None = None
    regions: tuple[str, ...] = ()
    config: JSONValue = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentKnowledgeBase:
    """A knowledge base attached to an agent or a template (its indexing jobs are left out)."""

    uuid: str | None = None
    name: str | None = None
    region: str | None = None
    project_id: str | None = None
    database_id: str | None = None
    embedding_model_uuid: str | None = None
    is_public: bool | None = None
    tags: tuple[str, ...] = ()
    user_id: str | None = None
    added_to_agent_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentTemplate:
    """The template an agent was made from."""

    uuid: str | None = None
    name: str | None = None
    template_type: AgentTemplateType | str | None = None
    summary: str | None = None
    short_description: str | None = None
    long_description: str | None = None
    description: str | None = None
    instruction: str | None = None
    model: AgentModel | None = None
    k: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    tags: tuple[str, ...] = ()
    guardrails: tuple[AgentGuardrail, ...] = ()  # uuid and priority
    knowledge_bases: tuple[AgentKnowledgeBase, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentGuardrail:
    """A guardrail and whether it is attached to the agent."""

    uuid: str | None = None
    guardrail_uuid: str | None = None
    agent_uuid: str | None = None
    name: str | None = None
    description: str | None = None
    type: AgentGuardrailType | str | None = None
    default_response: str | None = None
    is_attached: bool | None = None
    is_default: bool | None = None
    priority: int | None = None
    metadata: JSONValue = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class AgentFunction:
    """A function route of an agent (a serverless function it may call); its API key stays out of ``repr``."""

    uuid: str | None = None
    name: str | None = None
    description: str | None = None
    url: str | None = None
    faas_name: str | None = None
    faas_namespace: str | None = None
    input_schema: JSONValue = None
    output_schema: JSONValue = None
    api_key: str | None = attrs.field(default=None, repr=False)
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
