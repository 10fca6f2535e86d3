"""``/v2/gen-ai/agents/{uuid}/versions``: an agent's versions, paged. The emulator's agent has one version per
``agent_version_hash`` its runs carry (in the order the runs were made), so a run's hash always names a version;
an agent with no run has one version."""

from __future__ import annotations

import hashlib
from typing import Any

from .._records import format_timestamp
from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ._paging import page_of

__all__ = ["ROUTES"]


def _versions(state: EmulatorState, agent_uuid: str) -> list[dict[str, Any]]:
    agent = state.agents.find(agent_uuid)
    if agent is None:
        raise ApiError(404, "The agent could not be found.")
    seen: dict[str, int] = {}
    for run_uuid in state.runs.uuids():
        run = state.runs.get(run_uuid)
        if run.agent_uuid == agent_uuid and run.agent_version_hash not in seen:
            seen[run.agent_version_hash] = run.queued_ns
    if not seen:
        seen[hashlib.sha1(agent_uuid.encode()).hexdigest()] = agent.created_ns  # noqa: S324 - an id, not security
    versions = []
    for number, (version_hash, made_ns) in enumerate(seen.items(), start=1):
        versions.append(
            {
                "id": str(number),
                "agent_uuid": agent_uuid,
                "version_hash": version_hash,
                "name": f"v{number}",
                "description": f"{agent.name} version {number}",
                "created_at": format_timestamp(made_ns),
                "created_by_email": "dev@example.com",
                "currently_applied": number == len(seen),
                "can_rollback": number < len(seen),
                "model_name": "llama3.3-70b-instruct",
                "trigger_action": "update",
                "tags": [],
            }
        )
    versions.reverse()  # the newest first, as the API lists them
    return versions


def list_versions(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/agents/{uuid}/versions[?page=&per_page=]``."""
    versions = _versions(state, request.path_params["uuid"])
    page = page_of(request, state, len(versions))
    return json_response({"agent_versions": versions[page.start : page.stop], "links": page.links, "meta": page.meta})


ROUTES = (Route("GET", "/v2/gen-ai/agents/{uuid}/versions", list_versions),)
