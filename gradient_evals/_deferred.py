"""Fields converted on first access: the heavy nested parts of a result (trace spans, metric results, chunks).

A results page is a few thousand small objects, most of them in each prompt's trace spans, which many consumers
never read. A field marked ``metadata={DEFERRED: True}`` keeps the decoded JSON list the server sent (or, when the
body was skimmed with msgspec, that list's JSON text, not decoded yet) until it is first read; the first read
decodes and converts the whole list (with the same checks as an eager conversion) and stores the tuple in the
instance's slot, so later reads cost one attribute lookup. The model stays frozen, slotted and typed: equality,
``repr``, hashing, ``attrs.evolve`` and pickling read the field and so see the tuple.

The shape of the list itself (a list, or null) is checked when the response is converted; the shape of its items
when the field is first read. An item of the wrong shape then raises the same ``APIResponseValidationError`` (with
the response's status, request id and method) that an eager conversion of the response would have raised.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from ._json import loads

__all__ = ["DEFERRED", "ON_DEFERRED_ERROR", "ConversionError", "DeferredField", "Pending", "kept_list", "replaced"]

DEFERRED = "gradient_evals.deferred"
"""The attrs field metadata key that marks a ``tuple[Model, ...]`` field as converted on first access."""

ErrorFactory = Callable[[str, BaseException], BaseException]

ON_DEFERRED_ERROR: contextvars.ContextVar[ErrorFactory | None] = contextvars.ContextVar(
    "gradient_evals_deferred_error", default=None
)
"""While a response is converted: how to report an item that turns out malformed when it is first read."""


class ConversionError(ValueError):
    """The JSON did not have the shape of the model it was converted to (defined here, below the converter, so
    that a deferred field raises it without importing the converter back)."""


class Pending:
    """A deferred field's JSON items (decoded, or the text of a JSON list), the structure hook of one item and how
    to report a bad one."""

    __slots__ = ("_hook", "_items", "_on_error", "_where")

    def __init__(self, items: list[Any] | bytes, hook: Callable[[Any], Any], where: str) -> None:
        self._items = items
        self._hook = hook
        self._where = where
        self._on_error = ON_DEFERRED_ERROR.get()

    def __repr__(self) -> str:
        if type(self._items) is bytes:
            return f"<{self._where} not decoded yet ({len(self._items)} bytes of JSON)>"
        return f"<{len(self._items)} {self._where} not converted yet>"

    def resolve(self) -> tuple[Any, ...]:
        hook = self._hook
        try:
            items = self._items
            if type(items) is bytes:
                items = loads(items)  # a JSON list, checked as JSON when the body was read
            return tuple([hook(item) for item in items])
        except (ConversionError, TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            error = exc if isinstance(exc, ConversionError) else ConversionError(f"{type(exc).__name__}: {exc}")
            if self._on_error is None:
                raise error from None
            failure = self._on_error(f"unexpected JSON in {self._where}: {error}", error)
            raise failure from failure.__cause__


def kept_list(
    raw: Any, hook: Callable[[Any], Any], where: str, refused: Callable[[Any, str, str], Exception]
) -> Pending | tuple[()]:
    """A deferred field that a skimmed body kept as JSON text (``raw``, a ``msgspec.Raw``): what its decoded value
    would have given, ``()`` for null or an empty list and ``refused(value, "a list", where)`` raised for anything
    but a list, its items left to decode on first read."""
    text = bytes(raw)  # a copy: the field must not keep the whole body alive
    if len(text) > 16 and text[0] == 0x5B:  # "[": a list with items, decoded on first read
        return Pending(text, hook, where)
    value = loads(text)  # short, or not a list at all
    if type(value) is list:
        return Pending(value, hook, where) if value else ()
    if value is None:
        return ()
    raise refused(value, "a list", where)


class DeferredField:
    """The class attribute of a deferred field: reads convert a :class:`Pending` value once, then return it."""

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot  # the slot's own descriptor, which attrs created

    @property
    def slot(self) -> Any:
        """The underlying slot descriptor (for the converter, which stores :class:`Pending` values through it)."""
        return self._slot

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self._slot.__get__(instance, owner)
        if type(value) is Pending:
            value = value.resolve()
            # Equal tuples from two readers racing here: whichever is stored last is as good as the other.
            self._slot.__set__(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        self._slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self._slot.__delete__(instance)


def install(cls: type, name: str) -> Any:
    """Put a :class:`DeferredField` in front of the slot ``name`` of ``cls`` (once); return the slot descriptor."""
    current = cls.__dict__[name]
    if isinstance(current, DeferredField):
        return current.slot
    setattr(cls, name, DeferredField(current))
    return current


def replaced(instance: Any, **changes: Any) -> Any:
    """A copy of a frozen, slotted attrs instance with ``changes``, like ``attrs.evolve``, except that a deferred
    field not changed is copied as it is (still unconverted, if it was), rather than converted to be copied."""
    cls = type(instance)
    copy = object.__new__(cls)
    for name in (field.name for field in cls.__attrs_attrs__):
        descriptor = next(klass.__dict__[name] for klass in cls.__mro__ if name in klass.__dict__)
        slot = descriptor.slot if isinstance(descriptor, DeferredField) else descriptor
        slot.__set__(copy, changes[name] if name in changes else slot.__get__(instance, cls))
    return copy
