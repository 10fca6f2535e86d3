"""The token never shows: not in a refusal of a malformed token, not in a traceback printed with its locals."""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from transport.hostile_servers import (
    AGENT,
    RUN,
    RUN_JSON,
    TEST_CASE,
    TOKEN,
    HostileServer,
    client_of,
    drip,
    endless,
    refused_port,
    whole,
)

from gradient_evals import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncGradientEvals,
    ConfigurationError,
    GradientEvals,
    GradientEvalsError,
    ResponseTooLargeError,
    RunCreationUnknownError,
)

pytestmark = pytest.mark.anyio


# -- a token that cannot travel in a header is refused at construction ---------------------------------------

MALFORMED = [
    pytest.param(TOKEN + "\u201d", id="smart-quote-after"),
    pytest.param("\u201c" + TOKEN + "\u201d", id="smart-quotes-around"),
    pytest.param(TOKEN[:5] + "\u00e9" + TOKEN[5:], id="accented-letter"),
    pytest.param(TOKEN + "\u00a0", id="no-break-space"),
    pytest.param(TOKEN + "\u200b", id="zero-width-space"),
    pytest.param(TOKEN + "\x00", id="nul"),
    pytest.param(TOKEN + "\x7f", id="del"),
    pytest.param(TOKEN + "\n", id="newline"),
    pytest.param(TOKEN[:5] + " " + TOKEN[5:], id="space"),
]


@pytest.mark.parametrize("token", MALFORMED)
def test_a_token_that_cannot_be_sent_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AsyncGradientEvals(token)
    shown = f"{caught.value} {caught.value!r} {caught.value.args}"
    assert TOKEN not in shown
    assert TOKEN[:8] not in shown
    assert "access token" in str(caught.value)


@pytest.mark.parametrize("token", MALFORMED[:3])
def test_a_malformed_token_from_the_environment_is_refused_too(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", token)
    with pytest.raises(ConfigurationError) as caught:
        GradientEvals()
    assert TOKEN not in str(caught.value)


def test_the_refusal_names_the_offending_character() -> None:
    with pytest.raises(ConfigurationError, match=rf"U\+201D at position {len(TOKEN)}"):
        AsyncGradientEvals(TOKEN + "\u201d")


@pytest.mark.parametrize("token", [123, 1.5, b"bytes-token", ["a", "list"], object()])
def test_a_token_that_is_not_a_string_is_a_type_error(token: Any) -> None:
    with pytest.raises(TypeError, match=r"access_token must be a string, got "):
        AsyncGradientEvals(token)


# -- tracebacks printed with locals ---------------------------------------------------------------------------

Call = Callable[[AsyncGradientEvals], Awaitable[Any]]


async def _retrieve(client: AsyncGradientEvals) -> Any:
    return await client.evaluation_runs.retrieve(RUN)


async def _results(client: AsyncGradientEvals) -> Any:
    return [prompt async for prompt in client.evaluation_runs.iter_results(RUN)]


async def _create(client: AsyncGradientEvals) -> Any:
    return await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="n")


SCENARIOS = [
    pytest.param(
        whole(b'{"id": "boom", "message": "no"}', status="500 Internal Server Error"),
        _retrieve,
        APIStatusError,
        id="status",
    ),
    pytest.param(whole(b"<html>proxy</html>"), _retrieve, APIResponseValidationError, id="not-json"),
    pytest.param(whole(b"\xff\xfe{}"), _retrieve, APIResponseValidationError, id="invalid-utf8"),
    pytest.param(
        whole(b'{"evaluation_run": {"evaluation_run_uuid": [1]}}'),
        _retrieve,
        APIResponseValidationError,
        id="wrong-shape",
    ),
    pytest.param(
        whole(b'{"prompts": [{"prompt_id": {}}]}'), _results, APIResponseValidationError, id="wrong-shape-page"
    ),
    pytest.param(whole(b"{}", "Content-Encoding: gzip"), _retrieve, APIResponseValidationError, id="bad-gzip"),
    pytest.param(endless(), _retrieve, ResponseTooLargeError, id="too-large"),
    pytest.param(drip(), _retrieve, APITimeoutError, id="timeout"),
    pytest.param(whole(b"", status="502 Bad Gateway"), _create, RunCreationUnknownError, id="create-unknown"),
    pytest.param(None, _retrieve, APIConnectionError, id="refused"),
]


def _formatted_with_locals(exc: BaseException) -> str:
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


@pytest.mark.parametrize(("responder", "call", "error"), SCENARIOS)
async def test_no_traceback_with_locals_shows_the_token(
    responder: Any, call: Call, error: type[GradientEvalsError], hostile: Callable[..., HostileServer]
) -> None:
    url = hostile(responder).url if responder is not None else f"http://127.0.0.1:{refused_port()}"
    # Only the dripping server needs a short timeout; the others answer at once, however loaded the machine.
    timeout = 0.5 if error is APITimeoutError else 30.0
    async with client_of(url, timeout=timeout, max_response_bytes=65536) as client:
        with pytest.raises(error) as caught:
            await call(client)
    text = _formatted_with_locals(caught.value)  # must not raise either
    assert TOKEN not in text
    assert TOKEN not in f"{caught.value} {caught.value!r}"


@pytest.mark.parametrize(
    ("responder", "call", "error"),
    [
        pytest.param(
            whole(b"{}", status="500 Internal Server Error"),
            lambda c: c.evaluation_runs.retrieve(RUN),
            APIStatusError,
            id="status",
        ),
        pytest.param(
            whole(b'{"evaluation_run": {"evaluation_run_uuid": [1]}}'),
            lambda c: c.evaluation_runs.retrieve(RUN),
            APIResponseValidationError,
            id="wrong-shape",
        ),
        pytest.param(
            whole(b'{"prompts": [{"prompt_id": {}}]}'),
            lambda c: list(c.evaluation_runs.iter_results(RUN)),
            APIResponseValidationError,
            id="wrong-shape-page",
        ),
        pytest.param(
            whole(b"", status="502 Bad Gateway"),
            lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT]),
            RunCreationUnknownError,
            id="create-unknown",
        ),
    ],
)
def test_no_traceback_with_locals_shows_the_token_with_the_blocking_client(
    responder: Any,
    call: Callable[[GradientEvals], Any],
    error: type[GradientEvalsError],
    hostile: Callable[..., HostileServer],
) -> None:
    server = hostile(responder)
    with GradientEvals(TOKEN, base_url=server.url, max_retries=0) as client, pytest.raises(error) as caught:
        call(client)
    assert TOKEN not in _formatted_with_locals(caught.value)


async def test_a_successful_call_still_sends_the_token(hostile: Callable[..., HostileServer]) -> None:
    server = hostile(whole(RUN_JSON))
    async with client_of(server.url) as client:
        await client.evaluation_runs.retrieve(RUN)
    assert f"Authorization: Bearer {TOKEN}".encode() in server.requests[0]
