"""Decoding response bodies: msgspec when it is installed (the ``speed`` extra), else the standard library.

Both give the same Python values for the JSON this API sends. Where they differ, the standard library decides:
a body msgspec refuses (a lone UTF-16 surrogate escape, ``NaN``, a number beyond a float's range) is decoded again by
``json.loads``, so installing the extra never changes what a body means or whether it is accepted.

With msgspec, a body of a known shape can also be *skimmed* (:func:`skimming`): the parts its shape marks
:data:`RAW` are checked as JSON but kept as their bytes, to be decoded when first read (the deferred fields of a
results page, most of its bytes). A body that cannot be skimmed exactly as it would be decoded whole is decoded
whole, so skimming changes when a part is decoded, never what it decodes to or whether the body is accepted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, Final

__all__ = ["DECODER", "RAW", "RawJSON", "loads", "skimming"]

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


class _NeverDecoded:
    """Stands for ``msgspec.Raw`` without msgspec: no decoded value is ever of this type."""


RawJSON: type = _NeverDecoded
"""The type of a part a skimmed body kept as bytes (``msgspec.Raw``), for ``type(value) is RawJSON`` checks."""
RAW: Any = Any
"""What a shape given to :func:`skimming` types a part kept as bytes with (``msgspec.Raw``; with the standard
library, which decodes everything, ``Any``)."""
if _fast_loads is not None:
    import msgspec

    RawJSON = RAW = msgspec.Raw


def loads(data: bytes) -> Any:
    """Decode a JSON body; raises ``ValueError`` (or ``RecursionError``) as ``json.loads`` does."""
    fast = _fast_loads
    if fast is not None:
        try:
            return fast(data)
        except ValueError:
            pass  # not necessarily invalid: let the standard library decide
    return _stdlib_loads(data)


def skimming(shape: Any) -> Callable[[bytes], Any]:
    """A decoder for bodies of the given shape (a ``TypedDict`` whose keys not listed are dropped, its parts typed
    :data:`RAW` kept as :data:`RawJSON`), else :func:`loads` for the body whole: without msgspec, and for a body
    that does not have the shape or that msgspec would not decode as the standard library does.

    Skimming checks the syntax of the parts it keeps but not their text, so the body must also be valid UTF-8:
    checked in microseconds for an ASCII body, else on its runs of non-ASCII bytes.
    """
    if _fast_loads is None:
        return loads
    import msgspec

    skim = msgspec.json.Decoder(shape).decode

    def decode(data: bytes) -> Any:
        try:
            if data.isascii() or _is_utf8(data):
                return skim(data)
        except (ValueError, RecursionError):  # not of the shape, or JSON msgspec refuses: decided whole below
            pass
        return loads(data)

    return decode


# Every byte below 0x80 becomes a space and the others stay. A multibyte UTF-8 sequence is made of bytes from 0x80 up
# only, so a body is valid UTF-8 exactly when each run of those bytes is; the runs, a space apart, are a short text
# to decode, where decoding the body itself would build a string of its whole length.
_ASCII_TO_SPACE: Final = bytes([32] * 128 + list(range(128, 256)))


def _is_utf8(data: bytes) -> bool:
    try:
        b" ".join(data.translate(_ASCII_TO_SPACE).split()).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
