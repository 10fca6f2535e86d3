"""Bad options are refused before any request, with one rule for constructor and per-call timeouts."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from transport.hostile_servers import AGENT, RUN, TEST_CASE, HostileServer, client_of, whole

from gradient_evals import APIResponseValidationError, AsyncGradientEvals, GradientEvals
from gradient_evals._validation import check_timeout

pytestmark = pytest.mark.anyio

BAD_TIMEOUTS = [
    pytest.param(math.nan, ValueError, id="nan"),
    pytest.param(math.inf, ValueError, id="inf"),
    pytest.param(-math.inf, ValueError, id="-inf"),
    pytest.param(-1, ValueError, id="negative"),
    pytest.param(0, ValueError, id="zero"),
    pytest.param(True, TypeError, id="bool"),
    pytest.param("5", TypeError, id="string"),
    pytest.param(httpx.Timeout(math.nan), ValueError, id="Timeout-nan"),
    pytest.param(httpx.Timeout(5.0, read=math.inf), ValueError, id="Timeout-read-inf"),
    pytest.param(httpx.Timeout(5.0, connect=-1.0), ValueError, id="Timeout-connect-negative"),
    pytest.param(httpx.Timeout(5.0, pool=0.0), ValueError, id="Timeout-pool-zero"),
]
GOOD_TIMEOUTS = [0.001, 5, 2.5, httpx.Timeout(2.0), httpx.Timeout(5.0, read=30.0), httpx.Timeout(None)]


@pytest.mark.parametrize(("timeout", "error"), BAD_TIMEOUTS)
@pytest.mark.parametrize("cls", [AsyncGradientEvals, GradientEvals])
def test_the_constructor_refuses_a_bad_timeout(timeout: Any, error: type[Exception], cls: type[Any]) -> None:
    with pytest.raises(error, match="timeout"):
        cls("token", timeout=timeout)


@pytest.mark.parametrize(("timeout", "error"), BAD_TIMEOUTS)
async def test_a_call_refuses_the_same_timeouts_before_sending(
    timeout: Any, error: type[Exception], hostile: Callable[..., HostileServer]
) -> None:
    server = hostile(whole(b"{}"))
    async with client_of(server.url) as client:
        with pytest.raises(error, match="timeout"):
            await client.evaluation_runs.retrieve(RUN, timeout=timeout)
        with pytest.raises(error, match="timeout"):
            await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], timeout=timeout)
    assert server.requests == []


@pytest.mark.parametrize("timeout", GOOD_TIMEOUTS)
def test_good_timeouts_pass_both_ways(timeout: Any) -> None:
    assert check_timeout(timeout) is timeout
    AsyncGradientEvals("token", timeout=timeout)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"access_token": 123}, TypeError, "access_token must be a string, got int"),
        ({"retry": "fast"}, TypeError, "retry must be a RetryPolicy, got str"),
        ({"retry": 3, "max_retries": 1}, TypeError, "retry must be a RetryPolicy, got int"),
        ({"http_client": httpx.Client()}, TypeError, "http_client must be an httpx.AsyncClient, got Client"),
        ({"base_url": 8080}, TypeError, "base_url must be a string, got int"),
    ],
)
def test_wrong_option_types_are_clear_type_errors(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    settings = {"access_token": "token", **options}
    with pytest.raises(error, match=message):
        AsyncGradientEvals(**settings)


def test_a_url_object_is_still_accepted_as_base_url() -> None:
    client = AsyncGradientEvals("token", base_url=httpx.URL("https://example.test/api"))  # type: ignore[arg-type]
    assert client.base_url == "https://example.test/api"


# -- a server's bad run id is the server's fault ----------------------------------------------------------


@pytest.mark.parametrize(
    "uuids",
    [
        ["not-a-uuid"],
        ['"0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"'],  # quoted, as the API's own examples show them
        ["{0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01}"],
        [RUN, "x" * 500],
    ],
)
async def test_create_and_wait_blames_the_server_for_a_run_id_that_is_not_a_uuid(
    uuids: list[str], hostile: Callable[..., HostileServer]
) -> None:
    server = hostile(whole(json.dumps({"evaluation_run_uuids": uuids}).encode()))
    async with client_of(server.url) as client:
        with pytest.raises(APIResponseValidationError) as caught:
            await client.evaluation_runs.create_and_wait(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], timeout=30)
    message = str(caught.value)
    assert "not a UUID" in message
    assert "may exist" in message
    assert len(message) < 400  # the bad id is shown shortened
    assert not isinstance(caught.value, ValueError)
    assert len(server.requests) == 1  # the create only: nothing polled a run that cannot be named
