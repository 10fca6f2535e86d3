"""The blocking client's event loop: an anyio loop in a daemon thread, reached through a blocking portal.

An ``httpx.AsyncClient`` is bound to the loop it was made on, so the blocking client keeps one loop alive for its
whole life and hands every call to it. Loaded only when a blocking client is made.

Three promises rest on this module:

- **Interrupts stop the work.** A ``KeyboardInterrupt`` (Ctrl-C, a notebook's stop button) reaches the thread
  that waits for a call, not the loop thread. That thread cancels the call's task on the loop, waits until it has
  finished (so no request is sent and no file is written afterwards), then lets the interrupt go on as itself.
- **A forked child never hangs.** ``os.fork()`` copies the client but not its loop thread. The child marks every
  loop as gone, so a call raises :class:`ClientStateError` at once and the exit-time cleanup does nothing.
- **close() from a callback works.** A callback the client runs on its loop thread (``on_update``, ``on_progress``)
  cannot stop that loop from inside; a close asked for there takes effect when the calls in progress return.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, Generic, Protocol, TypeVar, cast

import anyio
from anyio.from_thread import BlockingPortal

from ._exceptions import ClientStateError


class _Closable(Protocol):
    """The async client, as far as shutting it down goes."""

    async def aclose(self) -> None: ...


__all__ = ["LoopThread", "shutdown"]

R = TypeVar("R")

_LOOPS: weakref.WeakSet[LoopThread] = weakref.WeakSet()
"""Every loop thread of this process, so that a forked child can mark them all as gone."""


def _forget_loops_after_fork() -> None:
    for loop in list(_LOOPS):
        loop._mark_forked()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forget_loops_after_fork)


class LoopThread:
    """An anyio event loop running in a daemon thread, and the portal into it."""

    def __init__(self, backend: str = "asyncio") -> None:
        self._ready = threading.Event()
        self._portal: BlockingPortal | None = None
        self._failure: BaseException | None = None
        self._pid = os.getpid()
        self._forked_from: int | None = None
        # Calls in progress, and a close asked for on the loop thread, to run once they are all done.
        self._lock = threading.Lock()
        self._active = 0
        self._when_idle: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._run, args=(backend,), name="gradient-evals-loop", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure
        _LOOPS.add(self)

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

    def _mark_forked(self) -> None:
        # Runs in the child right after fork(): the loop thread was not copied, so nothing would ever answer.
        self._forked_from = self._pid
        self._portal = None
        self._when_idle = None
        self._active = 0
        self._lock = threading.Lock()

    @property
    def portal(self) -> BlockingPortal:
        portal = self._portal
        if portal is None:
            if self._forked_from is not None:
                raise ClientStateError(
                    f"this client was created in process {self._forked_from}, before os.fork(); its event-loop "
                    "thread does not exist in this child process: create a new client in the child"
                )
            raise ClientStateError("this client is closed: create a new client to make more calls")
        return portal

    def call(self, func: Callable[..., Awaitable[R]], *args: Any) -> R:
        """Run ``func`` on the loop and wait for its result (raises if called from the loop thread).

        If the wait is interrupted (``KeyboardInterrupt``, or any exception raised into this thread), the task
        is cancelled and has finished before the interruption propagates: nothing keeps running behind it.
        """
        portal = self.portal
        if self.is_current:
            raise ClientStateError(
                "the blocking client cannot be called from a callback it runs on its own event-loop thread "
                "(on_update, on_progress): do that work after the call returns"
            )
        task = _Task(func, args)
        with self._lock:
            self._active += 1
        try:
            future: Future[Any] | None = None
            try:
                try:
                    future = portal.start_task_soon(task.run)
                except RuntimeError:  # the portal stopped in between: close() from another thread
                    self.portal  # noqa: B018 - raises the ClientStateError that says why
                    raise
                # A task that returns normally was not cancelled, so its result is func's.
                return cast(R, future.result())
            except BaseException:
                # Interrupted while starting or waiting (not failed: a failure leaves the future done).
                if future is None or not future.done():
                    self._stop_task(task, portal)
                raise
        finally:
            self._call_ended()

    def _stop_task(self, task: _Task[Any], portal: BlockingPortal) -> None:
        """Cancel an interrupted call's task and wait until it has finished (or until it is sure never to run)."""
        scope = task.cancel()
        try:
            if scope is None:
                # The interrupt may have come before or after the task was handed to the loop. Callbacks run on
                # the loop in order, so after one round trip it has started if it ever will; a task that starts
                # after cancel() cancels itself.
                portal.call(_nothing)
                scope = task.scope
            if scope is None:
                return
            portal.call(scope.cancel)
        except RuntimeError:
            return  # the loop has stopped: nothing runs any more
        # A second interrupt while waiting here propagates at once, so a stuck cancellation can still be left.
        while not task.finished.wait(0.5):
            if not self._thread.is_alive():
                return

    def _call_ended(self) -> None:
        with self._lock:
            self._active -= 1
            deferred = self._when_idle if self._active == 0 else None
            if deferred is not None:
                self._when_idle = None
        if deferred is not None:
            deferred()

    def when_idle(self, action: Callable[[], None]) -> None:
        """Run ``action`` (off the loop thread) once no call is in progress; for a close asked for on the loop."""
        with self._lock:
            if self._active > 0:
                self._when_idle = action
                return
        # Nothing waits on the loop (a finalizer the garbage collector ran on the loop thread): a helper does it.
        threading.Thread(target=action, name="gradient-evals-close", daemon=True).start()

    def call_sync(self, func: Callable[..., R], *args: Any) -> R:
        """Run a plain function on the loop thread and wait for its result."""
        return self.portal.call(func, *args)

    @property
    def is_running(self) -> bool:
        """True until :meth:`stop` (or a fork, in the child): calls can still be made."""
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


def _nothing() -> None:
    """A call that does nothing: its round trip through the loop orders what was queued before it."""


class _Task(Generic[R]):
    """One call's coroutine on the loop, cancellable from the calling thread before or after it has started."""

    def __init__(self, func: Callable[..., Awaitable[R]], args: tuple[Any, ...]) -> None:
        self._func = func
        self._args = args
        self._lock = threading.Lock()
        self._cancelled = False
        self.scope: anyio.CancelScope | None = None
        self.finished = threading.Event()

    async def run(self) -> R | None:
        try:
            with anyio.CancelScope() as scope:
                with self._lock:
                    self.scope = scope
                    if self._cancelled:
                        scope.cancel()
                return await self._func(*self._args)
            return None  # cancelled from the calling thread, which no longer waits for a result
        finally:
            self.finished.set()

    def cancel(self) -> anyio.CancelScope | None:
        """Mark the task cancelled; its scope when it has started (to be cancelled on the loop), else ``None``."""
        with self._lock:
            self._cancelled = True
            return self.scope


def shutdown(loop: LoopThread, client: _Closable) -> None:
    """Close the async client on its loop, then the loop. Runs on close(), on garbage collection and at exit."""
    if not loop.is_running:
        return  # already stopped, or a forked child whose loop thread does not exist
    if loop.is_current:
        # Called from a callback running on the loop (on_update calling close()): the loop cannot stop itself
        # while that call is in progress, so it stops as soon as the calls in progress have returned.
        loop.when_idle(lambda: shutdown(loop, client))
        return
    # Closing is best effort: a finalizer, or code running at interpreter exit, must never raise.
    with contextlib.suppress(Exception):
        loop.call(client.aclose)
    loop.stop()
