"""Pytest fixtures backed by the emulator.

Enable with ``pytest_plugins = ["gradient_evals.testing.pytest_plugin"]`` in a ``conftest.py``.

* ``gradient_server`` -- a started :class:`~gradient_evals.testing.FakeGradientServer` (latency 0).
* ``gradient_client`` -- a ``gradient_evals.GradientEvals`` pointed at it, closed after the test.
* ``async_gradient_client`` -- a ``gradient_evals.AsyncGradientEvals`` pointed at it.  It is created, not
  entered: use ``async with async_gradient_client:`` (or ``await ...aclose()``) inside the test so that it
  lives on the test's own event loop, whichever async backend runs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from ._server import FakeGradientServer

__all__ = ["async_gradient_client", "gradient_client", "gradient_server"]


@pytest.fixture
def gradient_server() -> Iterator[FakeGradientServer]:
    """A running emulator, fresh for each test."""
    with FakeGradientServer(latency=0.0) as server:
        yield server


@pytest.fixture
def gradient_client(gradient_server: FakeGradientServer) -> Iterator[Any]:
    """A synchronous SDK client talking to ``gradient_server``; closed after the test."""
    sdk = importlib.import_module("gradient_evals")  # lazily: the plugin loads even without the SDK

    client = sdk.GradientEvals(access_token=gradient_server.token, base_url=gradient_server.base_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def async_gradient_client(gradient_server: FakeGradientServer) -> Any:
    """An asynchronous SDK client talking to ``gradient_server``; enter it with ``async with`` in the test."""
    sdk = importlib.import_module("gradient_evals")
    return sdk.AsyncGradientEvals(access_token=gradient_server.token, base_url=gradient_server.base_url)
