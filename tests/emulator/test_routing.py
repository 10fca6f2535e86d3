"""Routing: unknown paths are 404, other methods on known paths 405, always in the API's error shape."""

from __future__ import annotations

import json
import re
import uuid
from typing import cast

import httpx
import pytest
from emulator.emulator_checks import assert_error

from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing._routes import ApiError, Handler, Request, Response, Route, Router, json_response
from gradient_evals.testing._state import EmulatorState
from gradient_evals.testing.handlers import ROUTES

# ------------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v2",
        "/v2/gen-ai/knowledge_bases",
        "/v2/gen-ai/evaluation_runs/",
        "/v2/gen-ai/evaluation_runs/abc/def",
        "/v2/gen-ai/evaluation_test_cases/x/evaluation_runs/y",
        "/v3/gen-ai/evaluation_runs/x",
    ],
)
def test_unknown_paths_are_json_404(api: httpx.Client, path: str) -> None:
    assert_error(api.get(path), 404, "not_found")


@pytest.mark.parametrize("run_id", ["..%2F..%2Fetc%2Fpasswd", "..%2F", "%2e%2e", "a%2Fb", "%00", "%ff"])
def test_encoded_ids_are_just_unknown_ids(server: FakeGradientServer, api: httpx.Client, run_id: str) -> None:
    server.add_run(prompts=2)
    raw = f"/v2/gen-ai/evaluation_runs/{run_id}"
    for path in (raw, raw + "/results"):
        resp = api.send(api.build_request("GET", httpx.URL(server.url_for(path))))
        assert_error(resp, 404, "not_found")


def test_a_run_uuid_with_an_encoded_slash_does_not_reach_results(server: FakeGradientServer, api: httpx.Client) -> None:
    run = server.add_run(prompts=2)
    resp = api.send(api.build_request("GET", httpx.URL(server.url_for(f"/v2/gen-ai/evaluation_runs/{run}%2Fresults"))))
    assert_error(resp, 404, "not_found")


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "OPTIONS", "FROB"])
def test_unknown_methods_are_json_405(server: FakeGradientServer, api: httpx.Client, method: str) -> None:
    run = server.add_run(prompts=2)
    assert_error(api.request(method, f"/v2/gen-ai/evaluation_runs/{run}"), 405, "method_not_allowed")
    assert_error(api.request(method, "/v2/gen-ai/evaluation_runs"), 405, "method_not_allowed")


def test_get_on_the_create_endpoint_is_405(api: httpx.Client) -> None:
    resp = api.get("/v2/gen-ai/evaluation_runs")
    assert_error(resp, 405, "method_not_allowed")
    assert resp.headers["allow"] == "POST"


# ------------------------------------------------------------------------------------------------ router


def _answer(name: str) -> Handler:
    def handler(request: Request, state: EmulatorState) -> Response:
        return json_response({"handler": name, "params": request.path_params})

    return handler


_ROUTER = Router(
    [
        Route("GET", "/v2/things", _answer("list")),
        Route("POST", "/v2/things", _answer("create")),
        Route("GET", "/v2/things/{thing_uuid}", _answer("get")),
        Route("DELETE", "/v2/things/{thing_uuid}", _answer("delete")),
        Route("GET", "/v2/things/latest", _answer("latest")),
        Route("GET", "/v2/things/{thing_uuid}/parts/{part_id}", _answer("part")),
    ]
)


@pytest.mark.parametrize(
    ("method", "path", "handler", "params"),
    [
        ("GET", "/v2/things", "list", {}),
        ("POST", "/v2/things", "create", {}),
        ("GET", "/v2/things/t1", "get", {"thing_uuid": "t1"}),
        ("DELETE", "/v2/things/t1", "delete", {"thing_uuid": "t1"}),
        ("GET", "/v2/things/latest", "latest", {}),
        ("DELETE", "/v2/things/latest", "delete", {"thing_uuid": "latest"}),
        ("GET", "/v2/things/a%2Fb/parts/7", "part", {"thing_uuid": "a/b", "part_id": "7"}),
    ],
)
def test_router_picks_the_handler_and_decodes_path_params(
    method: str, path: str, handler: str, params: dict[str, str]
) -> None:
    route, found = _ROUTER.resolve(method, path)
    assert found == params
    request = Request(method, path, found, {}, b"", {}, "http://127.0.0.1:1")
    assert json.loads(route.handler(request, cast(EmulatorState, None)).body) == {"handler": handler, "params": params}


@pytest.mark.parametrize("path", ["/", "/v2", "/v2/thing", "/v2/things/t1/parts", "/v2/things/t1/parts/7/x", "/%ff"])
def test_router_answers_unknown_paths_with_404(path: str) -> None:
    with pytest.raises(ApiError) as info:
        _ROUTER.resolve("GET", path)
    assert info.value.status == 404
    assert info.value.message


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v2/things", "GET, POST"),
        ("POST", "/v2/things/t1", "DELETE, GET"),
        ("HEAD", "/v2/things/t1/parts/7", "GET"),
    ],
)
def test_router_answers_other_methods_with_405_and_allow(method: str, path: str, allow: str) -> None:
    with pytest.raises(ApiError) as info:
        _ROUTER.resolve(method, path)
    assert info.value.status == 405
    assert method in info.value.message
    assert dict(info.value.headers) == {"Allow": allow}


def test_router_rejects_a_route_registered_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        Router([Route("GET", "/v2/things", _answer("a")), Route("GET", "/v2/things", _answer("b"))])
    with pytest.raises(ValueError, match="starts with"):
        Route("GET", "v2/things", _answer("a"))


def test_every_registered_route_answers_other_methods_with_405(server: FakeGradientServer, api: httpx.Client) -> None:
    """Over the real HTTP layer, for every endpoint of every resource, in the API's error body shape."""
    methods: dict[str, set[str]] = {}
    for route in ROUTES:
        methods.setdefault(route.pattern, set()).add(route.method)
    assert len(methods) >= 4
    for pattern, allowed in methods.items():
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), pattern)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed):
            resp = api.request(method, path)
            assert_error(resp, 405, "method_not_allowed")
            assert resp.headers["allow"] == ", ".join(sorted(allowed))
        unknown = path.replace("/v2/", "/v9/", 1) if path.startswith("/v2/") else "/_unknown" + path  # the controls
        assert_error(api.get(unknown), 404, "not_found")
    assert server.created_run_count == 0


def test_each_resource_store_is_made_once_per_state() -> None:
    class Widgets:
        def __init__(self) -> None:
            self.names: list[str] = []

    state = EmulatorState(FakeGradientServer(), page_cache_bytes=0)
    state.store(Widgets).names.append("a")
    assert state.store(Widgets).names == ["a"]
    assert EmulatorState(FakeGradientServer(), page_cache_bytes=0).store(Widgets).names == []
