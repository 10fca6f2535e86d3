"""``client.agents``: each request's method, path, query and headers, the models it returns, bad input refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, GradientEvals, NotFoundError
from gradient_evals.resources.agents import AGENTS_PAGE_SIZE
from gradient_evals.types import (
    Agent,
    AgentDeploymentStatus,
    AgentDeploymentVisibility,
    AgentModelProvider,
    AgentRetrievalMethod,
    AgentsPage,
)

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
AGENTS_URL = f"{BASE}/v2/gen-ai/agents"
SUPPORT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
BILLING = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
SECRETS = ("sk-agent-key", "sk-info-secret", "Bearer mcp-secret", "fn-secret", "hdr-secret")

LISTED: dict[str, Any] = {
    "uuid": SUPPORT,
    "name": "support-bot",
    "region": "tor1",
    "tags": ["faq"],
    "created_at": "2025-01-02T03:04:05Z",
    "user_id": "18446744073709551615",
    "temperature": 0.2,
    "k": "5",
    "retrieval_method": "RETRIEVAL_METHOD_REWRITE",
    "deployment": {"uuid": BILLING, "status": "STATUS_RUNNING", "visibility": "VISIBILITY_SOMETHING_NEW"},
    "model": {"name": "llama3.3-70b-instruct", "provider": "MODEL_PROVIDER_DIGITALOCEAN", "context_window": "128000"},
    "mcp_servers": [{"server_label": "docs", "authorization": SECRETS[2], "headers": {"X-Key": SECRETS[4]}}],
    "a_key_from_the_future": {"ignored": True},
}
RETRIEVED: dict[str, Any] = {
    **LISTED,
    "api_keys": [{"api_key": SECRETS[0]}],
    "api_key_infos": [{"uuid": BILLING, "name": "ci", "secret_key": SECRETS[1]}],
    "functions": [{"name": "lookup", "api_key": SECRETS[3], "input_schema": {"type": "object"}}],
    "guardrails": [{"name": "jailbreak", "type": "GUARDRAIL_TYPE_JAILBREAK", "is_attached": True}],
    "child_agents": [{"uuid": BILLING, "name": "billing-bot"}],
    "workspace": {"name": "support", "evaluation_test_cases": [{"name": "faq", "version": 2}]},
}


def _page(agents: list[dict[str, Any]], page: int, pages: int) -> dict[str, Any]:
    return {"agents": agents, "meta": {"page": page, "pages": pages, "total": 2}, "links": {"pages": {}}}


def _query(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode())


async def test_list_sends_the_paging_and_filter_query_and_returns_a_page(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    httpx_mock.add_response(url=re.compile(re.escape(AGENTS_URL) + r"\?.*"), json=_page([LISTED], 2, 3))
    page = await client.agents.list(page=2, per_page=1, only_deployed=True)
    request = only_request()
    assert request.method == "GET"
    assert request.url.path == "/v2/gen-ai/agents"
    assert _query(request) == {"page": ["2"], "per_page": ["1"], "only_deployed": ["true"]}
    assert_common_headers(request)
    assert isinstance(page, AgentsPage)
    assert (page.meta.page, page.meta.pages) == (2, 3)
    (agent,) = page.agents
    assert agent.uuid == SUPPORT
    assert agent.name == "support-bot"
    assert agent.k == 5
    assert agent.user_id == "18446744073709551615"  # an identifier stays a string
    assert agent.retrieval_method is AgentRetrievalMethod.REWRITE
    assert agent.deployment is not None
    assert agent.deployment.status is AgentDeploymentStatus.RUNNING
    assert agent.deployment.visibility == "VISIBILITY_SOMETHING_NEW"  # open enum: an unknown value is kept
    assert not isinstance(agent.deployment.visibility, AgentDeploymentVisibility)
    assert agent.is_deployed
    assert agent.model is not None
    assert agent.model.provider is AgentModelProvider.DIGITALOCEAN
    assert agent.model.context_window == 128000
    assert agent.created_at is not None
    assert agent.created_at.year == 2025
    assert agent.api_keys == ()
    assert agent.workspace is None


async def test_list_without_arguments_sends_no_query(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(url=AGENTS_URL, json={"agents": []})
    page = await client.agents.list(only_deployed=None)
    assert only_request().url.query == b""
    assert page.agents == ()
    assert page.meta.total is None  # meta and links are objects even when the server leaves them out


async def test_only_deployed_false_is_sent_as_false(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}?only_deployed=false", json={"agents": []})
    await client.agents.list(only_deployed=False)
    assert _query(only_request()) == {"only_deployed": ["false"]}


async def test_iter_follows_every_page_with_the_filter_and_the_largest_page_size(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{AGENTS_URL}?page=1&only_deployed=true&per_page={AGENTS_PAGE_SIZE}", json=_page([LISTED], 1, 2)
    )
    billing = {"uuid": BILLING, "name": "billing-bot"}
    httpx_mock.add_response(
        url=f"{AGENTS_URL}?page=2&only_deployed=true&per_page={AGENTS_PAGE_SIZE}",
        json=_page([LISTED, billing], 2, 2),  # the first agent again, as a listing that shifted would send it
    )
    agents = [agent async for agent in client.agents.iter(only_deployed=True)]
    assert [a.name for a in agents] == ["support-bot", "billing-bot"]  # each agent once
    assert all(isinstance(a, Agent) for a in agents)
    assert [_query(r)["page"] for r in httpx_mock.get_requests()] == [["1"], ["2"]]


async def test_iter_with_a_page_size_asks_for_it(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page=1", json=_page([LISTED], 1, 1))
    pages = [page async for page in client.agents.iter(per_page=1).pages()]
    assert [len(p.agents) for p in pages] == [1]


async def test_retrieve_reads_the_whole_agent_and_keeps_credentials_out_of_repr(
    client: AsyncGradientEvals,
    httpx_mock: HTTPXMock,
    only_request: Callable[[], httpx.Request],
    assert_common_headers: Callable[[httpx.Request], None],
) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}/{SUPPORT}", json={"agent": RETRIEVED})
    agent = await client.agents.retrieve(SUPPORT.upper())
    request = only_request()
    assert request.method == "GET"
    assert request.url.path == f"/v2/gen-ai/agents/{SUPPORT}"  # the canonical form of the UUID
    assert_common_headers(request)
    assert agent.name == "support-bot"
    assert agent.api_keys[0].api_key == SECRETS[0]
    assert agent.api_key_infos[0].secret_key == SECRETS[1]
    assert agent.functions[0].input_schema == {"type": "object"}
    assert agent.guardrails[0].is_attached is True
    assert [child.name for child in agent.child_agents] == ["billing-bot"]
    assert agent.workspace is not None
    assert agent.workspace.evaluation_test_cases[0].version == 2
    assert agent.mcp_servers[0].headers == {"X-Key": SECRETS[4]}
    shown = repr(agent)
    assert not [secret for secret in SECRETS if secret in shown]


async def test_retrieve_of_an_unknown_agent_is_a_not_found_error(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{AGENTS_URL}/{SUPPORT}", status_code=404, json={"id": "not_found", "message": "agent not found"}
    )
    with pytest.raises(NotFoundError) as info:
        await client.agents.retrieve(SUPPORT)
    assert info.value.error_id == "not_found"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.agents.retrieve("support-bot"), ValueError),
        (lambda c: c.agents.retrieve(None), TypeError),
        (lambda c: c.agents.list(page=0), ValueError),
        (lambda c: c.agents.list(per_page=-1), ValueError),
        (lambda c: c.agents.list(only_deployed="yes"), TypeError),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, call: Callable[[AsyncGradientEvals], Any], error: type
) -> None:
    with pytest.raises(error):
        await call(client)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("kwargs", [{"per_page": 0}, {"prefetch": 0}, {"only_deployed": 1}])
async def test_iter_refuses_bad_arguments_when_called(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, kwargs: dict[str, Any]
) -> None:
    with pytest.raises((ValueError, TypeError)):
        client.agents.iter(**kwargs)
    assert httpx_mock.get_requests() == []


def test_the_blocking_client_makes_the_same_requests(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1", json=_page([LISTED], 1, 1))
    httpx_mock.add_response(url=f"{AGENTS_URL}?page=1&per_page={AGENTS_PAGE_SIZE}", json=_page([LISTED], 1, 1))
    httpx_mock.add_response(url=f"{AGENTS_URL}/{SUPPORT}", json={"agent": RETRIEVED})
    with GradientEvals("test-token", base_url=BASE) as client:
        assert client.agents.list(page=1).agents[0].uuid == SUPPORT
        assert [agent.name for agent in client.agents.iter()] == ["support-bot"]
        assert client.agents.retrieve(SUPPORT).child_agents[0].uuid == BILLING
    assert [r.url.path for r in httpx_mock.get_requests()] == ["/v2/gen-ai/agents"] * 2 + [
        f"/v2/gen-ai/agents/{SUPPORT}"
    ]
