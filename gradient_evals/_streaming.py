"""Scoped streams: a paged listing fetched ahead while the caller works, inside an ``async with`` block.

A plain ``async for`` over an :class:`~gradient_evals.AsyncPager` keeps no task alive across a ``yield``, so each
batch of pages is fetched while the caller waits. A stream is the same pager given a task group that the
``async with`` block owns: a sliding window keeps ``prefetch`` requests in flight while the loop body works, holds
at most ``prefetch`` pages ahead of the caller, and hands pages out in order with the pager's checks. When the block
exits, by ``break``, an exception or cancellation, every fetch still running is cancelled before the ``async with``
statement returns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Generic

import anyio
from anyio.abc import TaskGroup

from ._exceptions import ClientStateError
from ._pagination import AsyncPager, AsyncPageStream, ItemT, PageT

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
        self._entered = False
        self._reading: AsyncPager[PageT, ItemT] | AsyncPageStream[PageT] | None = None

    @property
    def pager(self) -> AsyncPager[PageT, ItemT]:
        """The listing this stream reads (what the blocking facade iterates)."""
        return self._pager

    async def __aenter__(self) -> AsyncStream[PageT, ItemT]:
        if self._entered:
            raise ClientStateError("a stream can be entered once")
        self._entered = True
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        group, self._group = self._group, None
        if group is None:
            return
        # Whatever ended the block, nothing it started may outlive it: stop the fetches, then wait for them.
        group.cancel_scope.cancel()
        try:
            if self._reading is not None:
                with anyio.CancelScope(shield=True):
                    await self._reading.aclose()
        finally:
            # The fetching tasks never fail (a failed page is handed to the reader in order), so the group is
            # closed as if the block had ended normally: an exception from the block then propagates as itself,
            # not wrapped in an exception group.
            await group.__aexit__(None, None, None)

    def __aiter__(self) -> AsyncIterator[ItemT]:
        if self._reading is None:
            self._reading = self._fetching_ahead()
        if not isinstance(self._reading, AsyncPager):
            raise ClientStateError("this stream is already being read page by page")
        return self._reading.__aiter__()

    async def __anext__(self) -> ItemT:
        return await self.__aiter__().__anext__()

    def pages(self) -> AsyncIterator[PageT]:
        """Every page in order, each holding only the items not handed out before."""
        if self._reading is not None:
            raise ClientStateError("this stream is already being read")
        self._reading = self._fetching_ahead().pages()
        return self._reading

    def _fetching_ahead(self) -> AsyncPager[PageT, ItemT]:
        if self._group is None:
            raise ClientStateError("open the stream with `async with` before iterating it")
        return self._pager.fetching_ahead_in(self._group, prefetch=self._prefetch)
