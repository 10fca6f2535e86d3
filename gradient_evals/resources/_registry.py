"""A resource declared once for both clients: ``things: Registered[AsyncThings, Things] = Registered("summary")``.

The attribute's name is the API's plural and the name of the module that holds the resource,
``gradient_evals.resources.things``, with ``AsyncThings`` and its blocking twin ``Things``. That module is imported
on the first read of ``client.things``, not before: a program pays for the resources it uses (a script reading one
run's results never loads the model-evaluation resources or the dataset uploader).

The async client builds ``AsyncThings.for_client(client)``; the blocking client wraps its async client's instance
in ``Things(async_resource, loop)``. Each client keeps the one instance it built (in its ``__dict__``, where later
reads find it without this descriptor), so a resource's learned state (page sizes, caches) lives as long as the
client. Type checkers see ``AsyncThings`` on the async client and ``Things`` on the blocking one, through the
overloads of :meth:`Registered.__get__` and the annotation.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .._exceptions import ArgumentTypeError

if TYPE_CHECKING:
    from .._blocking import LoopCalls
    from .._storage import StorageClient
    from .._transport import Transport

__all__ = ["AsyncResourceHost", "Registered", "SyncResourceHost", "resource_classes", "resource_stem"]

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


def resource_stem(name: str) -> str:
    """The class name of the resource ``name`` (``evaluation_runs``): ``EvaluationRuns``."""
    return "".join(part.capitalize() for part in name.split("_"))


def resource_classes(name: str) -> tuple[type[Any], type[Any]]:
    """The async class and its blocking twin of the resource ``name``: ``AsyncThings`` and ``Things`` of the module
    ``gradient_evals.resources.things``."""
    module = importlib.import_module(f"{__package__}.{name}")
    stem = resource_stem(name)
    return getattr(module, f"Async{stem}"), getattr(module, stem)


class Registered(Generic[A, S]):
    """A resource on both clients, its module imported on first use (see the module's documentation)."""

    def __init__(self, summary: str) -> None:
        self.name = ""
        self._summary = summary

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        stem = resource_stem(name)
        # What help() shows under the attribute's name on both clients, without importing the resource's module.
        self.__doc__ = f"Async{stem} (blocking: {stem}): {self._summary}"

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
        async_class, sync_class = resource_classes(self.name)
        built: Any
        if isinstance(instance, SyncResourceHost):
            built = sync_class(getattr(instance._async, self.name), instance._loop)
        elif isinstance(instance, AsyncResourceHost):
            built = async_class.for_client(instance)
        else:
            raise ArgumentTypeError(f"{type(instance).__name__} is not a client")
        # setdefault is atomic: threads racing on the first read keep one instance (building one has no effect).
        return held.setdefault(self.name, built)

    def __set__(self, instance: object, value: object) -> None:
        # A data descriptor, so help() lists it with its documentation; a resource is never swapped under a caller.
        raise AttributeError(f"{self.name} is set once, by the client")
