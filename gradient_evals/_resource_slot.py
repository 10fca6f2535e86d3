"""A client's resource declared on the class, so that ``help()``, ``dir()`` and completion list it.

The clients set their resources in ``__init__``; an attribute set only there is invisible on the class: ``help
(GradientEvals)`` and ``dir(GradientEvals)`` would not name ``evaluation_runs`` or ``agents``. A
:class:`ResourceSlot` on the class names it, with its resource's summary as its documentation, and holds the
instance's value in the instance's ``__dict__``; it is set once (a resource is never swapped under a caller).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

__all__ = ["ResourceSlot"]

R = TypeVar("R")


class ResourceSlot(Generic[R]):
    """A resource attribute of a client class: documented on the class, set once by the client's ``__init__``."""

    def __init__(self, kind: type[R]) -> None:
        summary = " ".join((kind.__doc__ or "").split("\n\n")[0].split())
        self.__doc__ = f"{kind.__name__}: {summary}" if summary else kind.__name__
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> ResourceSlot[R]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> R: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> ResourceSlot[R] | R:
        if instance is None:
            return self
        try:
            value: R = vars(instance)[self._name]
        except KeyError:
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self._name!r} yet") from None
        return value

    def __set__(self, instance: object, value: R) -> None:
        held: dict[str, Any] = vars(instance)
        if self._name in held:
            raise AttributeError(f"{self._name} is set once, by the client")
        held[self._name] = value
