"""The blocking client's event loop: an anyio loop in a daemon thread, reached through a blocking portal.

An ``httpx.AsyncClient`` is bound to the loop it was made on, so the blocking client keeps one loop alive for its
whole life and hands every call to it. Loaded only when a blocking client is made.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

if TYPE_CHECKING:
    from ._client import AsyncGradientEvals

__all__ = ["LoopThread", "shutdown"]

R = TypeVar("R")


class LoopThread:
    """An anyio event loop running in a daemon thread, and the portal into it."""

    def __init__(self, backend: str = "asyncio") -> None:
        self._ready = threading.Event()
        self._portal: BlockingPortal | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(backend,), name="gradient-evals-loop", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def _run(self, backend: str) -> None:
        async def serve() -> None:
            async with BlockingPortal() as portal:
                self._portal = portal
                self._ready.set()
                await portal.sleep_until_stopped()

        try:
            anyio.run(serve, backend=backend)
        except BaseException as exc:  # surfaced to the constructor; the thread must not die silently
            self._failure = exc
            self._ready.set()

    @property
    def portal(self) -> BlockingPortal:
        if self._portal is None:
            raise RuntimeError("the client's event loop is not running")
        return self._portal

    def call(self, func: Callable[..., Awaitable[R]], *args: Any) -> R:
        """Run ``func`` on the loop and wait for its result (raises if called from the loop thread)."""
        return self.portal.call(func, *args)

    def call_sync(self, func: Callable[..., R], *args: Any) -> R:
        """Run a plain function on the loop thread and wait for its result."""
        return self.portal.call(func, *args)

    @property
    def is_running(self) -> bool:
        """True until :meth:`stop`: calls can still be made."""
        return self._portal is not None

    @property
    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self) -> None:
        """Stop the loop and wait for its thread (a no-op once stopped)."""
        portal = self._portal
        if portal is None or not self._thread.is_alive():
            return
        self._portal = None
        if self.is_current:
            return
        try:
            # cancel_remaining: whatever still runs on the loop (a stream the caller abandoned mid-way) is cancelled,
            # not waited for; closing the client stops everything it started.
            portal.call(portal.stop, True)
        except RuntimeError:
            return  # the loop has already stopped on its own (interpreter shutdown)
        self._thread.join(timeout=5)


def shutdown(loop: LoopThread, client: AsyncGradientEvals) -> None:
    """Close the async client on its loop, then the loop. Runs on close(), on garbage collection and at exit."""
    if loop.is_current:
        return
    # Closing is best effort: a finalizer, or code running at interpreter exit, must never raise.
    with contextlib.suppress(Exception):
        loop.call(client.aclose)
    loop.stop()
