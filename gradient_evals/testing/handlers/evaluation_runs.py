"""``/v2/gen-ai/evaluation_runs``: create runs, retrieve one, page through its results, read one result."""

from __future__ import annotations

from typing import Any

from .._json import encode_json
from .._prompts import make_prompt
from .._records import RunRecord
from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ._paging import page_of
from ._params import signed_int

__all__ = ["ROUTES"]

_RUNS = "/v2/gen-ai/evaluation_runs"
_RUN = _RUNS + "/{evaluation_run_uuid}"


def _run(request: Request, state: EmulatorState) -> RunRecord:
    run = state.runs.find(request.path_params["evaluation_run_uuid"])
    if run is None:
        raise ApiError(404, "The evaluation run could not be found.")
    return run


def _string_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ApiError(400, f"{key} must be a list of non-empty strings.")
    return value


def create_runs(request: Request, state: EmulatorState) -> Response:
    """``POST /v2/gen-ai/evaluation_runs``: one run per agent uuid and per deployment name."""
    data = request.json_object()
    tc_uuid = data.get("test_case_uuid")
    if not isinstance(tc_uuid, str) or not tc_uuid:
        raise ApiError(400, "test_case_uuid is required.")
    agent_uuids = _string_list(data, "agent_uuids")
    deployment_names = _string_list(data, "agent_deployment_names")
    run_name = data.get("run_name")
    if run_name is not None and not isinstance(run_name, str):
        raise ApiError(400, "run_name must be a string.")
    if not agent_uuids and not deployment_names:
        raise ApiError(400, "At least one of agent_uuids or agent_deployment_names is required.")
    try:
        created = state.runs.create(
            tc_uuid, agent_uuids=agent_uuids, agent_deployment_names=deployment_names, run_name=run_name or None
        )
    except KeyError:
        raise ApiError(404, "The evaluation test case could not be found.") from None
    return json_response({"evaluation_run_uuids": created})


def retrieve_run(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/evaluation_runs/{evaluation_run_uuid}``."""
    run = _run(request, state)
    status, _ = state.runs.state_of(run)
    return json_response({"evaluation_run": state.runs.run_json(run, status)})


def list_results(request: Request, state: EmulatorState) -> Response:
    """``GET .../{evaluation_run_uuid}/results``: one page of the results visible now, paged by ``page_of``."""
    run = _run(request, state)
    status, visible = state.runs.state_of(run)
    page = page_of(request, state, visible)
    prompts = state.results_page(run, page.start, page.stop)
    # The prompts are spliced in already encoded (and cached); the rest is encoded per request.
    body = b"".join(
        (
            b'{"evaluation_run":',
            encode_json(state.runs.run_json(run, status)),
            b',"prompts":[',
            prompts,
            b'],"meta":',
            encode_json(page.meta),
            b',"links":',
            encode_json(page.links),
            b"}",
        )
    )
    return Response(200, body)


def retrieve_result(request: Request, state: EmulatorState) -> Response:
    """``GET .../{evaluation_run_uuid}/results/{prompt_id}``: one visible result."""
    prompt_id = signed_int(request.path_params["prompt_id"], "prompt_id")
    run = _run(request, state)
    _, visible = state.runs.state_of(run)
    index = prompt_id - run.test_case.prompt_id_base
    if not 0 <= index < visible:
        raise ApiError(404, "The prompt result could not be found.")
    return json_response({"prompt": make_prompt(run, index)})


ROUTES = (
    Route("POST", _RUNS, create_runs),
    Route("GET", _RUN, retrieve_run),
    Route("GET", _RUN + "/results", list_results),
    Route("GET", _RUN + "/results/{prompt_id}", retrieve_result),
)
