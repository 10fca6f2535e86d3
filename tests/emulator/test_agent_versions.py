"""Agent versions and model-evaluation dataset uploads against the emulator, from both clients.

The emulator's agent has one version per ``agent_version_hash`` its runs carry, newest first.
"""

from __future__ import annotations

import anyio
import httpx
import pytest
from emulator.emulator_checks import assert_error

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals.testing import FakeGradientServer

MISSING = "00000000-0000-4000-8000-000000000000"


def test_every_runs_version_hash_is_a_version_of_its_agent(server: FakeGradientServer, api: httpx.Client) -> None:
    agent = server.add_agent(name="bot")
    test_case = server.add_test_case(prompts=3)
    runs = [server.add_run(test_case_uuid=test_case, agent_uuid=agent) for _ in range(3)]
    with GradientEvals(server.token, base_url=server.base_url) as client:
        versions = list(client.agents.iter_versions(agent, per_page=2))
        hashes = [client.evaluation_runs.retrieve(r).agent_version_hash for r in runs]
    assert [v.version_hash for v in versions] == hashes[::-1]  # newest first
    assert [v.currently_applied for v in versions] == [True, False, False]
    assert api.get(f"/v2/gen-ai/agents/{agent}/versions", params={"per_page": 2}).json()["meta"]["pages"] == 2
    assert_error(api.get(f"/v2/gen-ai/agents/{MISSING}/versions"), 404, "not_found")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_model_dataset_uploads_in_one_call_without_the_token(server: FakeGradientServer, backend: str) -> None:
    rows = [{"query": f"What is {i} + {i}?", "expected_response": str(2 * i)} for i in range(5)]

    async def go() -> str:
        async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
            with pytest.raises(ValueError, match="query"):
                await client.model_evaluation_datasets.upload([{"question": "no query column"}], name="bad.csv")
            return await client.model_evaluation_datasets.upload(rows, name="sums.csv")

    requests_before = len(server.object_store.requests)
    dataset = anyio.run(go, backend=backend)
    assert server.dataset_rows(dataset) == rows
    assert len(server.object_store.requests) == requests_before + 1  # the bad rows sent nothing anywhere
    assert not server.object_store.authorization_seen
