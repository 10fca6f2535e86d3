"""Fixtures of the resource tests: the one request a call sent, and the headers every request carries."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import __version__


@pytest.fixture
def only_request(httpx_mock: HTTPXMock) -> Callable[[], httpx.Request]:
    """The single request the test sent (fails when there were none or several)."""

    def get() -> httpx.Request:
        requests = httpx_mock.get_requests()
        assert len(requests) == 1
        return requests[0]

    return get


@pytest.fixture
def assert_common_headers() -> Callable[[httpx.Request], None]:
    """Checks the headers every API request carries: the bearer token, the SDK's user agent, JSON."""

    def check(request: httpx.Request) -> None:
        assert request.headers["Authorization"] == "Bearer test-token"
        assert request.headers["User-Agent"] == f"gradient-evals/{__version__}"
        assert request.headers["Accept"] == "application/json"

    return check
