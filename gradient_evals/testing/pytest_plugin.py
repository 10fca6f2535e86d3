"""Pytest fixtures backed by the emulator.

Enable with ``pytest_plugins = ["gradient_evals.testing.pytest_plugin"]`` in a ``conftest.py``.

* ``gradient_server`` -- a started :class:`~gradient_evals.testing.FakeGradientServer` (latency 0).
* ``gradient_client`` -- a ``gradient_evals.GradientEvals`` pointed at it, closed after the test.
* ``async_gradient_client`` -- a ``gradient_evals.AsyncGradientEvals`` pointed at it, already entered and closed
  after the test, on the test's own event loop. It is an async fixture run by anyio's pytest plugin (installed
  with anyio), so the test must be run by anyio too: mark it ``@pytest.mark.anyio`` (or set ``anyio_mode =
  "auto"`` in the pytest configuration); a plain ``async def`` test is not run by pytest at all. The backends
  are those of anyio's ``anyio_backend`` fixture (every installed one in recent anyio versions): override that
  fixture to choose, e.g. ``return "asyncio"``.
  Writing ``async with async_gradient_client as client:`` in the test still works.
* ``gradient_retry_policy`` -- the clients' retry policy: default retries, no backoff pauses; override it.

```python
import pytest

@pytest.mark.anyio
async def test_reads_a_run(async_gradient_client, gradient_server):
    run_uuid = gradient_server.add_run(prompts=3)
    run = await async_gradient_client.evaluation_runs.retrieve(run_uuid)
    assert run.is_successful
```
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

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
def gradient_client(gradient_server: FakeGradientServer, gradient_retry_policy: RetryPolicy) -> Iterator[GradientEvals]:
    """A blocking SDK client talking to ``gradient_server``; closed after the test."""
    with GradientEvals(
        access_token=gradient_server.token, base_url=gradient_server.base_url, retry=gradient_retry_policy
    ) as client:
        yield client


@pytest.fixture
async def async_gradient_client(
    gradient_server: FakeGradientServer, gradient_retry_policy: RetryPolicy, anyio_backend: object
) -> AsyncIterator[AsyncGradientEvals]:
    """An async SDK client talking to ``gradient_server``, entered for the test and closed after it (its
    connections with it), on the test's event loop; the test must be marked ``@pytest.mark.anyio``."""
    # anyio_backend is requested so that anyio's plugin runs this fixture on the loop it runs the test on.
    async with AsyncGradientEvals(
        access_token=gradient_server.token, base_url=gradient_server.base_url, retry=gradient_retry_policy
    ) as client:
        yield client
