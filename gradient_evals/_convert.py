"""JSON to models: one cattrs converter, configured here and nowhere else.

The API's JSON is forgiving in ways Python types are not, and strict in ways cattrs' defaults are not:

- 64-bit integers arrive as strings (``"input_tokens": "12345"``). An ``int`` field takes a decimal string or a
  JSON integer. A count the specification types as ``string, format: uint64`` (``input_tokens``, ``file_size``;
  annotated ``UInt64Count | None``, i.e. ``int | str | None``) becomes an ``int`` when it is decimal and otherwise
  keeps the string the server sent, since the specification allows any string there and one odd count must not
  fail a page of a long stream. Identifiers typed that way (``created_by_user_id``) are ``str`` fields: kept as
  sent, never converted.
- timestamps are RFC 3339 with ``Z`` or an offset, with or without fractional seconds (Go sends up to nine
  digits); a timestamp without a zone is taken as UTC so every ``datetime`` is aware, and Go's zero time
  (``0001-01-01T00:00:00Z``, "never") becomes ``None``.
- enums are open: a value this SDK does not know stays a ``str`` (the API adds statuses faster than SDKs ship).
- lists may be missing or ``null``: both become an empty tuple.
- cattrs' defaults would turn ``{"input": {}}`` into the string ``"{}"`` or ``"true"`` into ``True``; here a
  value of the wrong JSON type is an error, and the whole body becomes an ``APIResponseValidationError`` at the
  transport. Unknown keys are ignored.

A results page holds a few thousand small objects, so converting it is the SDK's hottest path. The structure
hook of every model class is generated once, as straight-line code from the class's attrs fields: scalar checks
are inlined, nested models call each other's hooks directly, and slots are filled through their descriptors
rather than the frozen ``__init__`` (half the cost of building an object, and still immutable afterwards).
cattrs dispatches to these hooks; the converter is built on first use, so importing the package stays cheap.
Most of a page's objects are in each prompt's trace spans, metric results and chunks: those fields are marked
deferred and keep the decoded list until first read (``_deferred``), with the same hook doing the same checks then.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

import attrs

from ._deferred import DEFERRED, ConversionError, DeferredField, Pending, install, kept_list
from ._exceptions import ArgumentTypeError
from ._json import RawJSON
from .types import PageLinks

if TYPE_CHECKING:
    import cattrs

__all__ = ["ConversionError", "structure"]

T = TypeVar("T")
_Hook = Callable[[Any, Any], Any]


def _bad(value: Any, expected: str, where: Any = None) -> ConversionError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    at = f" in {where}" if isinstance(where, str) else ""
    return ConversionError(f"expected {expected}, got {type(value).__name__} {shown}{at}")


def _str(value: Any, where: Any = None) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _bad(value, "a string", where)


def _integral(value: Any) -> int | None:
    """``value`` as an ``int`` when it is one, a decimal string or an integral float; else ``None``."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str:
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isdigit() and digits.isascii():
            return int(text)
    elif kind is float and value.is_integer():
        return int(value)
    return None


def _int(value: Any, where: Any = None) -> int | None:
    if value is None:
        return None
    number = _integral(value)
    if number is None:
        raise _bad(value, "an integer", where)
    return number


def _count(value: Any, where: Any = None) -> int | str | None:
    """A uint64 count: an ``int`` when decimal (string or JSON number), else the string as sent."""
    if value is None:
        return None
    number = _integral(value)
    if number is not None:
        return number
    if type(value) is str:
        return value
    raise _bad(value, "a count (an integer or a string)", where)


def _float(value: Any, where: Any = None) -> float | None:
    kind = type(value)
    if kind is float or value is None:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return float(value)
    raise _bad(value, "a number", where)


def _bool(value: Any, where: Any = None) -> bool | None:
    if value is None or type(value) is bool:
        return value
    raise _bad(value, "a boolean", where)


def _datetime(value: Any, where: Any = None) -> datetime | None:
    if value is None:
        return None
    if type(value) is not str:
        raise _bad(value, "an RFC 3339 timestamp", where)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(value, "an RFC 3339 timestamp", where) from None
    if parsed.year == 1:
        # Go's zero time: what a server built on Go sends for a time that has not happened (a run not finished).
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _str_mapping(value: Any, where: Any = None) -> dict[str, str]:
    if value is None:
        return {}
    if type(value) is not dict or not all(type(v) is str for v in value.values()):
        raise _bad(value, "an object of strings", where)
    return value


def _str_list(value: Any, where: Any = None) -> list[str]:
    if value is None:
        return []
    if type(value) is not list or not all(type(v) is str for v in value):
        raise _bad(value, "a list of strings", where)
    return list(value)


def _json_tuple(value: Any, where: Any = None) -> tuple[Any, ...]:
    if value is None:
        return ()
    if type(value) is not list:
        raise _bad(value, "a list", where)
    return tuple(value)


def _str_tuple(value: Any, where: Any = None) -> tuple[str, ...]:
    return tuple(_str_list(value, where))


_COUNT: Any = int | str | None  # UInt64Count | None

_SCALAR_HOOKS: dict[Any, _Hook] = {str: _str, int: _int, float: _float, bool: _bool, datetime: _datetime}
# Checks that are a single ``type(v) is X`` test are written inline; the others call their function.
_INLINE_TYPES: dict[Any, str] = {str: "a string", bool: "a boolean"}
_SLOW_PATH: dict[Any, str] = {int: "int", float: "float", datetime: "datetime"}


def optional_inner(type_: Any) -> Any | None:
    """``X`` for ``X | None``; None for anything else."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    args = get_args(type_)
    rest = [a for a in args if a is not type(None)]
    return rest[0] if len(args) == 2 and len(rest) == 1 else None


def _open_enum_of(type_: Any) -> type[Enum] | None:
    """The enum class of an ``SomeEnum | str | None`` annotation."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    args = set(get_args(type_)) - {type(None)}
    enums = [a for a in args if isinstance(a, type) and issubclass(a, Enum)]
    if len(enums) == 1 and args == {enums[0], str}:
        return enums[0]
    return None


def homogeneous_tuple_item(type_: Any) -> Any | None:
    args = get_args(type_)
    if get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


class _HookGenerator:
    """Writes one structure function per model class, all in one namespace so that they can call each other
    (the span models nest recursively)."""

    def __init__(self, fallback: Callable[[Any], _Hook]) -> None:
        self._fallback = fallback
        self._made: set[type] = set()
        self._ns: dict[str, Any] = {
            "_bad": _bad,
            "_int": _int,
            "_count": _count,
            "_float": _float,
            "_datetime": _datetime,
            "_str_mapping": _str_mapping,
            "_str_list": _str_list,
            "_str_tuple": _str_tuple,
            "_json_tuple": _json_tuple,
            "_new": object.__new__,
            "_tuple": tuple,
            "_list": list,
            "_dict": dict,
            "_str": str,
            "_int_of": int,
            "_bool": bool,
            "_Pending": Pending,
            "_RawJSON": RawJSON,
            "_kept_list": kept_list,
        }
        self._counter = 0

    def hook(self, cls: type) -> _Hook:
        hook: _Hook = self._ns[self._ensure(cls)]
        return hook

    def _name(self, prefix: str, value: Any) -> str:
        self._counter += 1
        name = f"_{prefix}{self._counter}"
        self._ns[name] = value
        return name

    def _ensure(self, cls: type) -> str:
        fname = f"structure_{cls.__name__}"
        if cls in self._made:
            return fname
        self._made.add(cls)
        # Each model's string annotations are resolved in the module that defines it, so a model may name
        # classes of its own module (and what that module imports) wherever it lives.
        attrs.resolve_types(cls, globalns=vars(sys.modules[cls.__module__]))
        cls_var = self._name("cls", cls)
        lines = [
            f"def {fname}(o, _=None):",
            f"    if type(o) is not _dict: raise _bad(o, 'an object for {cls.__name__}')",
            "    get = o.get",
            f"    inst = _new({cls_var})",
        ]
        for field in attrs.fields(cls):
            where = f"{cls.__name__}.{field.name}"
            lines.append(f"    v = get({field.name!r})")
            if field.metadata.get(DEFERRED):
                slot = install(cls, field.name)
                lines.extend(f"    {line}" for line in self._deferred_lines(field, where))
            else:
                slot = cls.__dict__[field.name]
                slot = slot.slot if isinstance(slot, DeferredField) else slot
                lines.extend(f"    {line}" for line in self._convert_lines(field, where))
            setter = self._name("set", slot.__set__)
            lines.append(f"    {setter}(inst, v)")
        lines.append("    return inst")
        exec(compile("\n".join(lines), f"<structure {cls.__qualname__}>", "exec"), self._ns)  # noqa: S102
        return fname

    def _deferred_lines(self, field: attrs.Attribute[Any], where: str) -> list[str]:
        # The list's own shape is checked now; its items when the field is first read (see _deferred).
        item = homogeneous_tuple_item(field.type)
        if item is None or not attrs.has(item):
            raise ArgumentTypeError(f"{where}: only a tuple of models can be deferred, not {field.type!r}")
        hook = self._ensure(item)
        return [
            "if v is None: v = ()",
            f"elif type(v) is _list: v = _Pending(v, {hook}, {where!r}) if v else ()",
            f"elif type(v) is _RawJSON: v = _kept_list(v, {hook}, {where!r}, _bad)",
            f"else: raise _bad(v, 'a list', {where!r})",
        ]

    def _convert_lines(self, field: attrs.Attribute[Any], where: str) -> list[str]:
        type_ = field.type
        w = repr(where)
        inner = optional_inner(type_)
        if inner is not None:
            if inner in _INLINE_TYPES:
                kind = "_str" if inner is str else "_bool"
                return [f"if v is not None and type(v) is not {kind}: raise _bad(v, {_INLINE_TYPES[inner]!r}, {w})"]
            if inner in _SLOW_PATH:
                check = "" if inner is datetime else f" and type(v) is not {_SLOW_PATH[inner]}"
                return [f"if v is not None{check}: v = _{_SLOW_PATH[inner]}(v, {w})"]
            if attrs.has(inner):
                return [f"if v is not None: v = {self._ensure(inner)}(v)"]
        if type_ == _COUNT:
            # Counts usually arrive as plain decimal strings ("44"): those are converted here, without the two
            # calls of the general path (which gives the same int for them, and decides every other value).
            return [
                "if v is not None and type(v) is not int:",
                f"    v = _int_of(v) if type(v) is _str and v.isdigit() and v.isascii() else _count(v, {w})",
            ]
        enum_cls = _open_enum_of(type_)
        if enum_cls is not None:
            table = self._name("enum", {member.value: member for member in enum_cls}.get)
            return [
                "if v is not None:",
                f"    if type(v) is not _str: raise _bad(v, 'a {enum_cls.__name__} string', {w})",
                f"    v = {table}(v, v)",
            ]
        if type_ is Any:
            return []
        item = homogeneous_tuple_item(type_)
        if item is not None:
            if attrs.has(item):
                return [
                    "if v is None: v = ()",
                    f"elif type(v) is _list: v = _tuple([{self._ensure(item)}(i) for i in v])",
                    f"else: raise _bad(v, 'a list', {w})",
                ]
            if item is Any:
                return [f"v = _json_tuple(v, {w})"]
            if item is str:
                return [f"v = _str_tuple(v, {w})"]
            item_enum = _open_enum_of(item)
            if item_enum is not None:  # a list of open-enum values: each known one as its member, others as str
                table = self._name("enum", {member.value: member for member in item_enum}.get)
                return [f"v = _tuple({table}(i, i) for i in _str_tuple(v, {w}))"]
        if type_ == Mapping[str, str]:
            return [f"v = _str_mapping(v, {w})"]
        if type_ == list[str]:
            return [f"v = _str_list(v, {w})"]
        if type_ is PageLinks:
            return [f"v = {self._name('links', _structure_links)}(v, {w})"]
        if type_ is not None and attrs.has(type_) and field.default is not attrs.NOTHING:
            default = self._name("default", field.default.factory)  # type: ignore[union-attr]
            return [f"v = {default}() if v is None else {self._ensure(type_)}(v)"]
        hook = self._name("hook", self._fallback(type_))
        type_var = self._name("type", type_)
        return [f"v = {hook}(v, {type_var})"]


def _structure_links(value: Any, where: Any = None) -> PageLinks:
    # The API nests the links as {"pages": {"next": ...}}; the model flattens them.
    if value is None:
        return PageLinks()
    if type(value) is not dict:
        raise _bad(value, "an object for links")
    pages = value.get("pages")
    if pages is None:
        return PageLinks()
    if type(pages) is not dict:
        raise _bad(pages, "an object for links.pages")
    fields = {}
    for name in ("first", "previous", "next", "last"):
        link = pages.get(name)
        if link is not None and type(link) is not str:
            raise _bad(link, "a string", f"links.pages.{name}")
        fields[name] = link
    return PageLinks(**fields)


def _build_converter() -> cattrs.Converter:
    import cattrs  # deferred: the converter is built on first use, not at import

    converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
    for scalar, hook in _SCALAR_HOOKS.items():
        converter.register_structure_hook(scalar, hook)
    generator = _HookGenerator(converter.get_structure_hook)
    converter.register_structure_hook(PageLinks, _structure_links)
    converter.register_structure_hook_factory(attrs.has, generator.hook)
    converter.register_structure_hook_func(lambda t: t == list[str], _str_list)
    return converter


_converter: cattrs.Converter | None = None


def structure(data: Any, cls: type[T]) -> T:
    """Convert decoded JSON into ``cls``; raises :class:`ConversionError` on a shape it cannot take."""
    global _converter
    converter = _converter
    if converter is None:
        converter = _converter = _build_converter()
    try:
        return converter.structure(data, cls)
    except ConversionError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise ConversionError(f"{type(exc).__name__}: {exc}") from exc
