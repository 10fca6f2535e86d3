"""``GradientEvals``: the blocking facade. It holds no logic of its own: each call runs the async twin.

The async client lives on one event loop in a daemon thread for the sync client's whole life (an
``httpx.AsyncClient`` is bound to the loop it was made on), reached through an anyio blocking portal. So the
connection pool is reused from call to call, and a sync call works where ``asyncio.run`` would not: inside a
running event loop (a notebook cell) and from many threads at once. A streaming iterator crosses threads once
per page, not once per prompt.

Methods are not written twice: ``blocking(AsyncEvaluationRuns.retrieve)`` makes the sync method from the async
one, with the same name, parameters, docstring and (statically) return type; a test compares the two surfaces.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
import typing
import weakref
from collections.abc import Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from ._client import DEFAULT_TIMEOUT, AsyncGradientEvals
from ._pagination import AsyncPager, ItemT, PageT
from ._transport import RateLimitInfo, RetryPolicy
from .resources.evaluation_runs import AsyncEvaluationRuns
from .resources.evaluation_test_cases import AsyncEvaluationTestCases

__all__ = ["EvaluationRuns", "EvaluationTestCases", "GradientEvals", "SyncPager"]

P = ParamSpec("P")
R = TypeVar("R")
AsyncT = TypeVar("AsyncT")


class _LoopThread:
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
            portal.call(portal.stop)
        except RuntimeError:
            return  # the loop has already stopped on its own (interpreter shutdown)
        self._thread.join(timeout=5)


def _shutdown(loop: _LoopThread, client: AsyncGradientEvals) -> None:
    """Close the async client on its loop, then the loop. Runs on close(), on garbage collection and at exit."""
    if loop.is_current:
        return
    # Closing is best effort: a finalizer, or code running at interpreter exit, must never raise.
    with contextlib.suppress(Exception):
        loop.call(client.aclose)
    loop.stop()


class blocking(Generic[P, R]):
    """Turn an async method of a resource into the same method, blocking, on the sync resource."""

    def __init__(self, async_method: Callable[Concatenate[Any, P], Awaitable[R]]) -> None:
        self._async_method = async_method
        self.__doc__ = async_method.__doc__
        self._name = async_method.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> blocking[P, R]: ...

    @overload
    def __get__(self, obj: _SyncResource[Any], owner: type | None = None) -> Callable[P, R]: ...

    def __get__(self, obj: _SyncResource[Any] | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        bound = getattr(obj._async, self._name)
        loop = obj._loop

        # Wrapping the bound method (not the function) keeps ``self`` out of the twin's signature.
        @functools.wraps(bound)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            result: R = loop.call(functools.partial(bound, *args, **kwargs))
            return result

        return call


class blocking_iterator(Generic[P, PageT, ItemT]):
    """Turn a method returning an :class:`AsyncPager` into one returning a :class:`SyncPager`."""

    def __init__(self, async_method: Callable[Concatenate[Any, P], AsyncPager[PageT, ItemT]]) -> None:
        self._async_method = async_method
        self.__doc__ = async_method.__doc__
        self._name = async_method.__name__
        self._sync_signature: inspect.Signature | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> blocking_iterator[P, PageT, ItemT]: ...

    @overload
    def __get__(
        self, obj: _SyncResource[Any], owner: type | None = None
    ) -> Callable[P, SyncPager[PageT, ItemT]]: ...

    def __get__(self, obj: _SyncResource[Any] | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        bound = getattr(obj._async, self._name)
        loop = obj._loop

        @functools.wraps(bound)
        def call(*args: P.args, **kwargs: P.kwargs) -> SyncPager[PageT, ItemT]:
            return SyncPager(bound(*args, **kwargs), loop)

        signature = self._signature()
        call.__signature__ = signature  # type: ignore[attr-defined]
        call.__annotations__ = {
            **{p.name: p.annotation for p in signature.parameters.values() if p.annotation is not p.empty},
            "return": signature.return_annotation,
        }
        return call

    def _signature(self) -> inspect.Signature:
        """The async method's signature without ``self``, returning a :class:`SyncPager` of the same pages."""
        if self._sync_signature is None:
            try:
                signature = inspect.signature(self._async_method, eval_str=True)
            except NameError:  # an annotation that only exists for type checkers
                signature = inspect.signature(self._async_method)
            page_and_item = typing.get_args(signature.return_annotation)
            returned: Any = typing.cast(Any, SyncPager)[page_and_item] if page_and_item else SyncPager
            self._sync_signature = signature.replace(
                parameters=list(signature.parameters.values())[1:], return_annotation=returned
            )
        return self._sync_signature


async def _next_page(pages: Any) -> tuple[bool, Any]:
    # StopAsyncIteration does not cross a portal cleanly; report the end as a value instead.
    try:
        return True, await pages.__anext__()
    except StopAsyncIteration:
        return False, None


def _sync_pages(pager: AsyncPager[PageT, ItemT], loop: _LoopThread) -> Iterator[PageT]:
    pages = pager.pages()
    try:
        while True:
            more: bool
            page: PageT
            more, page = loop.call(_next_page, pages)
            if not more:
                return
            yield page
    finally:
        # Once the client is closed its loop has already finalized the stream, and a pager collected
        # after that must not raise from its finalizer.
        if loop.is_running:
            loop.call(pages.aclose)  # type: ignore[attr-defined]


def _sync_items(pager: AsyncPager[PageT, ItemT], loop: _LoopThread) -> Iterator[ItemT]:
    for page in _sync_pages(pager, loop):
        yield from pager.items_of(page)


class SyncPager(Generic[PageT, ItemT]):
    """The blocking twin of :class:`AsyncPager`: ``for item in pager`` or ``for page in pager.pages()``.

    Each page crosses to the caller's thread once; breaking out of the loop (or :meth:`close`) stops fetching.
    """

    def __init__(self, pager: AsyncPager[PageT, ItemT], loop: _LoopThread) -> None:
        self._pager = pager
        self._loop = loop
        self._items: Iterator[ItemT] | None = None

    def pages(self) -> Iterator[PageT]:
        """Every page in order, each holding only items not handed out before."""
        return _sync_pages(self._pager, self._loop)

    def __iter__(self) -> Iterator[ItemT]:
        if self._items is None:
            # The iterator must not refer back to this pager: a cycle would delay closing the stream until
            # the cyclic garbage collector runs (on any thread, possibly the loop's own) instead of at ``break``.
            self._items = _sync_items(self._pager, self._loop)
        return self._items

    def __next__(self) -> ItemT:
        return next(iter(self))

    def close(self) -> None:
        """Stop iterating early; no request is made afterwards."""
        if self._items is not None:
            self._items.close()  # type: ignore[attr-defined]

    def __enter__(self) -> SyncPager[PageT, ItemT]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _SyncResource(Generic[AsyncT]):
    def __init__(self, async_resource: AsyncT, loop: _LoopThread) -> None:
        self._async = async_resource
        self._loop = loop


class EvaluationRuns(_SyncResource[AsyncEvaluationRuns]):
    """Evaluation runs, blocking: the same methods as :class:`AsyncEvaluationRuns`."""

    create = blocking(AsyncEvaluationRuns.create)
    retrieve = blocking(AsyncEvaluationRuns.retrieve)
    list_results = blocking(AsyncEvaluationRuns.list_results)
    retrieve_results = blocking(AsyncEvaluationRuns.retrieve_results)
    iter_results = blocking_iterator(AsyncEvaluationRuns.iter_results)
    wait = blocking(AsyncEvaluationRuns.wait)
    create_and_wait = blocking(AsyncEvaluationRuns.create_and_wait)
    to_records = blocking(AsyncEvaluationRuns.to_records)
    to_pandas = blocking(AsyncEvaluationRuns.to_pandas)
    export = blocking(AsyncEvaluationRuns.export)
    summarize = blocking(AsyncEvaluationRuns.summarize)
    compare = blocking(AsyncEvaluationRuns.compare)


class EvaluationTestCases(_SyncResource[AsyncEvaluationTestCases]):
    """Evaluation test cases, blocking: the same methods as :class:`AsyncEvaluationTestCases`."""

    list_evaluation_runs = blocking(AsyncEvaluationTestCases.list_evaluation_runs)


class GradientEvals:
    """Blocking client of the Gradient AI evaluation-runs API; takes the same options as
    :class:`AsyncGradientEvals`.

    ```python
    with GradientEvals() as client:
        for prompt in client.evaluation_runs.iter_results(run_uuid):
            ...
    ```

    Do not call it from inside callbacks that the client itself runs on its loop thread: that raises.
    """

    def __init__(
        self,
        access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        loop = _LoopThread()
        try:
            # Made on the loop it will run on: an httpx.AsyncClient belongs to one event loop.
            client = loop.call_sync(
                functools.partial(
                    AsyncGradientEvals,
                    access_token,
                    base_url=base_url,
                    timeout=timeout,
                    max_retries=max_retries,
                    retry=retry,
                    http_client=http_client,
                    allow_insecure_http=allow_insecure_http,
                )
            )
        except BaseException:
            loop.stop()
            raise
        self._loop = loop
        self._async = client
        self._finalizer = weakref.finalize(self, _shutdown, loop, client)
        self.evaluation_runs = EvaluationRuns(client.evaluation_runs, loop)
        """Evaluation runs: create, retrieve, list and stream results."""
        self.evaluation_test_cases = EvaluationTestCases(client.evaluation_test_cases, loop)
        """Evaluation test cases: list their runs."""

    @property
    def async_client(self) -> AsyncGradientEvals:
        """The async client this facade drives (usable only on the facade's own loop)."""
        return self._async

    @property
    def base_url(self) -> str:
        """The API root every request goes to."""
        return self._async.base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """How failed requests are retried."""
        return self._async.retry_policy

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The ``ratelimit-*`` headers of the last response, if the server sent any."""
        return self._async.rate_limit

    @property
    def is_closed(self) -> bool:
        """True after :meth:`close`."""
        return not self._finalizer.alive

    def close(self) -> None:
        """Close the connection pool and stop the background event loop and its thread."""
        self._finalizer()

    def __enter__(self) -> GradientEvals:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, access_token=<redacted>)"
