"""``gradient-evals agents list|get``: every page, names resolved, credentials and control characters never shown."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpx import HTTPXMock

from gradient_evals.cli import main

BASE = "https://api.digitalocean.com"
AGENTS_URL = f"{BASE}/v2/gen-ai/agents"
TOKEN = "cli-agents-token"
SUPPORT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
BILLING = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
BILLING_TOO = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
MCP_SECRET = "Bearer mcp-secret-value"

SUPPORT_AGENT: dict[str, Any] = {
    "uuid": SUPPORT,
    "name": "support-bot",
    "region": "tor1",
    "deployment": {"status": "STATUS_RUNNING"},
    "model": {"name": "llama3.3-70b-instruct"},
    "mcp_servers": [{"server_label": "docs", "authorization": MCP_SECRET, "headers": {"X-Key": MCP_SECRET}}],
}


def _page(agents: list[dict[str, Any]], page: int, pages: int) -> dict[str, Any]:
    return {"agents": agents, "meta": {"page": page, "pages": pages, "total": 3}}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--token", TOKEN, "--base-url", BASE, *argv])
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert MCP_SECRET not in out + err, "an agent's credentials are never printed"
    assert "Traceback" not in err
    return code, out, err


def _two_pages(httpx_mock: HTTPXMock, **query: str) -> None:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1{extra}&per_page=200", json=_page([SUPPORT_AGENT], 1, 2))
    httpx_mock.add_response(
        url=f"{AGENTS_URL}?page=2{extra}&per_page=200",
        json=_page([{"uuid": BILLING, "name": "billing\x1b[2Jbot"}, {"uuid": BILLING_TOO, "name": "b2"}], 2, 2),
    )


def test_agents_list_shows_every_page_as_a_table(capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock) -> None:
    _two_pages(httpx_mock)
    code, out, _ = run(capsys, "agents", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "UUID", "DEPLOYMENT", "MODEL", "REGION"]
    support = next(line for line in lines if line.startswith("support-bot"))
    assert support.split() == ["support-bot", SUPPORT, "running", "llama3.3-70b-instruct", "tor1"]
    assert BILLING in out
    assert BILLING_TOO in out
    assert "\x1b" not in out  # a name's control characters are escaped
    assert "billing\\x1b[2Jbot" in out, "shown as an escape, not removed"


def test_agents_list_tells_a_name_with_a_control_character_from_one_without(
    capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock
) -> None:
    twins = [{"uuid": BILLING, "name": "prod\x07-bot"}, {"uuid": BILLING_TOO, "name": "prod-bot"}]
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page=200", json=_page(twins, 1, 1))
    code, out, _ = run(capsys, "agents", "list")
    assert code == 0
    names = {line.split()[1]: line.split()[0] for line in out.splitlines()[2:]}
    assert names == {BILLING: "prod\\x07-bot", BILLING_TOO: "prod-bot"}


def test_agents_list_json_is_every_agent_with_credentials_redacted(
    capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock
) -> None:
    _two_pages(httpx_mock, only_deployed="true")
    code, out, _ = run(capsys, "agents", "list", "--only-deployed", "--json")
    assert code == 0
    agents = json.loads(out)
    assert [a["uuid"] for a in agents] == [SUPPORT, BILLING, BILLING_TOO]
    assert agents[0]["deployment"]["status"] == "STATUS_RUNNING"
    (server,) = agents[0]["mcp_servers"]
    assert server["server_label"] == "docs"
    assert server["authorization"] == "<redacted>"
    assert server["headers"] == {"X-Key": "<redacted>"}
    assert all(parse_qs(r.url.query.decode())["only_deployed"] == ["true"] for r in httpx_mock.get_requests())


def test_agents_list_with_no_agents(capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page=200", json={"agents": []})
    assert run(capsys, "agents", "list")[:2] == (0, "no agents\n")


def test_agents_get_resolves_a_name_and_prints_the_agent(
    capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page=200", json=_page([SUPPORT_AGENT], 1, 1))
    full = {**SUPPORT_AGENT, "api_key_infos": [{"name": "ci", "secret_key": MCP_SECRET}]}
    httpx_mock.add_response(url=f"{AGENTS_URL}/{SUPPORT}", json={"agent": full})
    code, out, _ = run(capsys, "agents", "get", "support-bot", "--json")
    assert code == 0
    agent = json.loads(out)
    assert agent["uuid"] == SUPPORT
    assert agent["api_key_infos"][0]["secret_key"] == "<redacted>"


def test_agents_get_by_uuid_lists_nothing(capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}/{SUPPORT}", json={"agent": SUPPORT_AGENT})
    code, out, _ = run(capsys, "agents", "get", SUPPORT)
    assert code == 0
    assert out.splitlines()[2].startswith("support-bot")
    assert len(httpx_mock.get_requests()) == 1


def test_an_ambiguous_name_is_a_usage_error_listing_the_candidates(
    capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock
) -> None:
    twins = [{"uuid": BILLING, "name": "billing-bot"}, {"uuid": BILLING_TOO, "name": "billing-bot"}]
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page=200", json=_page(twins, 1, 1))
    code, _, err = run(capsys, "agents", "get", "billing-bot")
    assert code == 2
    assert "2 agents are called 'billing-bot'" in err
    assert BILLING in err
    assert BILLING_TOO in err
    assert len(httpx_mock.get_requests()) == 1  # nothing retrieved


def test_an_unknown_name_is_a_usage_error_naming_close_matches(
    capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page=200", json=_page([SUPPORT_AGENT], 1, 1))
    code, _, err = run(capsys, "agents", "get", "suport-bot")
    assert code == 2
    assert f"close matches: 'support-bot' ({SUPPORT})" in err


def test_an_api_failure_exits_3(capsys: pytest.CaptureFixture[str], httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{AGENTS_URL}/{SUPPORT}", status_code=404, json={"id": "not_found", "message": "agent not found"}
    )
    code, _, err = run(capsys, "agents", "get", SUPPORT)
    assert code == 3
    assert "agent not found" in err
