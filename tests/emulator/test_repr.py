"""The emulator's reprs never show the bearer token: they end up in logs, assertion messages and reports."""

from __future__ import annotations

import httpx

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
