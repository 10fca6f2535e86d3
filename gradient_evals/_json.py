"""Decoding response bodies: msgspec when it is installed (the ``speed`` extra), else the standard library.

Both give the same Python values for the JSON this API sends. Where they differ, the standard library decides:
a body msgspec refuses (a lone UTF-16 surrogate escape, ``NaN``, a number beyond a float's range) is decoded again by
``json.loads``, so installing the extra never changes what a body means or whether it is accepted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

__all__ = ["DECODER", "loads"]

_stdlib_loads: Callable[[bytes], Any] = json.loads


def _pick() -> tuple[str, Callable[[bytes], Any] | None]:
    # GRADIENT_EVALS_JSON=stdlib turns the fast decoder off (the test suite runs both ways).
    if os.environ.get("GRADIENT_EVALS_JSON", "").lower() == "stdlib":
        return "json", None
    try:
        import msgspec.json
    except ImportError:
        return "json", None
    # orjson was measured too: as fast, but it turns integers beyond 64 bits into floats, which json.loads does not.
    return "msgspec", msgspec.json.Decoder().decode


DECODER, _fast_loads = _pick()
"""The decoder in use: ``"msgspec"`` or ``"json"``."""


def loads(data: bytes) -> Any:
    """Decode a JSON body; raises ``ValueError`` (or ``RecursionError``) as ``json.loads`` does."""
    fast = _fast_loads
    if fast is not None:
        try:
            return fast(data)
        except ValueError:
            pass  # not necessarily invalid: let the standard library decide
    return _stdlib_loads(data)
