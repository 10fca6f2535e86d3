"""Auto-pagination: every item of a paged listing, in order, fetched lazily and a bounded number ahead.

The API pages with ``meta`` (``page``, ``pages``, ``total``) and ``links.pages.next``. Once the first page has
said how many pages there are, the following ones are requested by number, ``prefetch`` at a time, and still
handed out in order; without that count the iterator follows ``next`` links one by one.

Every fetch of a batch finishes (or is cancelled) before the iterator yields: no task ever outlives a
``yield``, so breaking out of the loop, or cancelling the consumer, leaves nothing running and no request in
flight. The price is that a batch is fetched while the consumer waits rather than while it works, which costs
little next to the network wait it hides.

Safety against servers that page badly: a page that comes back for another page number, a ``next`` link that
does not move forward or points past the page count the server gave, a page whose items were all handed out
already, a page identical to an earlier one (for items without an id, which cannot be de-duplicated), or more
items than the server's own ``meta.total`` ends the iteration with :class:`PaginationError` instead of looping.
Items seen before (by id) are dropped, so none is yielded twice. A same-origin ``next`` link is followed as
given only when it keeps the stream's own query parameters (``per_page``): one that changes them would shift
page boundaries and skip items, so the page after the current one is asked for by number instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from types import TracebackType
from typing import Generic, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio

from ._exceptions import APIError, PaginationError
from .types import PageLinks, PageMeta

log = logging.getLogger("gradient_evals")

__all__ = ["DEFAULT_PREFETCH", "AsyncPageStream", "AsyncPager", "Paged"]

DEFAULT_PREFETCH = 8
"""Pages fetched concurrently once the page count is known: enough to hide latency, few enough to be polite
to the rate limit (250 requests a minute) and to keep memory to a handful of pages."""


class Paged(Protocol):
    """What a page model offers the pager."""

    @property
    def meta(self) -> PageMeta: ...

    @property
    def links(self) -> PageLinks: ...


PageT = TypeVar("PageT", bound=Paged)
ItemT = TypeVar("ItemT")

FetchPage = Callable[[int, "str | None"], Awaitable[PageT]]
"""Fetch page ``n``; the second argument, when given, is the server's own same-origin URL for it."""


def _query_of(url: str) -> dict[str, list[str]]:
    try:
        return parse_qs(urlsplit(url).query)
    except ValueError:
        return {}


def page_number_of(url: str) -> int | None:
    """The ``page`` query parameter of a link, if it has a usable one."""
    values = _query_of(url).get("page")
    if not values:
        return None
    try:
        return int(values[-1])
    except ValueError:
        return None


def keeps_params(url: str, params: Mapping[str, object]) -> bool:
    """Whether a link carries each of ``params`` with the same value (``per_page=100`` as ``"100"``)."""
    query = _query_of(url)
    return all(query.get(name, [None])[-1] == str(value) for name, value in params.items())


def _fingerprint(items: Sequence[object]) -> int:
    """A digest of a page's items, to recognise a page served again when its items have no id."""
    return hash(repr(items))


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
        self._fetch = fetch
        self._link_params = dict(link_params or {})
        self._items = items
        self._with_items = with_items
        self._key = key
        self._same_origin = same_origin
        self._prefetch = prefetch
        self._start_page = start_page
        self._what = what
        # The rate-limit budget's say on how many pages may be fetched at once (never more than ``prefetch``).
        self._allowance = allowance or (lambda wanted: wanted)
        self._item_iterator: AsyncGenerator[ItemT, None] | None = None

    # -- public surface -------------------------------------------------------------------------------------

    def pages(self) -> AsyncPageStream[PageT]:
        """Every page in order, each holding only items not handed out before.

        ``async with pager.pages() as pages: async for page in pages: ...`` closes the stream on leaving.
        """
        return AsyncPageStream(self._pages())

    @property
    def prefetch(self) -> int:
        """How many pages are fetched concurrently once the page count is known."""
        return self._prefetch

    def items_of(self, page: PageT) -> Sequence[ItemT]:
        """The items a page holds."""
        return self._items(page)

    def __aiter__(self) -> AsyncIterator[ItemT]:
        if self._item_iterator is None:
            self._item_iterator = self._flatten()
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

    # -- machinery ------------------------------------------------------------------------------------------

    async def _flatten(self, pages: AsyncGenerator[PageT, None] | None = None) -> AsyncGenerator[ItemT, None]:
        pages = self._pages() if pages is None else pages
        try:
            async for page in pages:
                for item in self._items(page):
                    yield item
        finally:
            await pages.aclose()

    async def _pages(
        self, source: AsyncGenerator[tuple[int, PageT], None] | None = None
    ) -> AsyncGenerator[PageT, None]:
        """Pages from ``source`` (numbered pages as fetched) with the items seen before removed, and the checks."""
        seen: set[Hashable] = set()
        fingerprints: dict[int, int] = {}
        handed_out = 0
        total: int | None = None
        number = self._start_page
        raw_pages = self._raw_pages() if source is None else source
        try:
            async for number, page in raw_pages:
                if page.meta.total is not None:
                    total = page.meta.total
                raw = self._items(page)
                if not raw:
                    break
                fresh = []
                keyless = False
                for item in raw:
                    key = self._key(item)
                    if key is None:
                        keyless = True
                        fresh.append(item)
                    elif key not in seen:
                        seen.add(key)
                        fresh.append(item)
                if not fresh:
                    raise PaginationError(
                        f"{self._what} {number} holds only items already returned: the server is repeating "
                        "pages, so iteration stopped instead of looping",
                        page=number,
                    )
                if keyless:
                    # Items without an id cannot be de-duplicated; a page served twice is recognised whole.
                    # (Only then: hashing every page would cost the common case for nothing.)
                    earlier = fingerprints.setdefault(_fingerprint(raw), number)
                    if earlier != number:
                        raise PaginationError(
                            f"{self._what} {number} repeats {self._what} {earlier} item for item: the server "
                            "is repeating pages, so iteration stopped instead of looping",
                            page=number,
                        )
                if len(fresh) < len(raw):
                    log.debug("%s %d: dropped %d items already returned", self._what, number, len(raw) - len(fresh))
                handed_out += len(fresh)
                if total is not None and handed_out > total:
                    raise PaginationError(
                        f"{self._what} {number} brings the items to {handed_out}, more than the {total} the server "
                        "counted: its pages overlap or repeat, so iteration stopped instead of returning items "
                        "twice",
                        page=number,
                    )
                yield page if len(fresh) == len(raw) else self._with_items(page, tuple(fresh))
        finally:
            await raw_pages.aclose()
        # Nothing may go missing silently: a server whose pages hold fewer items than its own count says is
        # reported (a run still filling up can legitimately count a few more than it has served).
        if total is not None and handed_out < total:
            log.warning(
                "the server counted %d items but its pages held %d distinct ones (%s stream ended at page %d)",
                total,
                handed_out,
                self._what,
                number,
            )

    async def _raw_pages(self) -> AsyncGenerator[tuple[int, PageT], None]:
        number = self._start_page
        following = self._following(number, await self._fetch_one(number, None), self._prefetch)
        try:
            async for pair in following:
                yield pair
        finally:
            await following.aclose()  # type: ignore[attr-defined]

    async def _following(self, number: int, page: PageT, prefetch: int) -> AsyncIterator[tuple[int, PageT]]:
        """Page ``number`` (already fetched), then the pages after it: by number in batches, or by next link."""
        while True:
            yield number, page
            if not self._items(page):
                return
            total_pages = page.meta.pages
            next_link = page.links.next
            if prefetch > 1 and total_pages is not None and number + 1 < total_pages:
                last = min(number + self._allowance(prefetch), total_pages)
                batch, failure = await self._fetch_batch(range(number + 1, last + 1))
                # On a failure, the pages before the one that failed are handed out first, so the error
                # names the first page the caller did not get.
                for offset, fetched in enumerate(batch if failure is not None else batch[:-1]):
                    yield number + 1 + offset, fetched
                    if not self._items(fetched):
                        return
                if failure is not None:
                    raise failure
                number, page = last, batch[-1]
                continue
            if next_link:
                target = page_number_of(next_link)
                if target is not None and target <= number:
                    raise PaginationError(
                        f"the next link of {self._what} {number} points back to page {target}; stopped "
                        "instead of looping",
                        page=number,
                    )
                if total_pages is not None and number >= total_pages:
                    raise PaginationError(
                        f"{self._what} {number} links to a next page, but the server counted {total_pages} "
                        "pages; stopped instead of following it",
                        page=number,
                    )
                # The token goes only to the API's own origin: a link elsewhere is replaced by our own URL.
                url = next_link if self._same_origin(next_link) else None
                if url is not None and not keeps_params(url, self._link_params):
                    # Another page size moves the page boundaries: following it would skip (or repeat) items.
                    log.debug("%s %d: the next link changes the page size; asking by number", self._what, number)
                    url = None
                    target = number + 1
                if target is None or target > number + 1:
                    # A link without a page number is followed as the next page; one that jumps ahead would
                    # skip prompts, so the page right after this one is asked for instead.
                    url = url if target is None else None
                    target = number + 1
                number, page = target, await self._fetch_one(target, url)
            elif total_pages is not None and number < total_pages:
                number, page = number + 1, await self._fetch_one(number + 1, None)
            else:
                return

    async def _fetch_one(self, number: int, url: str | None) -> PageT:
        try:
            page = await self._fetch(number, url)
        except APIError as exc:
            exc.page = number
            raise
        served = page.meta.page
        if served is not None and served != number:
            raise PaginationError(
                f"asked for {self._what} {number} but the server sent page {served}", page=number
            )
        return page

    async def _fetch_batch(self, numbers: range) -> tuple[list[PageT], BaseException | None]:
        """Fetch ``numbers`` concurrently: every page, or the pages before the first that failed and its error.

        A failed page cancels only the pages after it; those before it are still needed, so they finish.
        """
        results: list[PageT | None] = [None] * len(numbers)
        errors: dict[int, BaseException] = {}
        scopes = [anyio.CancelScope() for _ in numbers]

        async def fetch(index: int, number: int) -> None:
            with scopes[index]:
                try:
                    results[index] = await self._fetch_one(number, None)
                except Exception as exc:
                    errors[number] = exc
                    for later in scopes[index + 1 :]:
                        later.cancel()

        async with anyio.create_task_group() as group:
            for index, number in enumerate(numbers):
                group.start_soon(fetch, index, number)
        if errors:
            first = min(errors)
            done = [page for page in results[: first - numbers.start] if page is not None]
            return done, errors[first]
        return [page for page in results if page is not None], None
