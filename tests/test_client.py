"""Client configuration: token, base URL, plain-HTTP policy, secrecy of the token, a user's own httpx client."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import (
    APIStatusError,
    AsyncGradientEvals,
    ConfigurationError,
    GradientEvalsError,
    RunCreationUnknownError,
)
from gradient_evals.types import EvaluationRun

BASE = "https://api.digitalocean.com"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
SECRET = "dop_v1_0123456789abcdefSECRET"  # a distinctive fake token to search for
RUN_BODY = {"evaluation_run": {"evaluation_run_uuid": RUN}}
MakeClient = Callable[..., AsyncGradientEvals]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("GRADIENT_BASE_URL", raising=False)


# -- token --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_is_a_configuration_error(token: str | None) -> None:
    with pytest.raises(ConfigurationError) as info:
        AsyncGradientEvals(access_token=token)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, GradientEvalsError)
    assert "DIGITALOCEAN_ACCESS_TOKEN" in str(info.value)


@pytest.mark.parametrize("token", ["two words", "line\nbreak", "tab\there", "bell\x07"])
def test_malformed_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        AsyncGradientEvals(access_token=token)
    assert token not in str(info.value)


@pytest.mark.anyio
async def test_token_from_environment(monkeypatch: pytest.MonkeyPatch, httpx_mock: HTTPXMock) -> None:
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", SECRET)
    client = AsyncGradientEvals()
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}",
        match_headers={"Authorization": f"Bearer {SECRET}"},
        json=RUN_BODY,
    )
    run = await client.evaluation_runs.retrieve(RUN)
    assert isinstance(run, EvaluationRun)
    await client.aclose()


def test_explicit_token_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "from-env")
    client = AsyncGradientEvals(access_token="explicit")
    assert client._transport._auth_header == "Bearer explicit"


# -- base URL -----------------------------------------------------------------------------------------------


def test_default_base_url() -> None:
    assert AsyncGradientEvals(access_token="t").base_url == BASE


@pytest.mark.anyio
async def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch, httpx_mock: HTTPXMock) -> None:
    monkeypatch.setenv("GRADIENT_BASE_URL", "https://gradient.internal.example.com")
    client = AsyncGradientEvals(access_token="t", max_retries=0)
    assert client.base_url == "https://gradient.internal.example.com"
    httpx_mock.add_response(url=f"https://gradient.internal.example.com/v2/gen-ai/evaluation_runs/{RUN}", json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    await client.aclose()


def test_explicit_base_url_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIENT_BASE_URL", "https://from-env.example.com")
    assert AsyncGradientEvals(access_token="t", base_url="https://explicit.example.com").base_url == (
        "https://explicit.example.com"
    )


@pytest.mark.parametrize("url", ["http://api.digitalocean.com", "http://10.0.0.5:8080", "http://example.com/"])
def test_plain_http_to_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        AsyncGradientEvals(access_token="t", base_url=url)
    client = AsyncGradientEvals(access_token="t", base_url=url, allow_insecure_http=True)
    assert client.base_url.startswith("http://")


@pytest.mark.parametrize(
    "url", ["http://localhost:8080", "http://127.0.0.1:9000", "http://[::1]:8000", "http://api.localhost"]
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert AsyncGradientEvals(access_token="t", base_url=url).base_url.startswith("http://")


@pytest.mark.parametrize(
    "url", ["ftp://api.digitalocean.com", "api.digitalocean.com", "https://", "https://user:pw@api.digitalocean.com"]
)
def test_malformed_base_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncGradientEvals(access_token="t", base_url=url)


# -- the token stays secret ---------------------------------------------------------------------------------


def test_repr_has_no_token() -> None:
    client = AsyncGradientEvals(access_token=SECRET)
    assert SECRET not in repr(client)
    assert SECRET not in str(client)
    assert "redacted" in repr(client)


@pytest.mark.anyio
async def test_errors_and_logs_never_contain_the_token(
    make_client: MakeClient, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="gradient_evals")
    client = make_client(access_token=SECRET)
    run_url = f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}"
    # Retries, a status error and a create of unknown outcome: every path that builds a message or logs.
    httpx_mock.add_response(url=run_url, status_code=500, json={"id": "server_error", "message": "boom"})
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=run_url)
    httpx_mock.add_response(url=run_url, json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    httpx_mock.add_response(
        url=run_url, status_code=401, json={"id": "unauthorized", "message": "Unable to authenticate you."}
    )
    with pytest.raises(APIStatusError) as status_error:
        await client.evaluation_runs.retrieve(RUN)
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), url=f"{BASE}/v2/gen-ai/evaluation_runs", method="POST")
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs",
        json={"evaluation_runs": []},
        is_reusable=True,
    )
    with pytest.raises(RunCreationUnknownError) as unknown:
        await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name="n", recover=False)
    for exc in (status_error.value, unknown.value, unknown.value.cause):
        assert SECRET not in str(exc)
        assert SECRET not in repr(exc)
        assert SECRET not in str(vars(exc))
    assert caplog.records, "the session should have logged its requests at DEBUG"
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    for record in caplog.records:
        assert SECRET not in record.getMessage()
    assert SECRET not in caplog.text
    await client.aclose()


# -- the user's own httpx client ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_user_http_client_is_used_and_not_closed(httpx_mock: HTTPXMock) -> None:
    own = httpx.AsyncClient(headers={"X-Team": "evals"})
    client = AsyncGradientEvals(access_token="t", http_client=own, max_retries=0)
    assert client._transport.http_client is own
    httpx_mock.add_response(
        url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}", match_headers={"X-Team": "evals"}, json=RUN_BODY
    )
    await client.evaluation_runs.retrieve(RUN)
    await client.aclose()
    assert client.is_closed
    assert not own.is_closed
    await own.aclose()


@pytest.mark.anyio
async def test_own_http_client_is_closed_by_aclose() -> None:
    client = AsyncGradientEvals(access_token="t")
    async with client:
        assert not client.is_closed
    assert client.is_closed
    assert client._transport.http_client.is_closed


@pytest.mark.anyio
async def test_closed_client_refuses_requests(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.evaluation_runs.retrieve(RUN)
    assert httpx_mock.get_requests() == []


# -- timeouts -----------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_per_call_timeout_is_passed_through(make_client: MakeClient, httpx_mock: HTTPXMock) -> None:
    client = make_client(timeout=30.0)
    url = f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}"
    httpx_mock.add_response(url=url, json=RUN_BODY, is_reusable=True)
    await client.evaluation_runs.retrieve(RUN)
    await client.evaluation_runs.retrieve(RUN, timeout=2.5)
    await client.evaluation_runs.retrieve(RUN, timeout=httpx.Timeout(4.0, connect=1.0))
    default, per_call, detailed = (r.extensions["timeout"] for r in httpx_mock.get_requests())
    assert default == {"connect": 30.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert per_call == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}
    assert detailed == {"connect": 1.0, "read": 4.0, "write": 4.0, "pool": 4.0}


@pytest.mark.parametrize(
    ("timeout", "error"), [(0, ValueError), (-1.0, ValueError), ("5", TypeError), (True, TypeError)]
)
def test_bad_timeout_is_refused(timeout: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        AsyncGradientEvals(access_token="t", timeout=timeout)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, True, 1.5])
def test_bad_max_retries_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        AsyncGradientEvals(access_token="t", max_retries=value)  # type: ignore[arg-type]


def test_max_retries_overrides_the_policy_count_only(make_client: MakeClient) -> None:
    from gradient_evals import RetryPolicy

    client = make_client(retry=RetryPolicy(max_retries=9, max_retry_wait=5.0), max_retries=1)
    assert client.retry_policy.max_retries == 1
    assert client.retry_policy.max_retry_wait == 5.0


# -- the token goes to the API's origin only ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/v2/gen-ai/evaluation_runs",
        "http://api.digitalocean.com/v2/gen-ai/evaluation_runs",
        "https://api.digitalocean.com:8443/v2/gen-ai/evaluation_runs",
        "https://api.digitalocean.com.evil.example.com/v2",
        "//evil.example.com/v2",
        "not a url",
    ],
)
async def test_transport_refuses_foreign_origins(url: str, client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    with pytest.raises(ValueError, match="another origin"):
        await client._transport.request("GET", url, cast_to=EvaluationRun)
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
async def test_transport_accepts_its_own_origin_with_explicit_port(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}", json=RUN_BODY)
    run = await client._transport.request(
        "GET",
        f"https://api.digitalocean.com:443/v2/gen-ai/evaluation_runs/{RUN}",
        cast_to=EvaluationRun,
        key="evaluation_run",
    )
    assert run.evaluation_run_uuid == RUN


def test_redirects_are_not_followed(client: AsyncGradientEvals) -> None:
    assert client._transport.http_client.follow_redirects is False
