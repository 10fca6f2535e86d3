"""A resource declared once for both clients: ``name = Registered(AsyncThings, Things)`` in ``ResourceSet``.

The async client builds ``AsyncThings(transport, storage)`` on first use of ``client.name``; the blocking client
wraps its async client's instance in ``Things(async_resource, loop)``. Each client keeps the one instance it built
(in its ``__dict__``, where later reads find it without this descriptor), so a resource's learned state (page
sizes, caches) lives as long as the client. Type checkers see ``AsyncThings`` on the async client and ``Things``
on the blocking one, through the overloads of :meth:`Registered.__get__`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .._blocking import LoopCalls

if TYPE_CHECKING:
    from .._storage import StorageClient
    from .._transport import Transport

__all__ = ["AsyncResourceHost", "Registered", "SyncResourceHost"]

A = TypeVar("A")
S = TypeVar("S")


class AsyncResourceHost:
    """What the async client gives the resources it registers: its transport and its token-free storage client."""

    _transport: Transport
    _storage: StorageClient


class SyncResourceHost:
    """What the blocking client gives the twins it registers: the async client and the loop it runs on."""

    _async: Any
    _loop: LoopCalls


class Registered(Generic[A, S]):
    """A resource on both clients: ``make_async(transport, storage)`` on the async one, ``make_sync(it, loop)`` on
    the blocking one."""

    def __init__(
        self, make_async: Callable[[Transport, StorageClient], A], make_sync: Callable[[A, LoopCalls], S]
    ) -> None:
        self._make_async = make_async
        self._make_sync = make_sync
        self.name = ""
        # help() and the API reference show this line under the attribute's name on both clients.
        names = [getattr(make, "__name__", "") for make in (make_async, make_sync)]
        summary = " ".join((getattr(make_async, "__doc__", None) or "").split("\n\n")[0].split())
        self.__doc__ = f"{names[0]} (blocking: {names[1]}): {summary}" if summary else f"{names[0]} / {names[1]}"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Registered[A, S]: ...

    @overload
    def __get__(self, instance: AsyncResourceHost, owner: type | None = None) -> A: ...

    @overload
    def __get__(self, instance: SyncResourceHost, owner: type | None = None) -> S: ...

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        held = vars(instance)
        if self.name in held:
            return held[self.name]
        built: Any
        if isinstance(instance, SyncResourceHost):
            built = self._make_sync(getattr(instance._async, self.name), instance._loop)
        elif isinstance(instance, AsyncResourceHost):
            built = self._make_async(instance._transport, instance._storage)
        else:
            raise TypeError(f"{type(instance).__name__} is not a client")
        # setdefault is atomic: threads racing on the first read keep one instance (building one has no effect).
        return held.setdefault(self.name, built)

    def __set__(self, instance: object, value: object) -> None:
        # A data descriptor, so help() lists it with its documentation; a resource is never swapped under a caller.
        raise AttributeError(f"{self.name} is set once, by the client")
