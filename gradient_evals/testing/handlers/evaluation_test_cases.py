"""``/v2/gen-ai/evaluation_test_cases``: the runs of a test case."""

from __future__ import annotations

from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ._params import optional_int

__all__ = ["ROUTES"]

_TEST_CASE = "/v2/gen-ai/evaluation_test_cases/{test_case_uuid}"


def list_runs(request: Request, state: EmulatorState) -> Response:
    """``GET .../{test_case_uuid}/evaluation_runs``: newest first, optionally of one test-case version."""
    version = optional_int(request.query, "evaluation_test_case_version")
    try:
        runs = state.runs_of(request.path_params["test_case_uuid"], version)
    except KeyError:
        raise ApiError(404, "The evaluation test case could not be found.") from None
    objects = [state.run_json(r, state.run_state(r)[0]) for r in reversed(runs)]
    return json_response({"evaluation_runs": objects})


ROUTES = (Route("GET", _TEST_CASE + "/evaluation_runs", list_runs),)
