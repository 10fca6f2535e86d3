"""``/v2/gen-ai/custom_evaluation_metrics``: create, update (a new UUID each time) and delete custom metrics."""

from __future__ import annotations

from typing import Any

from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ..stores.custom_evaluation_metrics import is_live
from ..stores.evaluation_metrics import MetricStore

__all__ = ["ROUTES"]

_CUSTOM = "/v2/gen-ai/custom_evaluation_metrics"


def _text(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string.")
    return value


def _config(body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    raw = body.get("config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ApiError(400, "config must be an object.")
    prompt = raw.get("scoring_prompt", None if old is None else old.get("scoring_prompt"))
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "config.scoring_prompt is required.")
    truth = raw.get("requires_ground_truth", False if old is None else old.get("requires_ground_truth", False))
    if not isinstance(truth, bool):
        raise ApiError(400, "config.requires_ground_truth must be a boolean.")
    return {"scoring_prompt": prompt, "requires_ground_truth": truth}


def _name_taken(catalog: MetricStore, name: str, except_uuid: str | None) -> bool:
    key = name.strip().casefold()
    return any(m["metric_name"].strip().casefold() == key and m["metric_uuid"] != except_uuid for m in catalog.listed())


def create(request: Request, state: EmulatorState) -> Response:
    """``POST /custom_evaluation_metrics``: a new metric with a new UUID."""
    body = request.json_object()
    name = _text(body, "metric_name", required=True)
    assert name is not None
    custom = state.custom_metrics
    with custom.lock:
        if _name_taken(state.metrics, name, None):
            raise ApiError(409, f"A metric named {name!r} already exists.")
        description = _text(body, "description", required=False) or ""
        metric = custom.put(custom.next_uuid(state.settings.seed), name, description, _config(body, None))
    return json_response({"metric": metric})


def update(request: Request, state: EmulatorState) -> Response:
    """``PUT /custom_evaluation_metrics/{metric_uuid}``: the API issues a new UUID; the old one is retired."""
    body = request.json_object()
    custom = state.custom_metrics
    old_uuid = request.path_params["metric_uuid"]
    with custom.lock:
        old = custom.get(old_uuid)
        if old is None or not is_live(old):
            raise ApiError(404, "The custom evaluation metric could not be found.")
        name = _text(body, "metric_name", required=False) or old["metric_name"]
        if _name_taken(state.metrics, name, old_uuid):
            raise ApiError(409, f"A metric named {name!r} already exists.")
        description = _text(body, "description", required=False)
        config = _config(body, old["custom_eval_config"])
        custom.retire(old_uuid)
        if description is None:
            description = old["description"]
        metric = custom.put(custom.next_uuid(state.settings.seed), name, description, config)
    return json_response({"metric": metric})


def delete(request: Request, state: EmulatorState) -> Response:
    """``DELETE /custom_evaluation_metrics/{metric_uuid}``: gone from the catalog from now on."""
    if state.custom_metrics.retire(request.path_params["metric_uuid"]) is None:
        raise ApiError(404, "The custom evaluation metric could not be found.")
    return json_response({})


ROUTES = (
    Route("POST", _CUSTOM, create),
    Route("PUT", _CUSTOM + "/{metric_uuid}", update),
    Route("DELETE", _CUSTOM + "/{metric_uuid}", delete),
)
