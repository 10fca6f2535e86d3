"""Blocking twins of async methods and pagers, built by delegation: no logic of their own.

``blocking(AsyncEvaluationRuns.retrieve)`` makes the sync method from the async one, with the same name,
parameters, docstring and (statically) return type; a test compares the two surfaces. Each call is handed to the
client's event loop (see :mod:`gradient_evals._loop`); a streaming iterator crosses threads once per page, not once
per prompt. Nothing here starts a thread, so resources can define their twins without making ``import
gradient_evals`` pay for the loop machinery.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Awaitable, Callable, Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, cast, overload

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal

    from ._page_guards import Paged
    from ._pagination import AsyncPager
    from ._settings_method import SettingsMethod
    from ._streaming import AsyncStream

# The pager's type variables, declared again: the client classes (and so this module) load without the pager and
# the models; the pager and the stream are imported where a blocking listing first runs.
PageT = TypeVar("PageT", bound="Paged")
ItemT = TypeVar("ItemT")


class LoopCalls(Protocol):
    """What the twins need of the blocking client's event loop (a ``gradient_evals._loop.LoopThread``)."""

    @property
    def portal(self) -> BlockingPortal: ...

    @property
    def is_running(self) -> bool: ...

    def call(self, func: Callable[..., Awaitable[R]], *args: Any) -> R: ...


__all__ = [
    "SyncPageStream",
    "SyncPager",
    "SyncResource",
    "blocking",
    "blocking_doc",
    "blocking_iterator",
    "blocking_settings",
]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
AsyncT = TypeVar("AsyncT")


_BLOCKING_WORDS = (("async for ", "for "), ("async with ", "with "), ("AsyncPager", "SyncPager"), ("await ", ""))


def blocking_doc(doc: str | None) -> str | None:
    """The async method's docstring as its blocking twin's: the examples say ``for``, not ``async for``."""
    if doc is None:
        return None
    for async_word, sync_word in _BLOCKING_WORDS:
        doc = doc.replace(async_word, sync_word)
    return doc


class Delegating(Protocol):
    """What a blocking twin is reached through: the async original and the loop to run it on (a sync resource, or
    the blocking client itself for its own methods such as ``evaluate``)."""

    @property
    def _async(self) -> Any: ...

    @property
    def _loop(self) -> LoopCalls: ...


class _Twin:
    """What both kinds of twin share: the async method's name, docstring and signature, reaching the bound
    original, and what the twin looks like on the class itself (``help(GradientEvals.evaluate)``)."""

    def __init__(self, async_method: Callable[..., Any]) -> None:
        self._async_method = async_method
        self.__doc__ = blocking_doc(async_method.__doc__)
        self._name = async_method.__name__
        self._signature: inspect.Signature | None = None
        self._on_class: dict[type, Callable[..., Any]] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def _original(self, obj: Delegating) -> tuple[Callable[..., Any], LoopCalls]:
        """The async resource's method, bound, and the loop to run it on."""
        return getattr(obj._async, self._name), obj._loop

    def _sync_return(self, annotation: Any) -> Any:
        """What the twin returns where the async method returns ``annotation``."""
        return annotation

    def _class_signature(self) -> inspect.Signature:
        """The async method's signature, ``self`` included, with the twin's return type; annotations evaluated,
        since ``inspect.signature(..., eval_str=True)`` takes a ``__signature__`` as it is."""
        if self._signature is None:
            try:
                signature = inspect.signature(self._async_method, eval_str=True)
            except NameError:  # an annotation that only exists for type checkers
                signature = inspect.signature(self._async_method)
            self._signature = signature.replace(return_annotation=self._sync_return(signature.return_annotation))
        return self._signature

    def _bound_signature(self) -> inspect.Signature:
        """The twin's signature on an instance: without ``self``."""
        signature = self._class_signature()
        return signature.replace(parameters=list(signature.parameters.values())[1:])

    def _function_on(self, owner: type) -> Callable[..., Any]:
        """The twin as a plain function of ``owner``, as a method reads on its class: what ``help()``,
        ``inspect.signature`` and editors see, and callable as ``Owner.name(instance, ...)``."""
        function = self._on_class.get(owner)
        if function is None:
            twin: Any = self  # a subclass with its own __get__

            def method(self: Delegating, /, *args: Any, **kwargs: Any) -> Any:
                return twin.__get__(self, type(self))(*args, **kwargs)

            functools.update_wrapper(method, self._async_method)
            method.__name__ = self._name
            method.__qualname__ = f"{owner.__qualname__}.{self._name}"
            method.__module__ = owner.__module__
            method.__doc__ = self.__doc__
            signature = self._class_signature()
            method.__signature__ = signature  # type: ignore[attr-defined]
            method.__annotations__ = _annotations_of(signature)
            function = self._on_class[owner] = method
        return function


def _annotations_of(signature: inspect.Signature) -> dict[str, Any]:
    return {
        **{p.name: p.annotation for p in signature.parameters.values() if p.annotation is not p.empty},
        "return": signature.return_annotation,
    }


class blocking(_Twin, Generic[P, R]):
    """Turn an async method of a resource into the same method, blocking, on the sync resource."""

    def __init__(self, async_method: Callable[Concatenate[Any, P], Awaitable[R]]) -> None:
        super().__init__(async_method)

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Callable[Concatenate[Any, P], R]: ...

    @overload
    def __get__(self, obj: Delegating, owner: type | None = None) -> Callable[P, R]: ...

    def __get__(self, obj: Delegating | None, owner: type | None = None) -> Any:
        if obj is None:
            return self if owner is None else self._function_on(owner)
        bound, loop = self._original(obj)

        # Wrapping the bound method (not the function) keeps ``self`` out of the twin's signature.
        @functools.wraps(bound)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            result: R = loop.call(functools.partial(bound, *args, **kwargs))
            return result

        call.__doc__ = self.__doc__
        if hasattr(call, "__signature__"):  # copied from a method that declares its own (``@takes_settings``)
            call.__signature__ = self._bound_signature()
        return call


def blocking_settings(method: SettingsMethod[P, S, Awaitable[R]]) -> SettingsMethod[P, S, R]:
    """The blocking twin of a ``@takes_settings`` method (``evaluate``): called the same two ways, with a settings
    value or with its fields as keywords, returning the result."""
    return cast("SettingsMethod[P, S, R]", blocking(cast(Any, method)))


class blocking_iterator(_Twin, Generic[P, PageT, ItemT]):
    """Turn a method returning an :class:`AsyncPager` (or a scoped stream) into one returning a :class:`SyncPager`."""

    def __init__(
        self, async_method: Callable[Concatenate[Any, P], AsyncPager[PageT, ItemT] | AsyncStream[PageT, ItemT]]
    ) -> None:
        super().__init__(async_method)

    @overload
    def __get__(
        self, obj: None, owner: type | None = None
    ) -> Callable[Concatenate[Any, P], SyncPager[PageT, ItemT]]: ...

    @overload
    def __get__(self, obj: Delegating, owner: type | None = None) -> Callable[P, SyncPager[PageT, ItemT]]: ...

    def __get__(self, obj: Delegating | None, owner: type | None = None) -> Any:
        if obj is None:
            return self if owner is None else self._function_on(owner)
        bound, loop = self._original(obj)

        from ._streaming import AsyncStream

        @functools.wraps(bound)
        def call(*args: P.args, **kwargs: P.kwargs) -> SyncPager[PageT, ItemT]:
            source = bound(*args, **kwargs)
            return SyncPager(source.pager if isinstance(source, AsyncStream) else source, loop)

        call.__doc__ = self.__doc__

        signature = self._bound_signature()
        call.__signature__ = signature  # type: ignore[attr-defined]
        call.__annotations__ = _annotations_of(signature)
        return call

    def _sync_return(self, annotation: Any) -> Any:
        """A :class:`SyncPager` of the same pages and items."""
        page_and_item = typing.get_args(annotation)
        return typing.cast(Any, SyncPager)[page_and_item] if page_and_item else SyncPager


async def _next_page(pages: Any) -> tuple[bool, Any]:
    # StopAsyncIteration does not cross a portal cleanly; report the end as a value instead.
    try:
        return True, await pages.__anext__()
    except StopAsyncIteration:
        return False, None


def _sync_pages(pager: AsyncPager[PageT, ItemT], loop: LoopCalls) -> Generator[PageT, None, None]:
    # The pages are read through a scoped stream whose task group lives on the loop thread for as long as this
    # iterator does: the next pages are fetched (and decoded) there while the caller's thread works on this one.
    from ._streaming import AsyncStream

    opened = loop.portal.wrap_async_context_manager(AsyncStream(pager, prefetch=pager.prefetch))
    pages = opened.__enter__().pages()
    try:
        while True:
            more: bool
            page: PageT
            more, page = loop.call(_next_page, pages)
            if not more:
                return
            yield page
    finally:
        # Leaving the stream cancels its fetches. Once the client is closed its loop has already finalized
        # the stream, and a pager collected after that must not raise from its finalizer.
        if loop.is_running:
            opened.__exit__(None, None, None)


class SyncPageStream(Iterator[PageT]):
    """The pages of a :class:`SyncPager`: ``for page in stream``, closed by ``close()`` or by leaving
    ``with pager.pages() as stream:``, after which no request is made."""

    def __init__(self, pages: Generator[PageT, None, None]) -> None:
        self._pages = pages

    def __iter__(self) -> SyncPageStream[PageT]:
        return self

    def __next__(self) -> PageT:
        return next(self._pages)

    def close(self) -> None:
        """Stop early; no request is made afterwards."""
        self._pages.close()

    def __enter__(self) -> SyncPageStream[PageT]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _sync_items(pager: AsyncPager[PageT, ItemT], loop: LoopCalls) -> Generator[ItemT, None, None]:
    for page in _sync_pages(pager, loop):
        yield from pager.items_of(page)


class SyncPager(Generic[PageT, ItemT]):
    """The blocking twin of :class:`AsyncPager`: ``for item in pager`` or ``for page in pager.pages()``.

    Each page crosses to the caller's thread once. Every blocking pager is read through a scoped stream (the
    async ``stream_results``) opened on the client's event-loop thread at the first ``next``: while the caller
    works on a page, the next ones are fetched there (up to ``prefetch`` of them); the end of the listing,
    breaking out of the loop, :meth:`close`, leaving ``with pager:`` or garbage collection of the iterator closes
    the stream and stops every fetch. So the blocking ``iter_results`` and ``stream_results`` return the same
    thing: ``with client.evaluation_runs.stream_results(uuid) as stream: for prompt in stream: ...`` is the
    scoped form.
    """

    def __init__(self, pager: AsyncPager[PageT, ItemT], loop: LoopCalls) -> None:
        self._pager = pager
        self._loop = loop
        self._items: Generator[ItemT, None, None] | None = None

    def pages(self) -> SyncPageStream[PageT]:
        """Every page in order, each holding only items not handed out before.

        ``with pager.pages() as pages: for page in pages: ...`` closes the stream on leaving.
        """
        return SyncPageStream(_sync_pages(self._pager, self._loop))

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
            self._items.close()

    def __enter__(self) -> SyncPager[PageT, ItemT]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SyncResource(Generic[AsyncT]):
    def __init__(self, async_resource: AsyncT, loop: LoopCalls) -> None:
        self._async = async_resource
        self._loop = loop
