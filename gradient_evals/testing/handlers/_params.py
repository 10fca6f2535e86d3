"""Parameter parsing shared by the handlers, with the API's 400 messages."""

from __future__ import annotations

import re

from .._routes import ApiError

__all__ = ["optional_int", "positive_int", "signed_int"]

_INT_RE = re.compile(r"[0-9]{1,18}")
_SIGNED_INT_RE = re.compile(r"-?[0-9]{1,18}")


def signed_int(raw: str, name: str) -> int:
    """``raw`` as an integer (a leading ``-`` allowed); 400 otherwise."""
    if not _SIGNED_INT_RE.fullmatch(raw):
        raise ApiError(400, f"{name} must be an integer.")
    return int(raw)


def optional_int(query: dict[str, str], name: str) -> int | None:
    """Query parameter ``name`` as an integer; None when absent or empty."""
    raw = query.get(name)
    return None if raw is None or raw == "" else signed_int(raw, name)


def positive_int(query: dict[str, str], name: str, default: int) -> int:
    """Query parameter ``name`` as a positive integer, ``default`` when absent; 400 otherwise."""
    raw = query.get(name)
    if raw is None:
        return default
    if not _INT_RE.fullmatch(raw) or int(raw) < 1:
        raise ApiError(400, f"{name} must be a positive integer.")
    return int(raw)
