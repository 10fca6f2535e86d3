"""``/v2/gen-ai/agents`` in the emulator: the agents runs are made for, seeded agents and their names, paged."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from emulator.emulator_checks import TIMESTAMP, assert_error

from gradient_evals.testing import FakeGradientServer

A = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def _query(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def test_an_empty_account_lists_no_agents_with_the_api_paging(api: httpx.Client) -> None:
    body = api.get("/v2/gen-ai/agents").json()
    assert body["agents"] == []
    assert body["meta"] == {"page": 1, "pages": 0, "total": 0}
    assert set(body["links"]["pages"]) == {"first", "last"}
    assert _query(body["links"]["pages"]["last"])["page"] == "1"


def test_the_agents_of_runs_are_listed_with_the_names_their_runs_report(
    server: FakeGradientServer, api: httpx.Client
) -> None:
    run = server.add_run(agent_uuid=A, prompts=2)
    server.add_run(agent_deployment_name="prod-deployment", prompts=2)  # no agent uuid: nothing to list
    listed = api.get("/v2/gen-ai/agents").json()["agents"]
    assert [a["uuid"] for a in listed] == [A]
    assert listed[0]["name"] == server.run_json(run)["agent_name"]
    one = api.get(f"/v2/gen-ai/agents/{A}").json()["agent"]
    assert one["uuid"] == A
    assert one["name"] == listed[0]["name"]
    assert one["deployment"]["status"] == "STATUS_RUNNING"
    assert TIMESTAMP.fullmatch(one["created_at"])


def test_seeded_agents_keep_their_ids_and_names_and_their_runs_carry_them(
    server: FakeGradientServer, api: httpx.Client
) -> None:
    assert server.add_agent(uuid="example string", name="My Agent") == "example string"
    tc = server.add_test_case(prompts=2)
    created = api.post("/v2/gen-ai/evaluation_runs", json={"test_case_uuid": tc, "agent_uuids": ["example string"]})
    assert created.status_code == 200, created.text
    run = created.json()["evaluation_run_uuids"][0]
    assert api.get(f"/v2/gen-ai/evaluation_runs/{run}").json()["evaluation_run"]["agent_name"] == "My Agent"
    assert api.get("/v2/gen-ai/agents/example%20string").json()["agent"]["name"] == "My Agent"
    server.set_agent_name("example string", "Renamed")
    assert api.get("/v2/gen-ai/agents/example%20string").json()["agent"]["name"] == "Renamed"
    later = server.add_run(agent_uuid="example string", prompts=1)
    assert server.run_json(later)["agent_name"] == "Renamed"
    with pytest.raises(ValueError, match="already exists"):
        server.add_agent(uuid="example string")
    with pytest.raises(ValueError, match="deployment status"):
        server.add_agent(deployment_status="RUNNING")


def test_agents_page_with_the_api_caps_and_only_deployed_is_kept_in_links(api: httpx.Client) -> None:
    with FakeGradientServer(seed=1, per_page_max=3) as server:
        for i in range(7):
            server.add_agent(name=f"agent-{i}", deployment_status="STATUS_DEPLOYING" if i == 6 else "STATUS_RUNNING")
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}) as client:
            seen: list[str] = []
            url: str | None = "/v2/gen-ai/agents?only_deployed=true&per_page=50"
            while url is not None:
                body = client.get(url).json()
                assert body["meta"]["pages"] == 2
                assert body["meta"]["total"] == 6
                assert len(body["agents"]) <= 3  # per_page 50 is served as per_page_max
                seen += [a["name"] for a in body["agents"]]
                url = body["links"]["pages"].get("next")
                if url is not None:
                    assert _query(url) == {"only_deployed": "true", "page": "2", "per_page": "3"}
            assert seen == [f"agent-{i}" for i in range(6)]
            everyone = client.get("/v2/gen-ai/agents", params={"per_page": 10}).json()
            assert everyone["meta"]["total"] == 7  # the agent still deploying is listed without the filter
            assert_error(client.get("/v2/gen-ai/agents", params={"only_deployed": "maybe"}), 400, "bad_request")
            assert_error(client.get("/v2/gen-ai/agents", params={"page": "0"}), 400, "bad_request")


def test_an_unknown_agent_is_a_404(api: httpx.Client) -> None:
    assert_error(api.get(f"/v2/gen-ai/agents/{A}"), 404, "not_found")
    assert_error(api.get("/v2/gen-ai/agents/%22123e4567-e89b-12d3-a456-426614174000%22"), 404, "not_found")


def test_a_run_for_a_non_hex_agent_id_is_accepted(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=2)
    resp = api.post("/v2/gen-ai/evaluation_runs", json={"test_case_uuid": tc, "agent_uuids": ["agent-x", "é"]})
    assert resp.status_code == 200, resp.text
    names = {server.run_json(r)["agent_name"] for r in resp.json()["evaluation_run_uuids"]}
    assert len(names) == 2
    assert all(names)
