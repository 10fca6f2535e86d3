"""``/v2/gen-ai/model_evaluation_metrics``: the metrics model evaluations score with
(``stores/model_evaluation_metrics.py``)."""

from __future__ import annotations

from .._routes import Request, Response, Route, json_response
from .._state import EmulatorState
from ..stores.model_evaluation_metrics import ModelMetricStore

__all__ = ["ROUTES"]


def list_model_metrics(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/model_evaluation_metrics``: the whole catalog (the API does not page it)."""
    return json_response({"metrics": state.store(ModelMetricStore).all()})


ROUTES = (Route("GET", "/v2/gen-ai/model_evaluation_metrics", list_model_metrics),)
