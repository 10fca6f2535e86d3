"""A run's result pages for a workflow that reads them all (export, summary, compare)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from .._streaming import AsyncStream
from ..types import EvaluationPrompt, ResultsPage

__all__ = ["StreamResults", "run_pages"]

StreamResults = Callable[..., AsyncStream[ResultsPage, EvaluationPrompt]]
"""``client.evaluation_runs.stream_results``: how a workflow reaches a run's pages."""


@contextlib.asynccontextmanager
async def run_pages(
    stream_results: StreamResults, run_uuid: str, per_page: int | None
) -> AsyncIterator[AsyncIterator[ResultsPage]]:
    """A run's pages, fetched ahead while the workflow works on the previous ones (writing, summing).

    The stream is closed however the workflow ends, so no request is made after it returns or fails.
    """
    async with stream_results(run_uuid, per_page=per_page) as stream:
        yield stream.pages()
