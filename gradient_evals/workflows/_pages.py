"""A run's result pages for a workflow that reads them all (export, summary, compare)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..types import ResultsPage
from ._resources import RunResults

__all__ = ["run_pages"]


@contextlib.asynccontextmanager
async def run_pages(runs: RunResults, run_uuid: str, per_page: int | None) -> AsyncIterator[AsyncIterator[ResultsPage]]:
    """A run's pages, fetched ahead while the workflow works on the previous ones (writing, summing).

    The stream is closed however the workflow ends, so no request is made after it returns or fails.
    """
    async with runs.stream_results(run_uuid, per_page=per_page) as stream:
        yield stream.pages()
