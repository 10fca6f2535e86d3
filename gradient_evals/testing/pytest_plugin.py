"""Pytest fixtures backed by the emulator.

Enable with ``pytest_plugins = ["gradient_evals.testing.pytest_plugin"]`` in a ``conftest.py``.

* ``gradient_server`` -- a started :class:`~gradient_evals.testing.FakeGradientServer` (latency 0).
* ``gradient_client`` -- a ``gradient_evals.GradientEvals`` pointed at it, closed after the test.
* ``async_gradient_client`` -- a ``gradient_evals.AsyncGradientEvals`` pointed at it.  It is created, not
  entered: use ``async with async_gradient_client:`` (or ``await ...aclose()``) inside the test so that it
  lives on the test's own event loop, whichever async backend runs it.
* ``gradient_retry_policy`` -- the clients' retry policy: default retries, no backoff pauses; override it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .. import AsyncGradientEvals, GradientEvals, RetryPolicy
from ._server import FakeGradientServer

__all__ = ["async_gradient_client", "gradient_client", "gradient_server", "gradient_retry_policy"]


@pytest.fixture
def gradient_server() -> Iterator[FakeGradientServer]:
    """A running emulator, fresh for each test."""
    with FakeGradientServer(latency=0.0) as server:
        yield server


@pytest.fixture
def gradient_retry_policy() -> RetryPolicy:
    """The retry policy of the client fixtures: the default number of retries without backoff pauses, so tests
    that inject faults stay fast (a ``Retry-After`` the server sends is still honoured). Override this fixture
    to test other policies."""
    return RetryPolicy(initial_backoff=0, max_backoff=0, jitter=False)


@pytest.fixture
def gradient_client(
    gradient_server: FakeGradientServer, gradient_retry_policy: RetryPolicy
) -> Iterator[GradientEvals]:
    """A blocking SDK client talking to ``gradient_server``; closed after the test."""
    with GradientEvals(
        access_token=gradient_server.token, base_url=gradient_server.base_url, retry=gradient_retry_policy
    ) as client:
        yield client


@pytest.fixture
def async_gradient_client(
    gradient_server: FakeGradientServer, gradient_retry_policy: RetryPolicy
) -> AsyncGradientEvals:
    """An async SDK client talking to ``gradient_server``; enter it with ``async with`` in the test, so that it
    lives on the test's own event loop."""
    return AsyncGradientEvals(
        access_token=gradient_server.token, base_url=gradient_server.base_url, retry=gradient_retry_policy
    )
