"""``/v2/gen-ai/agents``: the agents the emulator knows (``stores/agents.py``), listed and read.

The list is paged by ``page_of`` and answers with ``apiAgentPublic`` objects; one agent reads back as an
``apiAgent`` object; both carry the names the agents' runs report.
"""

from __future__ import annotations

from typing import Any

from .._records import format_timestamp
from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ..stores.agents import AgentRecord
from ._paging import page_of

__all__ = ["ROUTES"]

_AGENTS = "/v2/gen-ai/agents"
_TRUE = ("true", "1")
_FALSE = ("false", "0", "")


def _only_deployed(query: dict[str, str]) -> bool:
    raw = query.get("only_deployed", "").lower()
    if raw not in _TRUE + _FALSE:
        raise ApiError(400, "only_deployed must be true or false.")
    return raw in _TRUE


def _agent_json(agent: AgentRecord) -> dict[str, Any]:
    created = format_timestamp(agent.created_ns)
    return {
        "uuid": agent.uuid,
        "name": agent.name,
        "description": agent.description,
        "region": agent.region,
        "project_id": agent.project_id,
        "created_at": created,
        "updated_at": created,
        "deployment": {
            "uuid": agent.uuid,
            "name": agent.name,
            "status": agent.deployment_status,
            "visibility": "VISIBILITY_PRIVATE",
            "url": f"https://agents.example.com/{agent.uuid}",
            "created_at": created,
            "updated_at": created,
        },
        "tags": [],
    }


def list_agents(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/agents[?only_deployed=&page=&per_page=]``: the known agents, oldest first."""
    agents = state.agents.all()
    if _only_deployed(request.query):
        agents = [a for a in agents if a.deployment_status == "STATUS_RUNNING"]
    page = page_of(request, state, len(agents), carry=("only_deployed",))
    return json_response(
        {
            "agents": [_agent_json(a) for a in agents[page.start : page.stop]],
            "links": page.links,
            "meta": page.meta,
        }
    )


def retrieve_agent(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/agents/{uuid}``."""
    agent = state.agents.find(request.path_params["uuid"])
    if agent is None:
        raise ApiError(404, "The agent could not be found.")
    return json_response({"agent": _agent_json(agent)})


ROUTES = (
    Route("GET", _AGENTS, list_agents),
    Route("GET", _AGENTS + "/{uuid}", retrieve_agent),
)
