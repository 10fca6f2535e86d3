"""``/v2/gen-ai/evaluation_metrics``: the metric catalog (``stores/evaluation_metrics.py``)."""

from __future__ import annotations

from .._routes import Request, Response, Route, json_response
from .._state import EmulatorState

__all__ = ["ROUTES"]


def list_metrics(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/evaluation_metrics``."""
    return json_response({"metrics": state.metrics.listed()})


ROUTES = (Route("GET", "/v2/gen-ai/evaluation_metrics", list_metrics),)
