"""``/_emulator/...``: the emulator's own controls, beside the API and no part of it.

``PUT /_emulator/agents/{agent}/quality`` with ``{"quality": 40}`` sets the quality (0-100) of the runs created for
an agent (by UUID or name) from now on, as ``FakeGradientServer.set_agent_profile(agent, quality=40)`` does in
Python: the runs made before keep their scores, so a baseline made earlier stays what it was. It is how
``gradient-evals emulator-agent NAME=QUALITY`` makes an agent regress on a running emulator.
"""

from __future__ import annotations

import math

from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState

__all__ = ["ROUTES"]


def set_agent_quality(request: Request, state: EmulatorState) -> Response:
    """``PUT /_emulator/agents/{agent}/quality``: the agent's quality for the runs made from now on."""
    quality = request.json_object().get("quality")
    if isinstance(quality, bool) or not isinstance(quality, int | float) or not math.isfinite(quality):
        raise ApiError(400, "quality must be a number from 0 to 100.")
    if not 0 <= quality <= 100:
        raise ApiError(400, "quality must be a number from 0 to 100.")
    key = request.path_params["agent"]
    agent = state.agents.resolve(key)
    if agent is None:
        known = ", ".join(sorted(a.name for a in state.agents.all())) or "none"
        raise ApiError(404, f"No agent has the UUID or name {key[:100]!r} (its agents: {known[:300]}).")
    state.runs.set_profile(agent, quality=float(quality), metrics={}, final_status=None)
    return json_response({"agent_uuid": agent, "quality": quality})


ROUTES = (Route("PUT", "/_emulator/agents/{agent}/quality", set_agent_quality),)
