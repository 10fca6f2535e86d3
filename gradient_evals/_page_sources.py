"""Where a pager's pages come from: numbered batches, a sliding window, or one page at a time.

A pager walks a listing in *runs*: the pages one step leads to (:func:`~gradient_evals._page_guards.next_step`),
known by number before any of them is fetched, so the pager can plan the next step from a run's last page before
handing it out. A :class:`PageSource` turns the numbers a page count promises into a run:

- :class:`InBatches` fetches up to ``prefetch`` pages concurrently while the caller waits and nothing while it
  works, so no task outlives a ``yield`` (a plain ``async for``);
- :class:`SlidingWindow` keeps ``prefetch`` pages requested, in flight or waiting for the caller at all times, by
  tasks in a group the caller owns (a scoped stream's ``async with``).

A ``next`` link is followed one page at a time (:func:`single`). Each source holds a few objects per page of its
window and nothing per page number, whatever count the server claims.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Generic, Protocol

import anyio
from anyio.abc import TaskGroup

from ._exceptions import APIError
from ._page_guards import PageT, check_served

__all__ = ["FetchPage", "InBatches", "PageFetcher", "PageSource", "Run", "SlidingWindow", "failing", "single"]

FetchPage = Callable[[int, "str | None"], Awaitable[PageT]]
"""Fetch page ``n``; the second argument, when given, is the server's own same-origin URL for it."""


class PageFetcher(Generic[PageT]):
    """Fetches one page and makes sure it is the page asked for; an API error names the page."""

    def __init__(self, fetch: FetchPage[PageT], what: str) -> None:
        self._fetch = fetch
        self._what = what

    async def one(self, number: int, url: str | None = None) -> PageT:
        try:
            page = await self._fetch(number, url)
        except APIError as exc:
            exc.page = number
            raise
        check_served(number, page, self._what)
        return page


class Run(Generic[PageT]):
    """The pages of one step, in order: one for each of ``numbers``, taken with :meth:`next`."""

    __slots__ = ("_on_close", "_pages", "_taken", "numbers")

    def __init__(
        self, numbers: range, pages: AsyncGenerator[PageT, None], on_close: Callable[[], None] | None = None
    ) -> None:
        self.numbers = numbers
        self._pages = pages
        self._on_close = on_close
        self._taken = 0

    @property
    def exhausted(self) -> bool:
        """Whether every page of the run has been taken."""
        return self._taken >= len(self.numbers)

    async def next(self) -> tuple[int, PageT]:
        """The next page of the run and its number (or the error that took its place)."""
        page = await self._pages.__anext__()
        number = self.numbers[self._taken]
        self._taken += 1
        return number, page

    async def aclose(self) -> None:
        """Stop the run: fetches it started are cancelled."""
        if self._on_close is not None:
            self._on_close()
        await self._pages.aclose()


def single(fetcher: PageFetcher[PageT], number: int, url: str | None) -> Run[PageT]:
    """A run of one page, fetched when it is taken (by ``url`` when given)."""

    async def page() -> AsyncGenerator[PageT, None]:
        yield await fetcher.one(number, url)

    return Run(range(number, number + 1), page())


def failing(number: int, error: BaseException) -> Run[PageT]:
    """A run whose page ``number`` is ``error``: a step that could not be taken, reported in its place."""

    async def page() -> AsyncGenerator[PageT, None]:
        raise error
        yield  # an async generator  # pragma: no cover

    return Run(range(number, number + 1), page())


class PageSource(Protocol[PageT]):
    """How pages known by number are fetched."""

    def take(self, numbers: range) -> Run[PageT]:
        """A run of the first of ``numbers`` (at least one, in order); a source that fetches ahead starts now."""
        ...


class InBatches(Generic[PageT]):
    """Numbered batches of up to ``prefetch`` pages (fewer when ``allowance``, the rate limit's say, is lower),
    each fetched while the caller waits; nothing runs while the caller works on a page."""

    def __init__(self, fetcher: PageFetcher[PageT], prefetch: int, allowance: Callable[[int], int]) -> None:
        self._fetcher = fetcher
        self._prefetch = prefetch
        self._allowance = allowance

    def take(self, numbers: range) -> Run[PageT]:
        batch = numbers[: max(1, self._allowance(self._prefetch))]
        if len(batch) == 1:
            return single(self._fetcher, batch.start, None)
        return Run(batch, self._fetched(batch))

    async def _fetched(self, numbers: range) -> AsyncGenerator[PageT, None]:
        """The pages of ``numbers``, fetched concurrently; on a failure, the pages before the failed one, then its
        error (a failed page cancels only the pages after it: those before it are still handed out)."""
        results: list[PageT | None] = [None] * len(numbers)
        errors: dict[int, Exception] = {}
        scopes = [anyio.CancelScope() for _ in numbers]

        async def fetch(index: int) -> None:
            with scopes[index]:
                try:
                    results[index] = await self._fetcher.one(numbers[index])
                except Exception as exc:
                    errors[index] = exc
                    for later in scopes[index + 1 :]:
                        later.cancel()

        async with anyio.create_task_group() as group:
            for index in range(len(numbers)):
                group.start_soon(fetch, index)
        first_failed = min(errors, default=len(numbers))
        for page in results[:first_failed]:
            assert page is not None  # every page before the first failure was fetched
            yield page
        if errors:
            raise errors[first_failed]


class _Slot(Generic[PageT]):
    """One page of a sliding window: fetched, failed, or on its way."""

    __slots__ = ("done", "error", "page", "scope")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.scope = anyio.CancelScope()
        self.page: PageT | None = None
        self.error: Exception | None = None


class SlidingWindow(Generic[PageT]):
    """``prefetch`` pages requested, in flight or waiting for the caller at all times, fetched by tasks in
    ``group`` (which the caller keeps open while it reads), handed out in order; a page's error comes in its place.

    Taking a page requests the one ``prefetch`` further on, so the window holds at most ``prefetch`` pages.
    """

    def __init__(self, fetcher: PageFetcher[PageT], prefetch: int, group: TaskGroup) -> None:
        self._fetcher = fetcher
        self._prefetch = prefetch
        self._group = group

    def take(self, numbers: range) -> Run[PageT]:
        upcoming = iter(numbers)
        slots: deque[_Slot[PageT]] = deque()

        def request(number: int) -> None:
            slot: _Slot[PageT] = _Slot()
            slots.append(slot)
            self._group.start_soon(self._fill, number, slot)

        def cancel() -> None:
            for slot in slots:
                slot.scope.cancel()
            slots.clear()

        async def pages() -> AsyncGenerator[PageT, None]:
            while slots:
                slot = slots[0]
                await slot.done.wait()
                slots.popleft()
                following = next(upcoming, None)
                if following is not None:
                    request(following)
                if slot.error is not None:
                    raise slot.error
                assert slot.page is not None  # a slot is done with a page or an error
                yield slot.page

        for number in itertools.islice(upcoming, self._prefetch):
            request(number)
        return Run(numbers, pages(), on_close=cancel)

    async def _fill(self, number: int, slot: _Slot[PageT]) -> None:
        with slot.scope:
            try:
                slot.page = await self._fetcher.one(number)
            except Exception as exc:  # handed to the caller in order, when it reaches this page
                slot.error = exc
        slot.done.set()
