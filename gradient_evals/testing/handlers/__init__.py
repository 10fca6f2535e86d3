"""The emulator's endpoints, one module per API resource.

A resource module exposes ``ROUTES``: a tuple of ``Route(method, pattern, handler)``; its records live in
``stores/<name>.py`` and a paged listing pages through ``_paging.page_of``.  Adding a resource is one module here,
its import and one line in ``ROUTES`` below.
"""

from __future__ import annotations

from .._routes import Route, Router
from . import (
    agents,
    custom_evaluation_metrics,
    emulator_control,
    evaluation_datasets,
    evaluation_metrics,
    evaluation_runs,
    evaluation_test_cases,
)

__all__ = ["ROUTES", "build_router"]

ROUTES: tuple[Route, ...] = (
    *agents.ROUTES,
    *evaluation_datasets.ROUTES,
    *evaluation_runs.ROUTES,
    *evaluation_test_cases.ROUTES,
    *evaluation_metrics.ROUTES,
    *custom_evaluation_metrics.ROUTES,
    *emulator_control.ROUTES,
)


def build_router() -> Router:
    """A router over every registered resource's routes."""
    return Router(ROUTES)
