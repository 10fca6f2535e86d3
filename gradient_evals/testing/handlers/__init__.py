"""The emulator's endpoints, one module per API resource.

A resource module exposes ``ROUTES``: a tuple of ``Route(method, pattern, handler)``; its records live in
``stores/<name>.py`` and a paged listing pages through ``_paging.page_of``.  Adding a resource is one module here:
:data:`ROUTES` gathers the routes of every public module of this package, so nothing else is edited.
"""

from __future__ import annotations

import importlib
import pkgutil

from .._routes import Route, Router

__all__ = ["ROUTES", "build_router"]


def _gather() -> tuple[Route, ...]:
    # Sorted by module name so that the router (and its duplicate check) sees the same order everywhere.
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    routes: list[Route] = []
    for name in names:
        routes.extend(importlib.import_module(f"{__name__}.{name}").ROUTES)
    return tuple(routes)


ROUTES: tuple[Route, ...] = _gather()


def build_router() -> Router:
    """A router over every resource module's routes."""
    return Router(ROUTES)
