"""How a response body is decoded: whole, or skimmed so that the deferred fields it holds stay JSON text.

A results page is mostly the trace spans, metric results and chunks of its prompts, which the models convert only
when first read (:mod:`._deferred`). With msgspec those parts need not even be decoded when the page arrives: the
body is decoded with a shape built from the model (its fields by name, the deferred ones as
:data:`~gradient_evals._json.RAW`), which checks them as JSON and keeps their text. The converter takes that text
for the decoded list (:func:`gradient_evals._convert.structure`), and the first read decodes it. Bodies of models
without deferred fields, and every body under the standard library's decoder, are decoded whole.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import GenericAlias
from typing import Any, TypedDict, cast

import attrs

from ._convert import homogeneous_tuple_item, optional_inner
from ._deferred import DEFERRED
from ._json import DECODER, RAW, loads, skimming

__all__ = ["body_decoder"]

_DECODERS: dict[tuple[Any, str | None], Callable[[bytes], Any]] = {}
_shape: Any = TypedDict  # called with names made at run time, which type checkers cannot follow


def body_decoder(cast_to: Any, key: str | None = None) -> Callable[[bytes], Any]:
    """The decoder for a body converted to ``cast_to`` (found under ``key`` when given)."""
    decoder = _DECODERS.get((cast_to, key))
    if decoder is None:
        decoder = _DECODERS[(cast_to, key)] = _decoder_for(cast_to, key)
    return decoder


def _decoder_for(cast_to: Any, key: str | None) -> Callable[[bytes], Any]:
    if DECODER != "msgspec":
        return loads
    try:
        shape = _shape_of(cast_to, set())
        if shape is not None and key is not None:
            shape = _shape(f"{key}_envelope", {key: shape | None}, total=False)
        return loads if shape is None else skimming(shape)
    except (NameError, TypeError):  # a model whose shape cannot be written: decoded whole, which is always right
        return loads


def _shape_of(cls: Any, visiting: set[type]) -> Any | None:
    """A ``TypedDict`` of ``cls``'s fields that keeps its deferred fields (at any depth) as JSON text; ``None`` when
    it has none, so that nothing is gained by a shape."""
    if not (isinstance(cls, type) and attrs.has(cls)) or cls in visiting:
        return None
    visiting.add(cls)
    attrs.resolve_types(cls, globalns=vars(sys.modules[cls.__module__]))
    fields: dict[str, Any] = {}
    kept = False
    for field in attrs.fields(cls):
        if field.metadata.get(DEFERRED):
            fields[field.name], kept = RAW, True
            continue
        inner = optional_inner(field.type) or field.type
        item = homogeneous_tuple_item(inner)
        nested = _shape_of(item if item is not None else inner, visiting)
        if nested is None:
            fields[field.name] = Any
        else:
            many = cast(Any, GenericAlias(list, nested)) if item is not None else nested
            fields[field.name], kept = many | None, True
    visiting.discard(cls)
    return _shape(f"{cls.__name__}_shape", fields, total=False) if kept else None
