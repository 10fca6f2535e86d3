"""Methods that take one settings value, or its fields as keyword arguments: ``client.evaluate(...)``.

``@takes_settings(EvaluationSettings)`` (or a :class:`SettingsClassRef` to it) over
``async def evaluate(self, settings: EvaluationSettings)`` makes a method callable as ``evaluate(settings)`` or as
``evaluate(dataset=..., test_case=...)``. The keyword arguments are
the settings class's own (a ``ParamSpec`` taken from its ``__init__``), so a setting is declared once, in the
class, and type checkers, editors and ``help()`` still see every one of them on the method.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, ParamSpec, Protocol, TypeVar, cast, overload

from ._exceptions import ArgumentTypeError, GradientEvalsError

__all__ = [
    "DeferredSignature",
    "SettingsCall",
    "SettingsClassRef",
    "SettingsMethod",
    "UnknownSettingError",
    "nearest",
    "settings_of",
    "settings_signature",
    "takes_settings",
]

P = ParamSpec("P")
S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class UnknownSettingError(GradientEvalsError, TypeError):
    """A keyword argument that is no setting: ``client.evaluate(datset=...)``. Names it, and the nearest setting.

    A ``TypeError`` too, as Python raises for any unknown keyword argument.
    """

    def __init__(self, message: str, *, setting: str, suggestion: str | None) -> None:
        super().__init__(message)
        self.setting = setting
        """The keyword argument given."""
        self.suggestion = suggestion
        """The setting it most resembles, if any resembles it."""


def nearest(name: str, known: typing.Iterable[str]) -> str | None:
    """The name in ``known`` that ``name`` most resembles (a typo of it), or ``None``."""
    import difflib

    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


class SettingsCall(Protocol[P, S_contra, R_co]):
    """A method called with a settings value, or with the settings' fields as keyword arguments."""

    @overload
    def __call__(self, settings: S_contra, /) -> R_co: ...

    @overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


class SettingsMethod(Protocol[P, S, R_co]):
    """What ``@takes_settings`` makes of a method, for type checkers: on an instance, a :class:`SettingsCall`."""

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> SettingsMethod[P, S, R_co]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> SettingsCall[P, S, R_co]: ...


def settings_of(settings_class: type[S], given: object, changes: dict[str, Any], method: str) -> S:
    """The settings value of one call: ``given`` as it is, or built from the keyword arguments ``changes``."""
    class_name = settings_class.__name__
    if given is not None:
        if changes:
            raise ArgumentTypeError(f"{method}() takes one {class_name} value or its settings as keywords, not both")
        if not isinstance(given, settings_class):
            raise ArgumentTypeError(f"{method}() takes one {class_name} value, got {type(given).__name__}")
        return given
    import attrs

    fields = attrs.fields(settings_class)  # type: ignore[arg-type]
    known = [field.name for field in fields]
    for key in changes:
        if key not in known:
            suggestion = nearest(key, known)
            hint = f" (did you mean {suggestion!r}?)" if suggestion else f" (settings: {', '.join(known)})"
            raise UnknownSettingError(f"{method}() has no setting {key!r}{hint}", setting=key, suggestion=suggestion)
    missing = [field.name for field in fields if field.default is attrs.NOTHING and field.name not in changes]
    if missing:
        raise ArgumentTypeError(f"{method}() needs the setting{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return settings_class(**changes)


def settings_signature(settings_class: type) -> list[inspect.Parameter]:
    """The settings' fields as keyword-only parameters, annotations evaluated (``help()``, the parity test)."""
    import attrs

    hints = typing.get_type_hints(settings_class)
    parameters = []
    for field in attrs.fields(settings_class):
        default = inspect.Parameter.empty if field.default is attrs.NOTHING else field.default
        parameters.append(
            inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hints[field.name])
        )
    return parameters


class DeferredSignature(inspect.Signature):
    """A signature built on first read: ``help()`` and ``inspect.signature`` see every setting, while defining the
    method imports nothing of the settings class (a client class loads without its workflows)."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], inspect.Signature]) -> None:
        self._build: Callable[[], inspect.Signature] | None = build
        self._built: inspect.Signature | None = None

    def _resolved(self) -> inspect.Signature:
        if self._built is None:
            assert self._build is not None
            self._built, self._build = self._build(), None
        return self._built

    @property
    def parameters(self) -> Mapping[str, inspect.Parameter]:  # type: ignore[override]
        return self._resolved().parameters

    @property
    def return_annotation(self) -> Any:
        return self._resolved().return_annotation

    def replace(self, **changes: Any) -> inspect.Signature:  # type: ignore[override]  # a built copy, not a deferred one
        """The built signature with ``changes`` (``parameters=``, ``return_annotation=``)."""
        return self._resolved().replace(**changes)


class SettingsClassRef:
    """Where a settings class is defined, for :func:`takes_settings` to import it on first use: the module that
    defines the method then loads without it. Type checkers are given the class itself (see ``_client``)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def load(self) -> type:
        """The class (its module imported now if it was not yet)."""
        found: type = getattr(importlib.import_module(self.module), self.name)
        return found


def takes_settings(
    settings_class: Callable[P, S],
) -> Callable[[Callable[[Any, S], Coroutine[Any, Any, R]]], SettingsMethod[P, S, Awaitable[R]]]:
    """Make ``async def method(self, settings)`` callable with a settings value or with its fields as keywords.

    ``settings_class`` is the class, or a :class:`SettingsClassRef` to it (then the class is loaded on the
    method's first call or first inspection, not when the method is defined). An unknown keyword raises
    :class:`UnknownSettingError` naming the nearest setting; a missing required one, or a value and keywords at
    once, a ``TypeError``.
    """
    given: object = settings_class

    def load() -> type[S]:
        return cast(type[S], given.load() if isinstance(given, SettingsClassRef) else given)

    def decorate(method: Callable[[Any, S], Coroutine[Any, Any, R]]) -> SettingsMethod[P, S, Awaitable[R]]:
        @functools.wraps(method)
        async def call(self: Any, settings: S | None = None, /, **changes: Any) -> R:
            return await method(self, settings_of(load(), settings, changes, method.__name__))

        def signature() -> inspect.Signature:
            cls = load()
            own = inspect.signature(method)
            receiver, value = list(own.parameters.values())[:2]
            optional = value.replace(kind=inspect.Parameter.POSITIONAL_ONLY, default=None, annotation=cls | None)
            receiver = receiver.replace(kind=inspect.Parameter.POSITIONAL_ONLY)
            return own.replace(parameters=[receiver, optional, *settings_signature(cls)])

        call.__signature__ = DeferredSignature(signature)  # type: ignore[attr-defined]
        del call.__wrapped__  # inspect.signature reads __signature__, not the method's own
        return cast(SettingsMethod[P, S, Awaitable[R]], call)

    return decorate
