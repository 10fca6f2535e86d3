"""Fixtures of the GitHub integration tests: a stub of GitHub's API, and a failing evaluation's report."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from integrations.github_stub import GitHubStub, github_stub
from reports import report_pages

from gradient_evals.results import EvaluationReport


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with github_stub() as server:
        yield server


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    """Two agents: agent A regressed (gates failed), agent B held."""
    return anyio.run(report_pages.two_agent_report)
