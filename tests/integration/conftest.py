"""Integration tests: the SDK against the embedded emulator over real sockets, on asyncio and trio."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

import gradient_evals._transport as transport_module
from gradient_evals import AsyncGradientEvals, GradientEvals, RetryPolicy
from gradient_evals.testing import FakeGradientServer

pytestmark = pytest.mark.integration


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def no_backoff(max_retries: int = 2, **overrides: Any) -> RetryPolicy:
    """A retry policy that never pauses between attempts (server-requested waits still apply)."""
    return RetryPolicy(max_retries=max_retries, initial_backoff=0, max_backoff=0, jitter=False, **overrides)


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=11, latency=0.0, run_duration=0.5) as srv:
        yield srv


@pytest.fixture
def make_async(server: FakeGradientServer) -> Callable[..., AsyncGradientEvals]:
    """``make_async(**options)``: an async client of ``server`` (no backoff unless ``retry=`` says otherwise)."""

    def build(**overrides: Any) -> AsyncGradientEvals:
        settings: dict[str, Any] = {"access_token": server.token, "base_url": server.base_url, "retry": no_backoff()}
        settings.update(overrides)
        return AsyncGradientEvals(**settings)

    return build


@pytest.fixture
def make_sync(server: FakeGradientServer) -> Iterator[Callable[..., GradientEvals]]:
    """``make_sync(**options)``: a blocking client of ``server``; every one made is closed after the test."""
    made: list[GradientEvals] = []

    def build(**overrides: Any) -> GradientEvals:
        settings: dict[str, Any] = {"access_token": server.token, "base_url": server.base_url, "retry": no_backoff()}
        settings.update(overrides)
        client = GradientEvals(**settings)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def retry_policy() -> Callable[..., RetryPolicy]:
    """``retry_policy(max_retries)``: a policy without backoff pauses."""
    return no_backoff


class _SleepRecorder:
    """Stands in for the transport's ``anyio`` module: records the pauses it is asked for, yields once instead.

    Lets a test check that the SDK waits as long as the server asked (``Retry-After``, ``ratelimit-reset``)
    without the test actually waiting a minute.
    """

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(anyio, name)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await anyio.sleep(0)


@pytest.fixture
def recorded_sleeps(monkeypatch: pytest.MonkeyPatch) -> _SleepRecorder:
    recorder = _SleepRecorder()
    monkeypatch.setattr(transport_module, "anyio", recorder)
    return recorder
