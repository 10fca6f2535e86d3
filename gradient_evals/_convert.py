"""JSON to models: one cattrs converter, configured here and nowhere else.

The API's JSON is forgiving in ways Python types are not, and strict in ways cattrs' defaults are not:

- 64-bit integers arrive as strings (``"input_tokens": "12345"``): accepted as decimal strings or JSON integers.
- timestamps are RFC 3339 with ``Z`` or an offset, with or without fractional seconds (Go sends up to nine
  digits); a timestamp without a zone is taken as UTC so every ``datetime`` is aware, and Go's zero time
  (``0001-01-01T00:00:00Z``, "never") becomes ``None``.
- enums are open: a value this SDK does not know stays a ``str`` (the API adds statuses faster than SDKs ship).
- lists may be missing or ``null``: both become an empty tuple.
- cattrs' defaults would turn ``{"input": {}}`` into the string ``"{}"`` or ``"true"`` into ``True``; here a
  value of the wrong JSON type is an error, and the whole body becomes an ``APIResponseValidationError`` at the
  transport. Unknown keys are ignored.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from . import _models

__all__ = ["ConversionError", "structure"]

T = TypeVar("T")
_Hook = Callable[[Any, Any], Any]


class ConversionError(ValueError):
    """The JSON did not have the shape of the model it was converted to."""


def _bad(value: Any, expected: str) -> ConversionError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ConversionError(f"expected {expected}, got {type(value).__name__} {shown}")


def _str(value: Any, _: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _bad(value, "a string")


def _int(value: Any, _: Any) -> int | None:
    kind = type(value)
    if kind is int or value is None:
        return value  # type: ignore[no-any-return]
    if kind is str:
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isdigit() and digits.isascii():
            return int(text)
    elif kind is float and value.is_integer():
        return int(value)
    raise _bad(value, "an integer")


def _float(value: Any, _: Any) -> float | None:
    kind = type(value)
    if kind is float or value is None:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return float(value)
    raise _bad(value, "a number")


def _bool(value: Any, _: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value
    raise _bad(value, "a boolean")


def _datetime(value: Any, _: Any) -> datetime | None:
    if value is None:
        return None
    if type(value) is not str:
        raise _bad(value, "an RFC 3339 timestamp")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(value, "an RFC 3339 timestamp") from None
    if parsed.year == 1:
        # Go's zero time: what a server built on Go sends for a time that has not happened (a run not finished).
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _str_mapping(value: Any, _: Any) -> dict[str, str]:
    if value is None:
        return {}
    if type(value) is not dict or not all(type(v) is str for v in value.values()):
        raise _bad(value, "an object of strings")
    return value


_SCALAR_HOOKS: Final[dict[Any, _Hook]] = {
    str: _str,
    int: _int,
    float: _float,
    bool: _bool,
    datetime: _datetime,
}


def _optional_inner(type_: Any) -> Any | None:
    """``X`` for ``X | None``; None for anything else."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    args = [a for a in get_args(type_) if a is not type(None)]
    if len(args) == 1 and len(get_args(type_)) == 2:
        return args[0]
    return None


def _open_enum_of(type_: Any) -> type[Enum] | None:
    """The enum class of an ``SomeEnum | str | None`` annotation."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    args = set(get_args(type_)) - {type(None)}
    enums = [a for a in args if isinstance(a, type) and issubclass(a, Enum)]
    if len(enums) == 1 and args == {enums[0], str}:
        return enums[0]
    return None


def _make_open_enum_hook(type_: Any) -> _Hook:
    enum_cls = _open_enum_of(type_)
    assert enum_cls is not None
    by_value: dict[str, Enum] = {member.value: member for member in enum_cls}

    def structure_open_enum(value: Any, _: Any) -> Enum | str | None:
        if value is None:
            return None
        if type(value) is not str:
            raise _bad(value, f"a {enum_cls.__name__} string")
        return by_value.get(value, value)

    return structure_open_enum


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = get_args(type_)
    return get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)

    for scalar, hook in _SCALAR_HOOKS.items():
        converter.register_structure_hook(scalar, hook)

    def optional_factory(type_: Any) -> _Hook:
        inner = _optional_inner(type_)
        scalar_hook = _SCALAR_HOOKS.get(inner)
        if scalar_hook is not None:
            return scalar_hook  # the scalar hooks already pass None through
        inner_hook = converter.get_structure_hook(inner)

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else inner_hook(value, inner)

        return structure_optional

    converter.register_structure_hook_factory(
        lambda t: _optional_inner(t) is not None and _open_enum_of(t) is None, optional_factory
    )
    converter.register_structure_hook_factory(lambda t: _open_enum_of(t) is not None, _make_open_enum_hook)

    def tuple_factory(type_: Any) -> _Hook:
        item_type = get_args(type_)[0]
        item_hook = converter.get_structure_hook(item_type)
        if item_type is Any:

            def structure_json_list(value: Any, _: Any) -> tuple[Any, ...]:
                if value is None:
                    return ()
                if type(value) is not list:
                    raise _bad(value, "a list")
                return tuple(value)

            return structure_json_list

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None:
                return ()
            if type(value) is not list:
                raise _bad(value, "a list")
            return tuple([item_hook(item, item_type) for item in value])

        return structure_tuple

    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_factory)

    def structure_str_list(value: Any, _: Any) -> list[str]:
        if value is None:
            return []
        if type(value) is not list or not all(type(v) is str for v in value):
            raise _bad(value, "a list of strings")
        return list(value)

    converter.register_structure_hook_func(lambda t: t == list[str], structure_str_list)
    converter.register_structure_hook_func(lambda t: t == Mapping[str, str], _str_mapping)

    def attrs_factory(cls: type[Any]) -> _Hook:
        attrs.resolve_types(cls, globalns=vars(_models))
        generated = make_dict_structure_fn(cls, converter)

        def structure_object(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise _bad(value, f"an object for {cls.__name__}")
            return generated(value, cls)

        return structure_object

    converter.register_structure_hook_factory(attrs.has, attrs_factory)

    # The API nests the links as {"pages": {"next": ...}}; the model flattens them.
    links_hook = make_dict_structure_fn(_models.PageLinks, converter)

    def structure_links(value: Any, _: Any) -> _models.PageLinks:
        if value is None:
            return _models.PageLinks()
        if type(value) is not dict:
            raise _bad(value, "an object for links")
        pages = value.get("pages")
        if pages is None:
            return _models.PageLinks()
        if type(pages) is not dict:
            raise _bad(pages, "an object for links.pages")
        return links_hook(pages, _models.PageLinks)

    converter.register_structure_hook(_models.PageLinks, structure_links)

    meta_hook = converter.get_structure_hook(_models.PageMeta)
    converter.register_structure_hook(
        _models.PageMeta, lambda v, t: _models.PageMeta() if v is None else meta_hook(v, t)
    )
    return converter


_converter: Final = _build_converter()


def structure(data: Any, cls: type[T]) -> T:
    """Convert decoded JSON into ``cls``; raises :class:`ConversionError` on a shape it cannot take."""
    try:
        return _converter.structure(data, cls)
    except ConversionError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise ConversionError(f"{type(exc).__name__}: {exc}") from exc
