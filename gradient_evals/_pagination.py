"""Auto-pagination: every item of a paged listing, in order, fetched lazily and a bounded number ahead.

The API pages with ``meta`` (``page``, ``pages``, ``total``) and ``links.pages.next``. Once a page has said how many
pages there are, the following ones are requested by number, ``prefetch`` at a time, and still handed out in order;
without that count the pager follows ``next`` links one by one.

One pager, two ways of fetching (:mod:`gradient_evals._page_sources`): a plain ``async for`` fetches numbered
batches while the caller waits, so no task ever outlives a ``yield`` and breaking out of the loop, or cancelling the
consumer, leaves nothing running; a scoped stream (:mod:`gradient_evals._streaming`) gives the pager a task group,
and a sliding window fetches while the caller works. Either way every page passes the same checks
(:mod:`gradient_evals._page_guards`): items seen before are dropped, and a server that repeats pages, loops its
links or overruns its own counts ends the listing with :class:`PaginationError` instead of looping.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Hashable, Mapping, Sequence
from types import TracebackType
from typing import Generic

from anyio.abc import TaskGroup

from ._exceptions import PaginationError
from ._page_guards import Follow, ItemT, Paged, PageLedger, PageT, next_step
from ._page_sources import FetchPage, InBatches, PageFetcher, PageSource, Run, SlidingWindow, failing, single

__all__ = ["DEFAULT_PREFETCH", "AsyncPageStream", "AsyncPager", "FetchPage", "ItemT", "PageT", "Paged"]

DEFAULT_PREFETCH = 8
"""Pages fetched concurrently once the page count is known: enough to hide latency, few enough to be polite
to the rate limit (250 requests a minute) and to keep memory to a handful of pages."""


class AsyncPageStream(AsyncIterator[PageT]):
    """The pages of an :class:`AsyncPager`: ``async for page in stream``, closed by ``aclose()`` or by leaving
    ``async with pager.pages() as stream:``, after which no request is made."""

    def __init__(self, pages: AsyncGenerator[PageT, None]) -> None:
        self._pages = pages

    def __aiter__(self) -> AsyncPageStream[PageT]:
        return self

    async def __anext__(self) -> PageT:
        return await self._pages.__anext__()

    async def aclose(self) -> None:
        """Stop early; a request in flight is cancelled and none is made afterwards."""
        await self._pages.aclose()

    async def __aenter__(self) -> AsyncPageStream[PageT]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class AsyncPager(Generic[PageT, ItemT]):
    """Iterate a paged listing: ``async for item in pager`` or ``async for page in pager.pages()``.

    Items are de-duplicated by ``key`` (items whose key is ``None`` are always kept); pages handed out by
    :meth:`pages` hold only the items not seen before.
    """

    def __init__(
        self,
        *,
        fetch: FetchPage[PageT],
        items: Callable[[PageT], Sequence[ItemT]],
        with_items: Callable[[PageT, tuple[ItemT, ...]], PageT],
        key: Callable[[ItemT], Hashable | None],
        same_origin: Callable[[str], bool],
        link_params: Mapping[str, object] | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        start_page: int = 1,
        what: str = "page",
        allowance: Callable[[int], int] | None = None,
    ) -> None:
        self._fetcher = PageFetcher(fetch, what)
        self._link_params = dict(link_params or {})
        self._items = items
        self._with_items = with_items
        self._key = key
        self._same_origin = same_origin
        self._prefetch = prefetch
        self._start_page = start_page
        self._what = what
        # The rate-limit budget's say on how many pages may be fetched at once (never more than ``prefetch``).
        self._source: PageSource[PageT] = InBatches(self._fetcher, prefetch, allowance or (lambda wanted: wanted))
        self._item_iterator: AsyncGenerator[ItemT, None] | None = None

    # -- public surface -------------------------------------------------------------------------------------

    def pages(self) -> AsyncPageStream[PageT]:
        """Every page in order, each holding only items not handed out before.

        ``async with pager.pages() as pages: async for page in pages: ...`` closes the stream on leaving.
        """
        return AsyncPageStream(self._checked_pages())

    @property
    def prefetch(self) -> int:
        """How many pages are fetched concurrently once the page count is known."""
        return self._prefetch

    def items_of(self, page: PageT) -> Sequence[ItemT]:
        """The items a page holds."""
        return self._items(page)

    def fetching_ahead_in(self, group: TaskGroup, *, prefetch: int) -> AsyncPager[PageT, ItemT]:
        """The same listing, its pages fetched by a sliding window of ``prefetch`` tasks started in ``group``,
        while the caller works; the group must stay open while the pager is read, and cancelling it stops every
        fetch. (What ``stream_results`` is made of; ``prefetch=1`` fetches nothing ahead.)"""
        windowed = copy.copy(self)
        if prefetch > 1:
            windowed._source = SlidingWindow(self._fetcher, prefetch, group)
        windowed._item_iterator = None
        return windowed

    def __aiter__(self) -> AsyncIterator[ItemT]:
        if self._item_iterator is None:
            self._item_iterator = self._items_in(self._checked_pages())
        return self._item_iterator

    async def __anext__(self) -> ItemT:
        return await self.__aiter__().__anext__()

    async def aclose(self) -> None:
        """Stop iterating early; no request is made afterwards."""
        if self._item_iterator is not None:
            await self._item_iterator.aclose()

    async def __aenter__(self) -> AsyncPager[PageT, ItemT]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- machinery: walk the pages, check them, flatten them ------------------------------------------------

    async def _items_in(self, pages: AsyncGenerator[PageT, None]) -> AsyncGenerator[ItemT, None]:
        items_of = self._items
        try:
            async for page in pages:
                for item in items_of(page):
                    yield item
        finally:
            await pages.aclose()

    async def _checked_pages(self) -> AsyncGenerator[PageT, None]:
        """The pages of the walk with the items handed out before removed; an empty page ends the listing."""
        ledger: PageLedger[PageT, ItemT] = PageLedger(
            items=self._items, with_items=self._with_items, key=self._key, what=self._what
        )
        walk = self._walk()
        number = self._start_page
        try:
            async for number, page in walk:
                fresh = ledger.admit(number, page)
                if fresh is None:
                    break
                yield fresh
        finally:
            await walk.aclose()
        ledger.report_shortfall(number)

    async def _walk(self) -> AsyncGenerator[tuple[int, PageT], None]:
        """Page ``start_page``, then the pages each page leads to, as ``(number, page)``.

        The step after a run is planned from the run's last page before that page is handed out, so a sliding
        window is already fetching while the caller works on it.
        """
        number = self._start_page
        page = await self._fetcher.one(number)
        run = self._run_after(number, page)
        try:
            while True:
                yield number, page
                if run is None:
                    return
                number, page = await run.next()
                if run.exhausted:
                    await run.aclose()
                    run = self._run_after(number, page)
        finally:
            if run is not None:
                await run.aclose()

    def _run_after(self, number: int, page: PageT) -> Run[PageT] | None:
        """The pages page ``number`` leads to (none after an empty page); a step refused is reported in place of
        the page it would have fetched, after this one is handed out."""
        if not self._items(page):
            return None
        try:
            step = next_step(
                number,
                page,
                prefetch=self._prefetch,
                what=self._what,
                same_origin=self._same_origin,
                link_params=self._link_params,
            )
        except PaginationError as refused:
            return failing(number + 1, refused)
        if isinstance(step, Follow):
            return single(self._fetcher, step.number, step.url)
        return None if step is None else self._source.take(step)
