"""Argument checks that run before any request is sent.

Wrong types raise ``TypeError``; values of the right type that the API cannot take raise ``ValueError``. Each
message names the argument and says what was wrong, because the usual mistakes are easy to make: the API's own
examples show UUIDs wrapped in literal quotes (``'"123e4567-..."'``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from ._exceptions import ArgumentTypeError, InvalidArgumentError

__all__ = [
    "check_name",
    "check_metric_bounds",
    "check_name_list",
    "check_positive_int",
    "check_prompt_id",
    "check_timeout",
    "check_uuid",
    "check_uuid_list",
    "optional_fields",
    "path_segment",
]


def _describe(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def check_uuid(value: Any, name: str) -> str:
    """Return ``value`` as a canonical UUID string, or raise saying why it is not one."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a UUID string, got {type(value).__name__}")
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        inner = text[1:-1]
        try:
            uuid.UUID(inner)
        except ValueError:
            pass
        else:
            raise InvalidArgumentError(
                f"{name} is wrapped in literal quotes: {_describe(value)}; pass the bare UUID {inner!r}"
            )
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        raise InvalidArgumentError(
            f"{name} must be a UUID like '123e4567-e89b-12d3-a456-426614174000', got {_describe(value)}"
        ) from None
    # uuid.UUID also takes '{...}', 'urn:uuid:...' and bare hex; only the canonical form is an id the API knows.
    if str(parsed) != text.lower():
        raise InvalidArgumentError(f"{name} must be a UUID in the 8-4-4-4-12 form, got {_describe(value)}")
    return str(parsed)


def check_uuid_list(values: Any, name: str) -> list[str]:
    """Check a list of UUIDs (a lone string is refused: it would be iterated character by character)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ArgumentTypeError(f"{name} must be a list of UUID strings, got {type(values).__name__}")
    return [check_uuid(v, f"{name}[{i}]") for i, v in enumerate(values)]


def check_name_list(values: Any, name: str) -> list[str]:
    """Check a list of non-empty strings."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ArgumentTypeError(f"{name} must be a list of strings, got {type(values).__name__}")
    checked = list(values)
    for i, v in enumerate(checked):
        check_name(v, f"{name}[{i}]")
    return checked


def check_name(value: Any, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidArgumentError(f"{name} must not be empty")
    return value


def check_positive_int(value: Any, name: str) -> int:
    """An ``int`` of at least 1 (``bool`` is refused even though it is an ``int``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise InvalidArgumentError(f"{name} must be at least 1, got {value}")
    return value


def check_prompt_id(value: Any, name: str = "prompt_id") -> int:
    """A prompt id: a non-negative ``int``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentTypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise InvalidArgumentError(f"{name} must not be negative, got {value}")
    return value


def check_timeout(value: Any, name: str = "timeout") -> float | httpx.Timeout:
    """A request timeout: positive, finite seconds, or an ``httpx.Timeout`` whose parts are such or ``None``.

    The constructor's ``timeout`` and every method's ``timeout=`` go through here, so both accept the same
    values. ``True`` is not one second, and ``nan``/``inf``/negative numbers would silently disable a deadline.
    """
    if isinstance(value, httpx.Timeout):
        for part in ("connect", "read", "write", "pool"):
            seconds = getattr(value, part)
            if seconds is not None and not _is_positive_seconds(seconds):
                raise InvalidArgumentError(
                    f"{name}.{part} must be a positive, finite number of seconds or None, got {_describe(seconds)}"
                )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentTypeError(f"{name} must be a number of seconds or an httpx.Timeout, got {type(value).__name__}")
    if not _is_positive_seconds(value):
        raise InvalidArgumentError(f"{name} must be a positive, finite number of seconds, got {_describe(value)}")
    return value


def _is_positive_seconds(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and value > 0


def path_segment(value: str | int) -> str:
    """Escape a value for use as one path segment, so that nothing in it can change the path."""
    return quote(str(value), safe="")


def optional_fields(body: dict[str, Any], **fields: tuple[Any, Callable[[Any, str], Any]]) -> dict[str, Any]:
    """Add to ``body`` each field given as ``name=(value, check)`` whose value is not ``None``, checked."""
    for name, (value, check) in fields.items():
        if value is not None:
            body[name] = check(value, name)
    return body


def check_metric_bounds(bounds: Mapping[str, Any] | None, argument: str) -> dict[str, float]:
    """A mapping of metric names to numbers, checked: a NaN would make every comparison with it false, and so
    pass every gate, so it is refused like any other non-number."""
    if bounds is None:
        return {}
    if not isinstance(bounds, Mapping):
        raise ArgumentTypeError(f"{argument} must be a mapping of metric names to numbers, got {type(bounds).__name__}")
    checked: dict[str, float] = {}
    for name, bound in bounds.items():
        if not isinstance(name, str):
            raise ArgumentTypeError(f"{argument}: metric names must be strings, got {type(name).__name__}")
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise ArgumentTypeError(f"{argument}[{name!r}] must be a number, got {type(bound).__name__}")
        if math.isnan(bound):
            raise InvalidArgumentError(f"{argument}[{name!r}] must be a number, not NaN")
        checked[name] = float(bound)
    return checked
