"""Whatever a server answers, every method either returns or raises a ``GradientEvalsError``.

Hypothesis throws junk at the transport: every status, lying encodings, invalid JSON and UTF-8, lone
surrogates, numbers of thousands of digits, nesting deeper than the parser, bodies of the wrong shape, absurd
rate-limit headers and network failures half-way, both as streamed bodies and as bodies httpx read in memory.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradient_evals import AsyncGradientEvals, GradientEvalsError, RetryPolicy

RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


class Chunks(httpx.AsyncByteStream):
    """A body streamed in the given pieces, as from the network."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


async def _some_prompts(client: AsyncGradientEvals) -> None:
    # A server that keeps offering "next" could page for ever: a bounded look is enough here.
    async with client.evaluation_runs.iter_results(RUN, prefetch=2) as pager:
        seen = 0
        async for _ in pager:
            seen += 1
            if seen > 50:
                break


CALLS: dict[str, Callable[[AsyncGradientEvals], Awaitable[Any]]] = {
    "retrieve": lambda c: c.evaluation_runs.retrieve(RUN),
    "list_results": lambda c: c.evaluation_runs.list_results(RUN, page=2),
    "iter_results": _some_prompts,
    "retrieve_results": lambda c: c.evaluation_runs.retrieve_results(RUN, 3),
    "list_evaluation_runs": lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE),
    "create": lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="j"),
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
field_names = st.sampled_from(
    [
        "evaluation_run_uuid",
        "status",
        "prompt_id",
        "metric_results",
        "run_name",
        "started_at",
        "input",
        "output",
        "number_value",
        "string_value",
        "metric_name",
        "evaluation_run_uuids",
        "total",
        "pages",
        "next",
        "last",
    ]
)
shaped = st.recursive(
    json_values,
    lambda inner: st.dictionaries(field_names, inner, max_size=5) | st.lists(inner, max_size=3),
    max_leaves=30,
)
envelopes = st.builds(
    lambda key, value: {key: value},
    st.sampled_from(
        ["evaluation_run", "prompt", "prompts", "evaluation_runs", "evaluation_run_uuids", "meta", "links", "id"]
    ),
    shaped,
)
bodies = st.one_of(
    envelopes.map(lambda v: json.dumps(v).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),  # non-object bodies: lists, strings, null, NaN
    st.binary(max_size=300),
    st.integers(300, 6000).map(lambda n: b'{"evaluation_run": {"status": 1' + b"7" * n + b"}}"),
    st.integers(200, 3000).map(lambda n: b'{"prompts": ' + b"[" * n + b"]" * n + b"}"),
    st.sampled_from(
        [
            b'{"evaluation_run": {"evaluation_run_uuid": "\\ud800", "run_name": "\\udfff"}}',
            b'{"evaluation_run": {"run_name": "\xff\xfe"}}',
            b'\xef\xbb\xbf{"evaluation_run": {}}',
            b'{"evaluation_run": {"started_at": "9999-99-99T99:99:99Z"}}',
            b'{"evaluation_run": {"started_at": "-999999999-01-01T00:00:00Z"}}',
            b'{"prompts": [{"prompt_id": 1e400}], "meta": {"total": -1, "pages": 1e999}}',
            b'{"evaluation_run_uuids": [null, 5, {"a": 1}]}',
            b'{"prompts": [{"prompt_id": 1}], "links": {"pages": {"next": "http://[::1"}}}',
            b'{"prompts": [{"prompt_id": 1}], "links": {"pages": {"next": "https://evil.example/x"}}}',
            b"",
        ]
    ),
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
numberish = st.one_of(header_text, st.integers().map(str), st.sampled_from(["9" * 400, "-5", "1e400", "nan", "0"]))
failures = st.sampled_from(
    [
        None,
        None,
        None,
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("junk"),
        httpx.DecodingError("bad"),
        httpx.ReadTimeout("slow"),
        httpx.ProxyError("proxy"),
        httpx.LocalProtocolError("local"),
        httpx.UnsupportedProtocol("gopher"),
        httpx.ConnectError("refused"),
    ]
)


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(bodies)
    coding = draw(
        st.sampled_from(
            [
                None,
                "gzip",
                "x-gzip",
                "deflate",
                "br",
                "zstd",
                "identity",
                "gzip, gzip",
                "bogus",
                "GZIP",
                "gzip, identity",
            ]
        )
    )
    if coding in ("gzip", "x-gzip", "GZIP") and draw(st.booleans()):
        body = zlib.compress(body, wbits=31)[: draw(st.none() | st.integers(0, 40)) or None]
    elif coding == "deflate" and draw(st.booleans()):
        body = zlib.compress(body)
    headers = {"content-type": draw(st.sampled_from(["application/json", "text/html", "", "application/x-junk"]))}
    if coding is not None:
        headers["content-encoding"] = coding
    for name in ("ratelimit-reset", "ratelimit-remaining", "ratelimit-limit", "retry-after", "content-length"):
        if draw(st.booleans()):
            headers[name] = draw(numberish)
    if draw(st.booleans()):
        headers["x-request-id"] = draw(header_text)
    cuts = sorted(draw(st.lists(st.integers(0, max(0, len(body))), max_size=4)))
    return {
        "status": draw(
            st.sampled_from(
                [
                    200,
                    201,
                    202,
                    204,
                    206,
                    299,
                    301,
                    302,
                    304,
                    400,
                    401,
                    403,
                    404,
                    408,
                    409,
                    418,
                    422,
                    429,
                    500,
                    502,
                    503,
                    504,
                    599,
                ]
            )
        ),
        "headers": headers,
        "body": body,
        "chunks": [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)],
        "in_memory": draw(st.booleans()),
        "failure": draw(failures),
    }


def _transport(answer: dict[str, Any]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if answer["failure"] is not None:
            raise answer["failure"]
        headers = dict(answer["headers"])
        if answer["in_memory"]:
            headers.pop("content-length", None)  # httpx sets the true one for a body it holds
            return httpx.Response(answer["status"], headers=headers, content=answer["body"], request=request)
        return httpx.Response(answer["status"], headers=headers, stream=Chunks(answer["chunks"]), request=request)

    return httpx.MockTransport(handle)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(answer=answers(), call=st.sampled_from(sorted(CALLS)))
def test_every_failure_is_a_gradient_evals_error(answer: dict[str, Any], call: str) -> None:
    async def scenario() -> None:
        client = AsyncGradientEvals(
            "token",
            base_url="https://api.digitalocean.com",
            http_client=httpx.AsyncClient(transport=_transport(answer)),
            retry=RetryPolicy(max_retries=1, initial_backoff=0, max_backoff=0, max_retry_wait=0, jitter=False),
            max_response_bytes=4096,
        )
        async with client:
            with contextlib.suppress(GradientEvalsError):
                await CALLS[call](client)

    anyio.run(scenario)
