"""``/v2/gen-ai/model_evaluation_presets``: saved model-evaluation presets (``stores/model_evaluation_presets.py``),
listed whole (the API does not page them), read and deleted."""

from __future__ import annotations

from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ..stores.model_evaluation_presets import PresetStore
from ..stores.model_evaluation_runs import ModelRunStore

__all__ = ["ROUTES"]

_PRESETS = "/v2/gen-ai/model_evaluation_presets"


def list_presets(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/model_evaluation_presets``."""
    return json_response({"presets": state.store(PresetStore).all()})


def retrieve_preset(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/model_evaluation_presets/{eval_preset_uuid}``."""
    preset = state.store(PresetStore).get(request.path_params["eval_preset_uuid"])
    if preset is None:
        raise ApiError(404, "The evaluation preset could not be found.")
    return json_response({"preset": preset})


def delete_preset(request: Request, state: EmulatorState) -> Response:
    """``DELETE /v2/gen-ai/model_evaluation_presets/{eval_preset_uuid}``: refused while a run uses the preset."""
    preset_uuid = request.path_params["eval_preset_uuid"]
    if preset_uuid in state.store(ModelRunStore).live_presets():
        raise ApiError(409, "The evaluation preset is used by a model evaluation run in progress.")
    refusal = state.store(PresetStore).remove(preset_uuid)
    if refusal == "unknown":
        raise ApiError(404, "The evaluation preset could not be found.")
    if refusal is not None:
        raise ApiError(409, "The evaluation preset is used by a model evaluation run in progress.")
    return json_response({})


ROUTES = (
    Route("GET", _PRESETS, list_presets),
    Route("GET", _PRESETS + "/{eval_preset_uuid}", retrieve_preset),
    Route("DELETE", _PRESETS + "/{eval_preset_uuid}", delete_preset),
)
