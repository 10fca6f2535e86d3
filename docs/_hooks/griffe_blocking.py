"""Griffe extension: the blocking twins' methods documented as the methods they are; reST roles as code.

A blocking class declares each method as ``name = blocking(AsyncThing.name)`` (or ``blocking_iterator``): at
runtime the descriptor carries the async method's signature and docstring, but a static reader sees only an
assignment. This extension replaces each such assignment by a function with the async method's parameters and
docstring, returning what the blocking call returns (a ``SyncPager`` where the async method returns an
``AsyncPager``).
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Attribute, Class, Extension, Function, Module, Object

_DELEGATION = re.compile(r"^(blocking|blocking_iterator|blocking_settings)\((\w+)\.(\w+)\)$")
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


class BlockingTwins(Extension):
    """Turn ``x = blocking(AsyncY.x)`` class attributes into documented methods."""

    def on_package(self, *, pkg: Module, **_: Any) -> None:
        _plain_roles(pkg)
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
