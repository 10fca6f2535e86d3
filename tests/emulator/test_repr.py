"""The emulator's reprs never show the bearer token: they end up in logs, assertion messages and reports."""

from __future__ import annotations

import httpx

from gradient_evals import GradientEvals
from gradient_evals.testing import FakeGradientServer


def test_server_and_recorded_requests_do_not_show_the_token() -> None:
    server = FakeGradientServer()
    assert server.token not in repr(server)
    assert "redacted" in repr(server)
    with server:
        assert server.token not in repr(server)
        assert server.base_url in repr(server)
        run = server.add_run(prompts=1)
        httpx.get(
            server.url_for(f"/v2/gen-ai/evaluation_runs/{run}"), headers={"Authorization": f"Bearer {server.token}"}
        )
        (recorded,) = server.requests
        assert recorded.headers["authorization"] == f"Bearer {server.token}"  # still there for tests to check
        assert server.token not in repr(recorded)
        assert server.token not in repr(server.requests)


def test_recorded_request_repr_hides_the_authorization_header() -> None:
    with FakeGradientServer(latency=0.0) as server:
        run_uuid = server.add_run(prompts=2)
        with GradientEvals(server.token, base_url=server.base_url) as client:
            client.evaluation_runs.retrieve(run_uuid)
        (request,) = server.requests
        assert request.had_authorization_header
        for shown in (repr(request), str(request), repr(server.requests), repr(server)):
            assert server.token not in shown
