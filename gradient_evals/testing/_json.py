"""The emulator's JSON encoding: compact UTF-8, as the API writes it."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["encode_json"]

_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def encode_json(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as the API writes it."""
    return _DUMPS(obj).encode("utf-8")
