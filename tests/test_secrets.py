"""The access token stays secret: not in logs, errors or reprs, and never sent to another origin."""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gradient_evals import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncGradientEvals,
    AuthenticationError,
    ConfigurationError,
    GradientEvals,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    RunCreationUnknownError,
)
from gradient_evals.testing import FakeGradientServer, Fault

TOKEN = "dop_v1_" + "5ec2e7" * 10
WRONG_TOKEN = "dop_v1_" + "bad70c" * 10
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def no_backoff(max_retries: int = 2) -> RetryPolicy:
    return RetryPolicy(max_retries=max_retries, initial_backoff=0, max_backoff=0, jitter=False)


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=4, token=TOKEN, run_duration=0.2) as srv:
        yield srv


def leaks(text: str) -> bool:
    return TOKEN in text or WRONG_TOKEN in text or "5ec2e75ec2e7" in text


def everything_said_by(exc: BaseException) -> str:
    """str, repr, attributes and the formatted traceback of an exception and of its whole chain."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(getattr(current, "__dict__", {}))]
        current = current.__cause__ or current.__context__
    parts.append("".join(traceback.format_exception(exc)))
    return "\n".join(parts)


# -- logs ---------------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_debug_logs_of_a_whole_session_never_show_the_token(
    server: FakeGradientServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: the SDK's, httpx's and httpcore's
    run = server.add_run(prompts=120)
    test_case = server.add_test_case(prompts=3)
    server.inject(Fault.status(503), every=4)
    server.inject(Fault.rate_limited(retry_after=0), every=7)
    server.inject(Fault.reset(), every=9)
    async with AsyncGradientEvals(access_token=TOKEN, base_url=server.base_url, retry=no_backoff(10)) as client:
        await client.evaluation_runs.create(test_case_uuid=test_case, agent_uuids=[AGENT], run_name="logged")
        await client.evaluation_runs.retrieve(run)
        await client.evaluation_runs.list_results(run, page=2, per_page=10)
        prompts = [p async for p in client.evaluation_runs.iter_results(run, per_page=10)]
        await client.evaluation_runs.retrieve_results(run, server.prompt_ids(run)[3])
        await client.evaluation_test_cases.list_evaluation_runs(test_case)
        with pytest.raises(NotFoundError):
            await client.evaluation_runs.retrieve(RUN)
    server.clear_faults()
    async with AsyncGradientEvals(access_token=WRONG_TOKEN, base_url=server.base_url, max_retries=0) as other:
        with pytest.raises(AuthenticationError):
            await other.evaluation_runs.retrieve(run)
    assert len(prompts) == 120
    messages = [r.getMessage() for r in caplog.records]
    assert any("retrying" in m for m in messages)  # the retries were logged...
    assert any("HTTP GET" in m for m in messages)  # ...and so were the requests
    for record in caplog.records:
        said = record.getMessage() + repr(record.args) + (record.exc_text or "")
        if record.exc_info:
            said += "".join(traceback.format_exception(*record.exc_info))
        assert not leaks(said), said
    assert not leaks(caplog.text)


# -- exceptions ---------------------------------------------------------------------------------------------


def _raise_each_kind(server: FakeGradientServer) -> Iterator[tuple[type[BaseException], Callable[..., Any]]]:
    run = server.add_run(prompts=30)
    test_case = server.add_test_case(prompts=2)

    async def not_found(client: AsyncGradientEvals) -> None:
        await client.evaluation_runs.retrieve(RUN)

    async def status(client: AsyncGradientEvals, fault: Fault) -> None:
        server.inject(fault)
        try:
            await client.evaluation_runs.retrieve(run)
        finally:
            server.clear_faults()

    async def stream(client: AsyncGradientEvals, fault: Fault) -> None:
        prompts = client.evaluation_runs.iter_results(run, per_page=10, prefetch=1)
        await prompts.__anext__()
        server.inject(fault)  # from page 2 on
        try:
            [p async for p in prompts]
        finally:
            server.clear_faults()

    async def create(client: AsyncGradientEvals, fault: Fault) -> None:
        server.inject(fault, method="POST")
        try:
            await client.evaluation_runs.create(
                test_case_uuid=test_case, agent_uuids=[AGENT], run_name="x", recover=False
            )
        finally:
            server.clear_faults()

    yield NotFoundError, not_found
    yield RateLimitError, lambda c: status(c, Fault.rate_limited(retry_after=0))
    yield InternalServerError, lambda c: status(c, Fault.status(500))
    yield InternalServerError, lambda c: status(c, Fault.html_error(502))
    yield APIConnectionError, lambda c: status(c, Fault.reset())
    yield APIConnectionError, lambda c: status(c, Fault.truncated())
    yield APITimeoutError, lambda c: status(c, Fault.stall(5))
    yield APIResponseValidationError, lambda c: status(c, Fault.malformed_json())
    yield InternalServerError, lambda c: stream(c, Fault.status(503))
    # Refused before acting, but a 500 or a reset leaves the outcome unknown; with no runs found and no
    # re-send allowed, create says so.
    yield RunCreationUnknownError, lambda c: create(c, Fault.status(500))
    yield RunCreationUnknownError, lambda c: create(c, Fault.reset())


@pytest.mark.anyio
async def test_no_error_shows_the_token(server: FakeGradientServer) -> None:
    raised: list[BaseException] = []
    async with AsyncGradientEvals(
        access_token=TOKEN, base_url=server.base_url, retry=no_backoff(1), timeout=0.3
    ) as client:
        for kind, action in _raise_each_kind(server):
            with pytest.raises(kind) as info:
                await action(client)
            raised.append(info.value)
    async with AsyncGradientEvals(access_token=WRONG_TOKEN, base_url=server.base_url, max_retries=0) as other:
        with pytest.raises(AuthenticationError) as info:
            await other.evaluation_runs.retrieve(RUN)
        raised.append(info.value)
    assert len(raised) == 12
    for exc in raised:
        assert not leaks(everything_said_by(exc)), everything_said_by(exc)


@pytest.mark.parametrize(
    "options",
    [
        {"access_token": TOKEN + "\n"},
        {"access_token": TOKEN + " trailing"},
        {"access_token": TOKEN, "base_url": f"https://user:{TOKEN}@api.digitalocean.com"},
        {"access_token": TOKEN, "base_url": f"ftp://{TOKEN}@api.digitalocean.com"},
        {"access_token": TOKEN, "base_url": f"http://{TOKEN}:x@api.example.com"},
        {"access_token": TOKEN, "base_url": "http://api.example.com"},
        {"access_token": TOKEN, "base_url": f"https://{TOKEN}@api.digitalocean.com/\n"},
        {"access_token": TOKEN, "base_url": f"mailto:{TOKEN}@example.com"},
        {"access_token": "x", "base_url": TOKEN},
        {"access_token": "x", "base_url": f"api.digitalocean.com?token={TOKEN}"},
    ],
    ids=[
        "newline",
        "space",
        "userinfo",
        "ftp-userinfo",
        "http-userinfo",
        "plain-http",
        "invalid-url",
        "mailto",
        "token-as-base-url",
        "no-scheme",
    ],
)
def test_configuration_errors_do_not_show_the_token(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as info:
        AsyncGradientEvals(**options)
    assert not leaks(everything_said_by(info.value)), everything_said_by(info.value)


def test_client_reprs_do_not_show_the_token() -> None:
    client = AsyncGradientEvals(access_token=TOKEN)
    assert "redacted" in repr(client)
    for text in (repr(client), str(client), repr(client.evaluation_runs), repr(client.retry_policy)):
        assert not leaks(text), text
    with GradientEvals(access_token=TOKEN) as blocking:
        for text in (repr(blocking), str(blocking), repr(blocking.evaluation_runs), repr(blocking.async_client)):
            assert not leaks(text), text


def test_the_token_travels_only_in_the_authorization_header(server: FakeGradientServer) -> None:
    run = server.add_run(prompts=25)
    with GradientEvals(access_token=TOKEN, base_url=server.base_url) as client:
        list(client.evaluation_runs.iter_results(run, per_page=10))
    assert server.requests
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        others = {k: v for k, v in request.headers.items() if k != "authorization"}
        assert not leaks(request.path + json.dumps(request.query) + json.dumps(others))


# -- other origins ------------------------------------------------------------------------------------------


class ScriptedServer:
    """A loopback HTTP server answering with ``script(method, path, query)`` and recording what it received."""

    def __init__(self, script: Callable[[str, str, dict[str, str]], tuple[int, dict[str, str], bytes]]) -> None:
        self.received: list[tuple[str, str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _any(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                owner.received.append((self.command, parts.path, dict(self.headers.items())))
                status, headers, body = script(self.command, parts.path, query)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _any

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _nothing(method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    body = {"evaluation_run": {"evaluation_run_uuid": RUN}, "prompts": [], "evaluation_run_uuids": [RUN]}
    return 200, {}, json.dumps(body).encode()


@pytest.mark.anyio
@pytest.mark.parametrize("prefetch", [1, 8])
async def test_a_next_link_to_another_origin_gets_no_request(prefetch: int) -> None:
    with ScriptedServer(_nothing) as elsewhere:

        def api(method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            page = int(query.get("page", "1"))
            prompts = [{"prompt_id": page * 100 + i} for i in range(3)] if page <= 3 else []
            links = {"next": f"{elsewhere.base_url}{path}?page={page + 1}&per_page=3"} if page < 3 else {}
            body = {"prompts": prompts, "meta": {"page": page, "total": 9}, "links": {"pages": links}}
            return 200, {}, json.dumps(body).encode()

        with ScriptedServer(api) as origin:
            async with AsyncGradientEvals(access_token=TOKEN, base_url=origin.base_url, max_retries=0) as client:
                got = [
                    p.prompt_id async for p in client.evaluation_runs.iter_results(RUN, per_page=3, prefetch=prefetch)
                ]
        assert got == [100, 101, 102, 200, 201, 202, 300, 301, 302]
        assert elsewhere.received == []
        assert [r[0] for r in origin.received] == ["GET"] * 3
        assert all(r[2].get("Authorization") == f"Bearer {TOKEN}" for r in origin.received)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_origin_is_not_followed(status: int) -> None:
    with ScriptedServer(_nothing) as elsewhere:

        def api(method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            return status, {"Location": f"{elsewhere.base_url}{path}"}, b""

        with ScriptedServer(api) as origin:
            async with AsyncGradientEvals(access_token=TOKEN, base_url=origin.base_url, retry=no_backoff()) as client:
                with pytest.raises(APIStatusError) as got:
                    await client.evaluation_runs.retrieve(RUN)
                with pytest.raises(APIStatusError) as created:
                    await client.evaluation_runs.create(test_case_uuid=RUN, agent_uuids=[AGENT])
                with pytest.raises(APIStatusError):
                    [p async for p in client.evaluation_runs.iter_results(RUN)]
        assert elsewhere.received == []
        assert got.value.status_code == status
        assert created.value.status_code == status
        assert not leaks(everything_said_by(got.value))
        assert len(origin.received) == 3  # and a redirect is not retried either


def test_the_blocking_client_does_not_follow_redirects_either() -> None:
    with ScriptedServer(_nothing) as elsewhere:

        def api(method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            return 307, {"Location": f"{elsewhere.base_url}{path}"}, b""

        with (
            ScriptedServer(api) as origin,
            GradientEvals(access_token=TOKEN, base_url=origin.base_url) as client,
            pytest.raises(APIStatusError) as info,
        ):
            client.evaluation_runs.retrieve(RUN)
        assert info.value.status_code == 307
        assert elsewhere.received == []


# -- plain HTTP ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.digitalocean.com",
        "http://api.example.com:8080/",
        "http://10.0.0.7",
        "http://0.0.0.0:8000",
        "http://127.0.0.1.nip.io",
        "http://localhost.example.com",
        "http://[::ffff:8.8.8.8]",
    ],
)
def test_plain_http_to_a_remote_host_is_refused(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        AsyncGradientEvals(access_token=TOKEN, base_url=base_url)
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        GradientEvals(access_token=TOKEN, base_url=base_url)
    monkeypatch.setenv("GRADIENT_BASE_URL", base_url)
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        AsyncGradientEvals(access_token=TOKEN)
    # Only an explicit opt-in allows it.
    assert AsyncGradientEvals(access_token=TOKEN, base_url=base_url, allow_insecure_http=True).base_url.startswith(
        "http://"
    )


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost:3000", "http://[::1]:4010", "http://api.localhost"]
)
def test_plain_http_to_loopback_is_allowed(base_url: str) -> None:
    assert AsyncGradientEvals(access_token=TOKEN, base_url=base_url).base_url.startswith("http://")
