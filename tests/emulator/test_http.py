"""The emulator's wire behaviour: authentication, common headers, request bodies, connections."""

from __future__ import annotations

import httpx
from emulator.emulator_checks import assert_common_headers, assert_error

from gradient_evals.testing import FakeGradientServer

# ------------------------------------------------------------------------------------------------ auth


def test_missing_or_wrong_credentials_are_401(server: FakeGradientServer) -> None:
    run = server.add_run(prompts=3)
    url = server.url_for(f"/v2/gen-ai/evaluation_runs/{run}")
    assert_error(httpx.get(url), 401, "unauthorized")
    assert_error(httpx.get(url, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    assert_error(httpx.get(url, headers={"Authorization": server.token}), 401, "unauthorized")
    assert_error(httpx.get(url, headers={"Authorization": f"Basic {server.token}"}), 401, "unauthorized")
    assert_error(httpx.post(server.url_for("/v2/gen-ai/evaluation_runs"), json={}), 401, "unauthorized")
    ok = httpx.get(url, headers={"Authorization": f"bearer {server.token}"})
    assert ok.status_code == 200
    log = server.requests
    assert [r.had_authorization_header for r in log] == [False, True, True, True, False, True]
    assert [r.authorized for r in log] == [False, False, False, False, False, True]
    assert [r.status for r in log] == [401, 401, 401, 401, 401, 200]
    assert server.created_run_count == 0


def test_token_can_be_chosen() -> None:
    with FakeGradientServer(token="dop_v1_fixed") as srv:
        assert srv.token == "dop_v1_fixed"
        resp = httpx.get(
            srv.url_for(f"/v2/gen-ai/evaluation_runs/{srv.add_run()}"),
            headers={"Authorization": "Bearer dop_v1_fixed"},
        )
        assert resp.status_code == 200
    with FakeGradientServer() as a, FakeGradientServer() as b:
        assert a.token != b.token
        assert a.base_url != b.base_url


def test_rate_limit_headers_on_every_response(server: FakeGradientServer, api: httpx.Client) -> None:
    run = server.add_run(prompts=3)
    responses = [
        api.get(f"/v2/gen-ai/evaluation_runs/{run}"),
        api.get(f"/v2/gen-ai/evaluation_runs/{run}/results?page=0"),
        api.get("/nowhere"),
        api.delete(f"/v2/gen-ai/evaluation_runs/{run}"),
        httpx.get(server.url_for(f"/v2/gen-ai/evaluation_runs/{run}")),
        api.post("/v2/gen-ai/evaluation_runs", content=b"{"),
    ]
    assert [r.status_code for r in responses] == [200, 400, 404, 405, 401, 400]
    for resp in responses:
        assert_common_headers(resp)
        assert resp.headers["content-type"] == "application/json"
    remaining = [int(r.headers["ratelimit-remaining"]) for r in responses]
    assert remaining == sorted(remaining, reverse=True)
    assert len(set(remaining)) == len(remaining)
    ids = [r.headers["x-request-id"] for r in responses]
    assert len(set(ids)) == len(ids)
    assert [r.request_id for r in server.requests] == ids


def test_chunked_request_body_is_accepted(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=2)
    payload = f'{{"test_case_uuid": "{tc}", "agent_uuids": ["a", "b"]}}'.encode()
    resp = api.post("/v2/gen-ai/evaluation_runs", content=iter([payload[:10], payload[10:]]))
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["evaluation_run_uuids"]) == 2
    assert server.requests[-1].headers.get("transfer-encoding") == "chunked"


def test_keep_alive_connection_is_reused(server: FakeGradientServer, api: httpx.Client) -> None:
    run = server.add_run(prompts=2)
    ports = set()
    for _ in range(5):
        with api.stream("GET", f"/v2/gen-ai/evaluation_runs/{run}") as resp:
            stream = resp.extensions["network_stream"]
            ports.add(stream.get_extra_info("client_addr")[1])
            resp.read()
    assert len(ports) == 1
