"""Scoped streams: a paged listing fetched ahead while the caller works, inside an ``async with`` block.

A plain ``async for`` over an :class:`~gradient_evals.AsyncPager` keeps no task alive across a ``yield``, so
each batch of pages is fetched while the caller waits. A stream is opened with ``async with``, which owns a task
group for the block's life: fetches run while the loop body works, with ``prefetch`` requests in flight at all
times (a sliding window, not batches). Pages are still handed out in order and checked as the pager checks them
(de-duplication, repeated pages, page numbers); at most ``prefetch`` pages are held ahead of the caller; and when
the block exits, by ``break``, an exception or cancellation, every fetch still running is cancelled before the
``async with`` statement returns.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import Any, Generic, cast

import anyio
from anyio.abc import TaskGroup

from ._pagination import AsyncPager, ItemT, PageT

__all__ = ["AsyncStream"]


class AsyncStream(Generic[PageT, ItemT]):
    """Every item of a paged listing, fetched ahead by tasks that live as long as the ``async with`` block.

    ```python
    async with client.evaluation_runs.stream_results(run_uuid) as stream:
        async for prompt in stream:
            ...
    ```

    ``stream.pages()`` gives whole pages instead of items (one of the two per stream).
    """

    def __init__(self, pager: AsyncPager[PageT, ItemT], *, prefetch: int) -> None:
        self._pager = pager
        self._prefetch = prefetch
        self._group: TaskGroup | None = None
        self._iterator: AsyncGenerator[Any, None] | None = None
        self._items: AsyncIterator[ItemT] | None = None
        self._closed = False

    @property
    def pager(self) -> AsyncPager[PageT, ItemT]:
        """The listing this stream reads (what the blocking facade iterates)."""
        return self._pager

    async def __aenter__(self) -> AsyncStream[PageT, ItemT]:
        if self._group is not None or self._closed:
            raise RuntimeError("a stream can be entered once")
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        return self

    # The async context-manager protocol's signature, as the clients spell it too.
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        group = self._group
        self._closed = True
        if group is None:
            return None
        # Whatever ended the block, nothing it started may outlive it: stop the fetches, then wait for them.
        group.cancel_scope.cancel()
        iterator, self._iterator = self._iterator, None
        try:
            if iterator is not None:
                with anyio.CancelScope(shield=True):
                    await iterator.aclose()
        finally:
            self._group = None
            # The fetching tasks never fail (a failed page is handed to the reader in order), so the group is
            # closed as if the block had ended normally: an exception from the block then propagates as itself,
            # not wrapped in an exception group.
            await group.__aexit__(None, None, None)
        return None

    def __aiter__(self) -> AsyncIterator[ItemT]:
        if self._items is None:
            if self._iterator is not None:
                raise RuntimeError("this stream is already being read page by page")
            self._items = self._pager._flatten(self._pager._pages(self._window()))
            self._iterator = cast(AsyncGenerator[Any, None], self._items)
        return self._items

    async def __anext__(self) -> ItemT:
        return await self.__aiter__().__anext__()

    def pages(self) -> AsyncIterator[PageT]:
        """Every page in order, each holding only the items not handed out before."""
        if self._iterator is not None:
            raise RuntimeError("this stream is already being read")
        pages = self._pager._pages(self._window())
        self._iterator = cast(AsyncGenerator[Any, None], pages)
        return pages

    async def _window(self) -> AsyncGenerator[tuple[int, PageT], None]:
        group = self._group
        if group is None:
            raise RuntimeError("open the stream with `async with` before iterating it")
        pager = self._pager
        number = pager._start_page
        page = await pager._fetch_one(number, None)
        total_pages = page.meta.pages
        if self._prefetch <= 1 or total_pages is None or total_pages <= number:
            # Without a page count there is nothing to fetch ahead by number: follow the links one by one.
            following = pager._following(number, page, 1)
            try:
                async for pair in following:
                    yield pair
            finally:
                await following.aclose()  # type: ignore[attr-defined]
            return
        numbers = range(number + 1, total_pages + 1)
        # A permit is taken before a page is requested and given back when the caller takes the page, so the
        # pages requested, in flight or waiting for the caller never number more than `prefetch`.
        permits = anyio.Semaphore(self._prefetch)
        ready = {n: anyio.Event() for n in numbers}
        fetched: dict[int, PageT | Exception] = {}

        async def fetch(n: int) -> None:
            try:
                fetched[n] = await pager._fetch_one(n, None)
            except Exception as exc:  # handed to the caller in order, when it reaches this page
                fetched[n] = exc
            ready[n].set()

        async def request_ahead() -> None:
            for n in numbers:
                await permits.acquire()
                group.start_soon(fetch, n)

        group.start_soon(request_ahead)  # before the first page is handed out: fetch while the caller works
        yield number, page
        if not pager.items_of(page):
            return
        for n in numbers:
            await ready[n].wait()
            result = fetched.pop(n)
            permits.release()
            if isinstance(result, Exception):
                raise result
            yield n, result
            if not pager.items_of(result):
                return
