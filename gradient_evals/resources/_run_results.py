"""A run's prompt results, as ``client.evaluation_runs`` reads them: one page, every page (a pager), a scoped
stream that fetches ahead, and one prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._pagination import DEFAULT_PREFETCH, AsyncPager
from .._streaming import AsyncStream
from .._validation import check_positive_int, check_prompt_id, check_uuid, path_segment
from ..types import EvaluationPrompt, ResultsPage
from ..typing import Timeout
from ._base import AsyncResource, PageSize

if TYPE_CHECKING:
    from .._storage import StorageClient
    from .._transport import Transport

__all__ = ["RESULTS_PAGE_SIZE", "RUNS_PATH", "AsyncRunResults"]

RUNS_PATH: Final = "/v2/gen-ai/evaluation_runs"

RESULTS_PAGE_SIZE: Final = 200
"""Prompts a results page asks for by default: the specification gives no maximum, DigitalOcean's API documents
200 for its listings. Fewer pages means fewer requests out of the 250-a-minute budget."""


class AsyncRunResults(AsyncResource):
    """The results half of :class:`~gradient_evals.resources.evaluation_runs.AsyncEvaluationRuns`: a run's
    prompts, read page by page."""

    def __init__(self, transport: Transport, storage: StorageClient | None = None) -> None:
        super().__init__(transport, storage)
        self._results_page_size = PageSize(RESULTS_PAGE_SIZE)

    async def list_results(
        self,
        evaluation_run_uuid: str,
        *,
        page: int | None = None,
        per_page: int | None = None,
        timeout: Timeout = None,
    ) -> ResultsPage:
        """One page of a run's prompt results (``page`` from 1; the server's default size unless ``per_page``).

        To read every prompt, use :meth:`iter_results`, which pages for you.
        """
        params: dict[str, int] = {}
        if page is not None:
            params["page"] = check_positive_int(page, "page")
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        return await self._get(self._results_path(evaluation_run_uuid), ResultsPage, params=params, timeout=timeout)

    def iter_results(
        self,
        evaluation_run_uuid: str,
        *,
        per_page: int | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
    ) -> AsyncPager[ResultsPage, EvaluationPrompt]:
        """Every prompt result of a run, in order, fetched lazily page by page.

        ``async for prompt in client.evaluation_runs.iter_results(uuid)`` yields prompts; ``.pages()`` yields whole
        :class:`ResultsPage` objects instead. Once the first page tells how many pages there are, up to ``prefetch``
        pages are fetched concurrently (``prefetch=1`` is strictly sequential); each page is retried on its own. A
        prompt id already yielded is never yielded again. Without ``per_page``, pages are as large as the API accepts
        (200, or less if it refuses that).

        No fetch runs while the loop body does: breaking out or cancelling leaves nothing running. To fetch while the
        body works, open a scoped stream with :meth:`stream_results`.
        """
        return self._paginate(
            self._results_path(evaluation_run_uuid),
            ResultsPage,
            items="prompts",
            key="prompt_id",
            params={} if per_page is None else {"per_page": check_positive_int(per_page, "per_page")},
            page_size=self._results_page_size if per_page is None else None,
            prefetch=check_positive_int(prefetch, "prefetch"),
            timeout=timeout,
            what="results page",
        )

    def stream_results(
        self,
        evaluation_run_uuid: str,
        *,
        per_page: int | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
    ) -> AsyncStream[ResultsPage, EvaluationPrompt]:
        """Every prompt result of a run, in order, fetched ahead while the loop body works.

        ``async with client.evaluation_runs.stream_results(uuid) as stream: async for prompt in stream: ...`` (or
        ``stream.pages()`` for whole pages). The ``async with`` block owns the fetching tasks: ``prefetch`` requests
        stay in flight while the body works, at most ``prefetch`` pages are held ahead of it, and leaving the block
        (``break``, an exception, cancellation) stops every fetch before it returns. The other arguments and the
        guarantees (order, no duplicates, per-page retries) are those of :meth:`iter_results`.
        """
        return AsyncStream(
            self.iter_results(evaluation_run_uuid, per_page=per_page, prefetch=prefetch, timeout=timeout),
            prefetch=prefetch,
        )

    async def retrieve_results(
        self, evaluation_run_uuid: str, prompt_id: int, *, timeout: Timeout = None
    ) -> EvaluationPrompt:
        """The results of one prompt of a run."""
        path = f"{self._results_path(evaluation_run_uuid)}/{path_segment(check_prompt_id(prompt_id))}"
        return await self._get(path, EvaluationPrompt, key="prompt", timeout=timeout)

    @staticmethod
    def _results_path(evaluation_run_uuid: str) -> str:
        return f"{RUNS_PATH}/{path_segment(check_uuid(evaluation_run_uuid, 'evaluation_run_uuid'))}/results"
