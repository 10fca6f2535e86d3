from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

if importlib.util.find_spec("gradient_evals") is None:  # running from a checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gradient_evals.testing import FakeGradientServer


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=7, run_duration=0.6) as srv:
        yield srv


@pytest.fixture
def api(server: FakeGradientServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=5.0,
    ) as client:
        yield client
