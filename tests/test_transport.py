"""Transport behaviour seen through the client: error mapping, retries, waits, and undecodable bodies."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncGradientEvals,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GradientEvalsError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RunCreationUnknownError,
    UnprocessableEntityError,
    _transport,
)
from gradient_evals.types import EvaluationRun

pytestmark = pytest.mark.anyio

BASE = "https://api.digitalocean.com"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
RUN_URL = f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}"
CREATE_URL = f"{BASE}/v2/gen-ai/evaluation_runs"
RUN_BODY = {"evaluation_run": {"evaluation_run_uuid": RUN, "status": "EVALUATION_RUN_SUCCESSFUL"}}
MakeClient = Callable[..., AsyncGradientEvals]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every pause the retry layer asks for instead of waiting."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_transport.anyio, "sleep", fake_sleep)
    return recorded


def _no_retry(make_client: MakeClient) -> AsyncGradientEvals:
    return make_client(max_retries=0)


async def _create(client: AsyncGradientEvals, run_name: str | None = "nightly", **options: Any) -> Any:
    return await client.evaluation_runs.create(
        test_case_uuid=TEST_CASE, agent_uuids=[AGENT], run_name=run_name, **options
    )


LIST_RUNS_URL = f"{BASE}/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs"


def no_runs_listed(httpx_mock: HTTPXMock) -> None:
    """The test case's run list, looked up after a create of unknown outcome: nothing there."""
    httpx_mock.add_response(url=LIST_RUNS_URL, json={"evaluation_runs": []}, is_reusable=True)


# -- status errors ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (418, APIStatusError),
        (405, APIStatusError),
    ],
)
async def test_status_maps_to_error_class(
    status: int, error_cls: type[APIStatusError], make_client: MakeClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=RUN_URL,
        status_code=status,
        json={"id": "some_error", "message": "what went wrong", "request_id": "req-body-1"},
        headers={
            "x-request-id": "req-header-1",
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "4816",
            "ratelimit-reset": str(int(time.time()) + 5),
        },
    )
    client = _no_retry(make_client)
    with pytest.raises(error_cls) as info:
        await client.evaluation_runs.retrieve(RUN)
    exc = info.value
    assert type(exc) is error_cls
    assert isinstance(exc, APIStatusError)
    assert isinstance(exc, APIError)
    assert isinstance(exc, GradientEvalsError)
    assert exc.status_code == status
    assert exc.error_id == "some_error"
    assert exc.error_message == "what went wrong"
    assert exc.request_id == "req-body-1"  # the body's id wins over the header
    assert exc.rate_limit["ratelimit-limit"] == "5000"
    assert exc.rate_limit["ratelimit-remaining"] == "4816"
    assert "ratelimit-reset" in exc.rate_limit
    assert exc.method == "GET"
    assert exc.url == f"/v2/gen-ai/evaluation_runs/{RUN}"
    text = str(exc)
    assert str(status) in text
    assert "what went wrong" in text
    assert "req-body-1" in text
    assert len(httpx_mock.get_requests()) == 1


async def test_request_id_falls_back_to_header(make_client: MakeClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=RUN_URL,
        status_code=404,
        json={"id": "not_found", "message": "The resource you requested could not be found."},
        headers={"x-request-id": "hdr-42"},
    )
    with pytest.raises(NotFoundError) as info:
        await _no_retry(make_client).evaluation_runs.retrieve(RUN)
    assert info.value.request_id == "hdr-42"
    assert info.value.error_id == "not_found"
    assert info.value.rate_limit == {}


@pytest.mark.parametrize(
    "body",
    [b"<html><body>502 Bad Gateway</body></html>", b"", b"{not json", b'["a list"]', b'{"id": 5, "message": []}'],
)
async def test_error_without_a_usable_body(body: bytes, make_client: MakeClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=502, content=body, headers={"x-request-id": "edge-1"})
    with pytest.raises(InternalServerError) as info:
        await _no_retry(make_client).evaluation_runs.retrieve(RUN)
    exc = info.value
    assert exc.status_code == 502
    assert exc.error_id is None
    assert exc.error_message is None
    assert exc.request_id == "edge-1"
    assert "Bad Gateway" in str(exc)  # the reason phrase stands in for the missing message


async def test_spec_error_body_example(
    make_client: MakeClient, httpx_mock: HTTPXMock, example: Callable[[str], Any]
) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=404, json=example("spec_error"))
    with pytest.raises(NotFoundError) as info:
        await _no_retry(make_client).evaluation_runs.retrieve(RUN)
    assert info.value.error_id == "not_found"
    assert info.value.error_message == "The resource you were accessing could not be found."
    assert info.value.request_id == "4d9d8375-3c56-4925-a3e7-eb137fed17e9"


async def test_rate_limit_headers_are_kept_on_the_client(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    assert client.rate_limit is None
    httpx_mock.add_response(
        url=RUN_URL,
        json=RUN_BODY,
        headers={"ratelimit-limit": "5000", "ratelimit-remaining": "4816", "ratelimit-reset": "1444931833"},
    )
    await client.evaluation_runs.retrieve(RUN)
    assert client.rate_limit is not None
    assert (client.rate_limit.limit, client.rate_limit.remaining, client.rate_limit.reset) == (5000, 4816, 1444931833)


# -- retries of idempotent requests -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
    ],
)
async def test_get_retried_after_transport_failure(
    failure: Exception, client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(failure, url=RUN_URL)
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    run = await client.evaluation_runs.retrieve(RUN)
    assert isinstance(run, EvaluationRun)
    assert run.evaluation_run_uuid == RUN
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_get_retried_on_retryable_status(
    status: int, client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=status, json={"id": "x", "message": "try again"})
    httpx_mock.add_response(url=RUN_URL, status_code=status, json={"id": "x", "message": "try again"})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    run = await client.evaluation_runs.retrieve(RUN)
    assert run.is_successful
    assert len(httpx_mock.get_requests()) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_get_not_retried_on_client_errors(status: int, client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=status, json={"id": "x", "message": "no"})
    with pytest.raises(APIStatusError):
        await client.evaluation_runs.retrieve(RUN)
    assert len(httpx_mock.get_requests()) == 1


async def test_timeouts_exhaust_retries_into_api_timeout_error(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=RUN_URL, is_reusable=True)
    with pytest.raises(APITimeoutError) as info:
        await client.evaluation_runs.retrieve(RUN)
    assert isinstance(info.value, APIConnectionError)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert "timed out" in str(info.value)
    assert len(httpx_mock.get_requests()) == 3  # the first attempt and the two default retries


async def test_connection_errors_exhaust_retries(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=RUN_URL, is_reusable=True)
    with pytest.raises(APIConnectionError) as info:
        await client.evaluation_runs.retrieve(RUN)
    assert not isinstance(info.value, APITimeoutError)
    assert "ConnectError" in str(info.value)
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.parametrize("max_retries", [0, 1, 4])
async def test_max_retries_is_respected(max_retries: int, make_client: MakeClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=503, is_reusable=True)
    client = make_client(max_retries=max_retries)
    with pytest.raises(InternalServerError):
        await client.evaluation_runs.retrieve(RUN)
    assert len(httpx_mock.get_requests()) == max_retries + 1


async def test_backoff_doubles_up_to_the_cap(
    make_client: MakeClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    from gradient_evals import RetryPolicy

    httpx_mock.add_response(url=RUN_URL, status_code=500, is_reusable=True)
    client = make_client(
        retry=RetryPolicy(max_retries=4, initial_backoff=0.5, max_backoff=1.5, jitter=False),
    )
    with pytest.raises(InternalServerError):
        await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [0.5, 1.0, 1.5, 1.5]


async def test_attempt_timeout_bounds_a_slow_response(make_client: MakeClient, httpx_mock: HTTPXMock) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(5)
        return httpx.Response(200, json=RUN_BODY)

    httpx_mock.add_callback(slow, url=RUN_URL)
    client = make_client(max_retries=0)
    # The answer comes after 5 s: a timeout error (not the run) shows the 0.05 s limit ended the call.
    with pytest.raises(APITimeoutError, match="timed out"):
        await client.evaluation_runs.retrieve(RUN, timeout=0.05)


# -- waits the server asks for ------------------------------------------------------------------------------


async def test_retry_after_seconds_is_honoured(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [7.0]


async def test_retry_after_on_503_is_honoured(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=503, headers={"Retry-After": "2"})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [2.0]


async def test_retry_after_http_date_is_honoured(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    httpx_mock.add_response(url=RUN_URL, status_code=429, headers={"Retry-After": when})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    assert len(sleeps) == 1
    assert 27 <= sleeps[0] <= 31


async def test_retry_after_in_the_past_waits_nothing(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() - 300, usegmt=True)
    httpx_mock.add_response(url=RUN_URL, status_code=429, headers={"Retry-After": when})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [0.0]


async def test_429_without_retry_after_uses_ratelimit_reset(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    reset = int(time.time()) + 20
    httpx_mock.add_response(url=RUN_URL, status_code=429, headers={"ratelimit-reset": str(reset)})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    await client.evaluation_runs.retrieve(RUN)
    assert len(sleeps) == 1
    assert 17 <= sleeps[0] <= 21


async def test_unreadable_retry_after_falls_back_to_backoff(
    make_client: MakeClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    from gradient_evals import RetryPolicy

    httpx_mock.add_response(url=RUN_URL, status_code=429, headers={"Retry-After": "soon"})
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    client = make_client(retry=RetryPolicy(initial_backoff=0.25, jitter=False))
    await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [0.25]


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "3600"}, {"ratelimit-reset": str(int(time.time()) + 3600)}],
)
async def test_wait_above_max_retry_wait_raises_at_once(
    headers: dict[str, str], client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        url=RUN_URL,
        status_code=429,
        headers=headers,
        json={"id": "too_many_requests", "message": "API rate limit exceeded."},
    )
    with pytest.raises(RateLimitError) as info:
        await client.evaluation_runs.retrieve(RUN)
    assert len(httpx_mock.get_requests()) == 1
    assert sleeps == []
    assert info.value.retry_after is not None
    assert info.value.retry_after > client.retry_policy.max_retry_wait
    assert "retry after" in str(info.value)


async def test_rate_limit_exhausted_raises_rate_limit_error(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(url=RUN_URL, status_code=429, headers={"Retry-After": "1"}, is_reusable=True)
    with pytest.raises(RateLimitError) as info:
        await client.evaluation_runs.retrieve(RUN)
    assert info.value.retry_after == 1.0
    assert info.value.rate_limit["retry-after"] == "1"
    assert len(httpx_mock.get_requests()) == 3
    assert sleeps == [1.0, 1.0]


# -- bodies that are not the documented JSON ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", {"content-type": "text/html"}),
        (b'{"evaluation_run": {"evaluation_run_uuid": "0b4a', {"content-type": "application/json"}),
        (b"", {}),
    ],
    ids=["html", "truncated", "empty"],
)
async def test_unparseable_200_is_retried_then_raises(
    content: bytes, headers: dict[str, str], client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=RUN_URL, content=content, headers={**headers, "x-request-id": "rid-9"}, is_reusable=True
    )
    with pytest.raises(APIResponseValidationError) as info:
        await client.evaluation_runs.retrieve(RUN)
    exc = info.value
    assert exc.status_code == 200
    assert exc.request_id == "rid-9"
    assert "not valid JSON" in str(exc)
    assert "rid-9" in str(exc)
    assert exc.body_excerpt == content[:200].decode()
    assert len(httpx_mock.get_requests()) == 3


async def test_unparseable_200_then_good_body(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=RUN_URL, content=b"<html>proxy</html>")
    httpx_mock.add_response(url=RUN_URL, json=RUN_BODY)
    run = await client.evaluation_runs.retrieve(RUN)
    assert run.evaluation_run_uuid == RUN
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"evaluation_run": {"pass_status": "true"}}, "a boolean"),
        ({"evaluation_run": {"run_name": {"nested": "object"}}}, "a string"),
        ({"evaluation_run": {"test_case_version": "abc"}}, "an integer"),
        ({"evaluation_run": {"queued_at": "last tuesday"}}, "RFC 3339"),
        ({"evaluation_run": {"run_level_metric_results": {"metric_name": "x"}}}, "a list"),
        ({"evaluation_run": {"star_metric_result": [1, 2]}}, "an object"),
        ({"evaluation_run": ["not", "an", "object"]}, "an object"),
        ({"evaluation_run": None}, "no 'evaluation_run'"),
        ({}, "no 'evaluation_run'"),
        (["evaluation_run"], "a JSON object"),
        ("just a string", "a JSON object"),
    ],
)
async def test_wrong_shape_raises_validation_error(
    body: Any, problem: str, client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=RUN_URL, json=body, headers={"x-request-id": "shape-1"})
    with pytest.raises(APIResponseValidationError, match=problem) as info:
        await client.evaluation_runs.retrieve(RUN)
    assert info.value.status_code == 200
    assert info.value.request_id == "shape-1"
    assert isinstance(info.value, GradientEvalsError)
    # A well-formed JSON body of the wrong shape will not change on a retry.
    assert len(httpx_mock.get_requests()) == 1


async def test_wrong_shape_in_results_page(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{RUN_URL}/results", json={"prompts": [{"prompt_id": "abc"}]})
    with pytest.raises(APIResponseValidationError, match="expected an integer, got str 'abc'"):
        await client.evaluation_runs.list_results(RUN)


# -- creating runs: never duplicated ------------------------------------------------------------------------


async def test_create_retried_when_connection_refused(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=CREATE_URL, method="POST")
    httpx_mock.add_exception(httpx.ConnectTimeout("connect timeout"), url=CREATE_URL, method="POST")
    httpx_mock.add_response(url=CREATE_URL, method="POST", json={"evaluation_run_uuids": [RUN]})
    created = await _create(client)
    assert created.evaluation_run_uuids == [RUN]
    assert len(httpx_mock.get_requests()) == 3


async def test_create_retried_on_429(client: AsyncGradientEvals, httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    httpx_mock.add_response(url=CREATE_URL, method="POST", status_code=429, headers={"Retry-After": "4"})
    httpx_mock.add_response(url=CREATE_URL, method="POST", json={"evaluation_run_uuids": [RUN]})
    created = await _create(client)
    assert created.evaluation_run_uuids == [RUN]
    assert len(httpx_mock.get_requests()) == 2
    assert sleeps == [4.0]
    requests = httpx_mock.get_requests()
    assert requests[0].content == requests[1].content


async def test_create_429_exhausted_is_a_rate_limit_error(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=CREATE_URL, method="POST", status_code=429, is_reusable=True)
    with pytest.raises(RateLimitError):
        await _create(client)
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.parametrize(
    ("register", "cause_cls"),
    [
        (lambda m: m.add_response(url=CREATE_URL, method="POST", status_code=500), InternalServerError),
        (lambda m: m.add_response(url=CREATE_URL, method="POST", status_code=503), InternalServerError),
        (lambda m: m.add_response(url=CREATE_URL, method="POST", status_code=408), APIStatusError),
        (lambda m: m.add_exception(httpx.ReadTimeout("no answer"), url=CREATE_URL, method="POST"), APITimeoutError),
        (
            lambda m: m.add_exception(httpx.RemoteProtocolError("reset"), url=CREATE_URL, method="POST"),
            APIConnectionError,
        ),
        (
            lambda m: m.add_exception(httpx.ReadError("reset by peer"), url=CREATE_URL, method="POST"),
            APIConnectionError,
        ),
        (
            lambda m: m.add_response(url=CREATE_URL, method="POST", content=b"<html>gateway</html>"),
            APIResponseValidationError,
        ),
        (
            lambda m: m.add_response(url=CREATE_URL, method="POST", content=b'{"evaluation_run_uu'),
            APIResponseValidationError,
        ),
        (
            lambda m: m.add_response(url=CREATE_URL, method="POST", json={"evaluation_run_uuids": "x"}),
            APIResponseValidationError,
        ),
    ],
    ids=["500", "503", "408", "read-timeout", "protocol-reset", "read-error", "html-200", "truncated", "wrong-shape"],
)
async def test_create_with_unknown_outcome_is_not_retried(
    register: Callable[[HTTPXMock], None], cause_cls: type[APIError], client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    register(httpx_mock)
    no_runs_listed(httpx_mock)
    with pytest.raises(RunCreationUnknownError) as info:
        await _create(client, run_name="nightly-42", recover=False)
    exc = info.value
    assert len(httpx_mock.get_requests(method="POST")) == 1
    assert exc.candidates == ()
    assert exc.test_case_uuid == TEST_CASE
    assert exc.run_name == "nightly-42"
    assert isinstance(exc.cause, cause_cls)
    assert exc.__cause__ is exc.cause
    assert isinstance(exc, APIError)
    assert isinstance(exc, GradientEvalsError)
    message = str(exc)
    assert "may have" in message
    assert TEST_CASE in message
    assert "nightly-42" in message
    assert "list_evaluation_runs" in message


async def test_create_unknown_outcome_without_run_name(client: AsyncGradientEvals, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=CREATE_URL, method="POST", status_code=502)
    no_runs_listed(httpx_mock)
    with pytest.raises(RunCreationUnknownError) as info:
        await _create(client, run_name=None, recover=False)
    # The name the SDK generated, under which the runs were looked for.
    assert info.value.run_name is not None
    assert info.value.run_name.startswith("run-")
    assert info.value.run_name in str(info.value)
    assert TEST_CASE in str(info.value)


async def test_create_with_unknown_outcome_reports_the_runs_of_a_callers_name_it_finds(
    client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"), url=CREATE_URL, method="POST")
    queued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    mine = {"evaluation_run_uuid": RUN, "run_name": "nightly", "agent_uuid": AGENT, "queued_at": queued}
    httpx_mock.add_response(url=LIST_RUNS_URL, json={"evaluation_runs": [mine]})
    # Another process may have made a run named "nightly" at that moment: it is a candidate, not the answer.
    with pytest.raises(RunCreationUnknownError) as info:
        await _create(client)
    assert [run.evaluation_run_uuid for run in info.value.candidates] == [RUN]
    assert len(httpx_mock.get_requests(method="POST")) == 1


@pytest.mark.parametrize(
    ("status", "error_cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
    ],
)
async def test_create_client_errors_raise_directly(
    status: int, error_cls: type[APIStatusError], client: AsyncGradientEvals, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=CREATE_URL, method="POST", status_code=status, json={"id": "bad", "message": "agent not found"}
    )
    with pytest.raises(error_cls) as info:
        await _create(client)
    assert not isinstance(info.value, RunCreationUnknownError)
    assert info.value.error_message == "agent not found"
    assert len(httpx_mock.get_requests()) == 1
