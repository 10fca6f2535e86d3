"""Fixtures of the command-line tests: an emulator with a test case and two finished runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli.cli_support import PROMPTS, Cli

from gradient_evals.testing import FakeGradientServer


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.3) as srv:
        yield srv


@pytest.fixture
def test_case(server: FakeGradientServer) -> str:
    return server.add_test_case(prompts=PROMPTS)


@pytest.fixture
def runs(server: FakeGradientServer, test_case: str) -> list[str]:
    return [server.add_run(test_case_uuid=test_case), server.add_run(test_case_uuid=test_case)]


@pytest.fixture
def cli(server: FakeGradientServer, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(server, capsys)
