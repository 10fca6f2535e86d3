"""A run's result pages for a workflow that reads them all (export, summary, compare)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from .._pagination import AsyncPager
from ..types import EvaluationPrompt, ResultsPage

__all__ = ["IterResults", "run_pages"]

IterResults = Callable[..., AsyncPager[ResultsPage, EvaluationPrompt]]
"""``client.evaluation_runs.iter_results``: how a workflow reaches a run's pages."""


@contextlib.asynccontextmanager
async def run_pages(
    iter_results: IterResults, run_uuid: str, per_page: int
) -> AsyncIterator[AsyncIterator[ResultsPage]]:
    """A run's pages, closed however the workflow ends (so no request is made after it returns or fails)."""
    pages = iter_results(run_uuid, per_page=per_page).pages()
    try:
        yield pages
    finally:
        await pages.aclose()
