"""The emulator's endpoints, one module per API resource.

A resource module exposes ``ROUTES``: a tuple of ``Route(method, pattern, handler)``.  Adding a resource is
one module here and one line in ``ROUTES`` below.
"""

from __future__ import annotations

from .._routes import Route, Router
from . import (
    custom_evaluation_metrics,
    evaluation_datasets,
    evaluation_metrics,
    evaluation_runs,
    evaluation_test_cases,
)

__all__ = ["ROUTES", "build_router"]

ROUTES: tuple[Route, ...] = (
    *evaluation_datasets.ROUTES,
    *evaluation_runs.ROUTES,
    *evaluation_test_cases.ROUTES,
    *evaluation_metrics.ROUTES,
    *custom_evaluation_metrics.ROUTES,
)


def build_router() -> Router:
    """A router over every registered resource's routes."""
    return Router(ROUTES)
