"""A body that lies about its ``Content-Encoding`` is a typed error from every method; a create says it may exist."""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from transport.hostile_servers import AGENT, RUN, RUN_JSON, TEST_CASE, HostileServer, client_of, whole

from gradient_evals import (
    APIResponseValidationError,
    AsyncGradientEvals,
    GradientEvals,
    NotFoundError,
    RunCreationUnknownError,
)

pytestmark = pytest.mark.anyio

Call = Callable[[AsyncGradientEvals], Awaitable[Any]]


async def _iter_results(client: AsyncGradientEvals) -> Any:
    return [prompt async for prompt in client.evaluation_runs.iter_results(RUN)]


READS: list[Any] = [
    pytest.param(lambda c: c.evaluation_runs.retrieve(RUN), id="retrieve"),
    pytest.param(lambda c: c.evaluation_runs.list_results(RUN), id="list_results"),
    pytest.param(_iter_results, id="iter_results"),
    pytest.param(lambda c: c.evaluation_runs.retrieve_results(RUN, 1), id="retrieve_results"),
    pytest.param(lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE), id="list_evaluation_runs"),
    pytest.param(lambda c: c.evaluation_runs.wait(RUN, timeout=60), id="wait"),
    pytest.param(lambda c: c.evaluation_runs.summarize(RUN), id="summarize"),
]
CREATES: list[Any] = [
    pytest.param(
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="n"), id="create"
    ),
    pytest.param(
        lambda c: c.evaluation_runs.create_and_wait(test_case_uuid=TEST_CASE, agent_uuids=[AGENT]),
        id="create_and_wait",
    ),
]

LIES = [
    pytest.param(("gzip",), b'{"evaluation_run": {}}', id="gzip-on-plain"),
    pytest.param(("deflate",), b'{"evaluation_run": {}}', id="deflate-on-plain"),
    pytest.param(("gzip",), zlib.compress(RUN_JSON, wbits=31)[:-12], id="truncated-gzip"),
    pytest.param(("br",), RUN_JSON, id="brotli-not-asked-for"),
    pytest.param(("gzip, gzip",), zlib.compress(RUN_JSON, wbits=31), id="stacked"),
    pytest.param(("zstd",), RUN_JSON, id="zstd-not-asked-for"),
]


def _served(hostile: Callable[..., HostileServer], codings: tuple[str, ...], body: bytes) -> str:
    return hostile(whole(body, *(f"Content-Encoding: {c}" for c in codings), "Content-Type: application/json")).url


@pytest.mark.parametrize(("codings", "body"), LIES)
@pytest.mark.parametrize("call", READS)
async def test_reads_raise_a_validation_error(
    call: Call, codings: tuple[str, ...], body: bytes, hostile: Callable[..., HostileServer]
) -> None:
    async with client_of(_served(hostile, codings, body)) as client:
        with pytest.raises(APIResponseValidationError) as caught:
            await call(client)
    assert caught.value.status_code == 200


@pytest.mark.parametrize(("codings", "body"), LIES[:3])
@pytest.mark.parametrize("call", CREATES)
async def test_a_create_keeps_the_may_have_been_created_signal(
    call: Call, codings: tuple[str, ...], body: bytes, hostile: Callable[..., HostileServer]
) -> None:
    async with client_of(_served(hostile, codings, body)) as client:
        with pytest.raises(RunCreationUnknownError) as caught:
            await call(client)
    assert isinstance(caught.value.cause, APIResponseValidationError)
    assert "may have succeeded" in str(caught.value)


async def test_an_error_status_with_an_undecodable_body_is_still_the_status_error(
    hostile: Callable[..., HostileServer],
) -> None:
    server = hostile(whole(b'{"id": "not_found"}', "Content-Encoding: gzip", status="404 Not Found"))
    async with client_of(server.url) as client:
        with pytest.raises(NotFoundError):
            await client.evaluation_runs.retrieve(RUN)


async def test_raw_deflate_and_identity_are_read(hostile: Callable[..., HostileServer]) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = packer.compress(RUN_JSON) + packer.flush()
    gzipped = zlib.compress(RUN_JSON, wbits=31)
    for codings, body in [(("deflate",), raw), (("identity",), RUN_JSON), (("GZIP",), gzipped)]:
        async with client_of(_served(hostile, codings, body)) as client:
            assert (await client.evaluation_runs.retrieve(RUN)).evaluation_run_uuid == RUN


def _in_memory(body: bytes, coding: str) -> httpx.AsyncClient:
    """A client whose transport answers from memory: httpx decodes such a body itself, before the SDK sees it."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": coding}, content=body)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_a_decoding_error_from_an_in_memory_transport_is_typed() -> None:
    async with client_of("https://api.digitalocean.com", http_client=_in_memory(b"{}", "gzip")) as client:
        with pytest.raises(APIResponseValidationError):
            await client.evaluation_runs.retrieve(RUN)
        with pytest.raises(RunCreationUnknownError):
            await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT])


def test_the_blocking_client_raises_the_same(hostile: Callable[..., HostileServer]) -> None:
    url = _served(hostile, ("gzip",), b"{}")
    with GradientEvals("token", base_url=url, max_retries=0) as client:
        with pytest.raises(APIResponseValidationError):
            client.evaluation_runs.retrieve(RUN)
        with pytest.raises(RunCreationUnknownError):
            client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT])
