"""Griffe extension: the blocking twins' methods documented as the methods they are; settings methods with the
settings' fields as their parameters; reST roles as code.

A blocking class declares each method as ``name = blocking(AsyncThing.name)`` (or ``blocking_iterator``): at
runtime the descriptor carries the async method's signature and docstring, but a static reader sees only an
assignment. This extension replaces each such assignment by a function with the async method's parameters and
docstring, returning what the blocking call returns (a ``SyncPager`` where the async method returns an
``AsyncPager``).
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Attribute, Class, Extension, Function, Module, Object, Parameter, ParameterKind, Parameters

_DELEGATION = re.compile(r"^(blocking|blocking_iterator|blocking_settings)\((\w+)\.(\w+)\)$")
_SETTINGS = re.compile(r"^takes_settings\((\w+)\)$")
# Docstrings cross-reference in reST (:meth:`evaluate`); the site renders Markdown, where that is a code span.
_ROLE = re.compile(r":(?:py:)?(?:meth|func|class|attr|mod|exc|data|obj):`~?([^`]+)`")


def _plain_roles(obj: Object) -> None:
    if obj.docstring is not None:
        obj.docstring.value = _ROLE.sub(r"`\1`", obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _plain_roles(member)


def _classes(obj: Object) -> list[Class]:
    found: list[Class] = []
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, Class):
            found.append(member)
            found += _classes(member)
        elif isinstance(member, Module):
            found += _classes(member)
    return found


def _settings_class(function: Function) -> Class | None:
    """The class ``X`` of a method decorated ``@takes_settings(X)``, if it is one."""
    for decorator in function.decorators:
        match = _SETTINGS.match(str(decorator.value))
        if match is not None and function.parent is not None and function.parent.parent is not None:
            found = function.parent.parent.get_member(match.group(1))
            found = found.final_target if found.is_alias else found
            if isinstance(found, Class):
                return found
    return None


def _field_default(value: Any) -> Any:
    """A field's default as written: the ``default=`` of an ``attrs.field(...)``, or the value itself."""
    if value is None or not str(value).startswith(("attrs.field(", "field(")):
        return value
    return next((argument.value for argument in value.arguments if getattr(argument, "name", None) == "default"), None)


def _settings_parameters(function: Function, settings: Class) -> None:
    """``(self, settings=None, /, *, <each field of the settings class>)``: the method as it is called."""
    receiver = function.parameters[0]
    fields = [
        Parameter(
            name, annotation=member.annotation, kind=ParameterKind.keyword_only, default=_field_default(member.value)
        )
        for name, member in settings.members.items()
        if isinstance(member, Attribute) and not member.is_alias and not name.startswith("_") and member.annotation
    ]
    function.parameters = Parameters(
        Parameter(receiver.name, kind=ParameterKind.positional_only),
        Parameter("settings", annotation=f"{settings.name} | None", kind=ParameterKind.positional_only, default="None"),
        *fields,
    )


class BlockingTwins(Extension):
    """Turn ``x = blocking(AsyncY.x)`` class attributes into documented methods."""

    def on_package(self, *, pkg: Module, **_: Any) -> None:
        _plain_roles(pkg)
        for cls in _classes(pkg):
            for member in cls.members.values():
                if isinstance(member, Function) and not member.is_alias:
                    settings = _settings_class(member)
                    if settings is not None:
                        _settings_parameters(member, settings)
        for cls in _classes(pkg):
            for name, member in list(cls.members.items()):
                if member.is_alias or not isinstance(member, Attribute):
                    continue
                match = _DELEGATION.match(str(member.value or ""))
                if match is None:
                    continue
                kind, owner, method = match.groups()
                source = cls.parent.get_member(owner) if cls.parent is not None else None
                target = source.members.get(method) if source is not None else None
                if target is not None and target.is_alias:
                    target = target.final_target
                if not isinstance(target, Function):
                    continue
                returns: Any = target.returns
                if kind == "blocking_iterator" and returns is not None:
                    returns = str(returns).replace("AsyncPager", "SyncPager")
                twin = Function(
                    name,
                    lineno=member.lineno,
                    endlineno=member.endlineno,
                    parameters=target.parameters,
                    returns=returns,
                    docstring=target.docstring,
                )
                cls.set_member(name, twin)
