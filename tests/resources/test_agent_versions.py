"""``client.agents.list_versions`` / ``iter_versions`` and ``client.model_evaluation_datasets.create_upload_urls``:
the requests they send and the models they return."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals
from gradient_evals.types import AgentRetrievalMethod, AgentVersion

pytestmark = pytest.mark.anyio

AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
VERSIONS = f"https://api.digitalocean.com/v2/gen-ai/agents/{AGENT}/versions"
V2 = {
    "id": "18446744073709551615",
    "version_hash": "b" * 40,
    "name": "v2",
    "currently_applied": True,
    "retrieval_method": "RETRIEVAL_METHOD_NONE",
    "attached_knowledgebases": [{"name": "faq", "is_deleted": False}],
}
V1 = {"id": "1", "version_hash": "a" * 40, "name": "v1", "retrieval_method": "RETRIEVAL_METHOD_FROM_THE_FUTURE"}


async def test_list_versions_sends_the_page_and_returns_typed_versions(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(json={"agent_versions": [V2, V1], "meta": {"page": 1, "pages": 1, "total": 2}})
    page = await client.agents.list_versions(AGENT, page=1, per_page=5)
    request = only_request()
    assert request.url.path == f"/v2/gen-ai/agents/{AGENT}/versions"
    assert request.url.params == httpx.QueryParams({"page": "1", "per_page": "5"})
    newest, oldest = page.agent_versions
    assert isinstance(newest, AgentVersion)
    assert newest.id == "18446744073709551615"  # an identifier stays a string
    assert newest.retrieval_method is AgentRetrievalMethod.NONE
    assert newest.attached_knowledgebases[0].name == "faq"
    assert oldest.retrieval_method == "RETRIEVAL_METHOD_FROM_THE_FUTURE"


async def test_iter_versions_follows_every_page_once_per_hash(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{VERSIONS}?page=1&per_page=1", json={"agent_versions": [V2], "meta": {"page": 1, "pages": 2}}
    )
    httpx_mock.add_response(
        url=f"{VERSIONS}?page=2&per_page=1", json={"agent_versions": [V2, V1], "meta": {"page": 2, "pages": 2}}
    )
    versions = [v async for v in client.agents.iter_versions(AGENT, per_page=1)]
    assert [v.name for v in versions] == ["v2", "v1"]


@pytest.mark.parametrize("bad", ["support-bot", "", 5])
async def test_versions_of_a_name_or_no_uuid_are_refused_before_any_request(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, bad: object
) -> None:
    with pytest.raises((TypeError, ValueError)):
        await client.agents.list_versions(bad)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError)):
        client.agents.iter_versions(bad)  # type: ignore[arg-type]
    assert httpx_mock.get_requests() == []


async def test_model_dataset_upload_urls_post_the_files(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, only_request: Callable[[], httpx.Request]
) -> None:
    httpx_mock.add_response(json={"uploads": [{"presigned_url": "https://bucket.example/x", "object_key": "k"}]})
    answer = await client.model_evaluation_datasets.create_upload_urls(
        files=[{"file_name": "rows.csv", "file_size": 120}]
    )
    request = only_request()
    assert request.url.path == "/v2/gen-ai/model_evaluation/datasets/file_upload_presigned_urls"
    assert json.loads(request.content) == {"files": [{"file_name": "rows.csv", "file_size": "120"}]}
    assert answer.uploads[0].object_key == "k"
