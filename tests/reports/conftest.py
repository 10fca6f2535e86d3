"""Fixtures of the report tests: the helpers of ``reports.report_pages`` as ``kit``, and a sample report."""

from __future__ import annotations

from types import SimpleNamespace

import anyio
import pytest
from reports import report_pages

from gradient_evals.results import EvaluationReport


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers and constants of ``reports.report_pages``."""
    return SimpleNamespace(
        **{name: getattr(report_pages, name) for name in dir(report_pages) if not name.startswith("_")}
    )


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    """Two agents with baselines and topic slices: agent A regressed, agent B improved."""
    return anyio.run(report_pages.two_agent_report)
