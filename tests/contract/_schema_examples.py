"""Requests and bodies built from the examples the OpenAPI specification documents, as Prism's static mode does.

``string`` is what a string without an example becomes: ``"string"`` here, ``"example string"`` where a test sends
what the official SDKs' generated tests send.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["example_of", "resolve"]


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """``node`` with its ``$ref`` followed (to the end of a chain of them)."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def example_of(spec: dict[str, Any], schema: Any, depth: int = 0, *, string: str = "string") -> Any:
    """The example a schema documents: its own ``example``, else one built from its parts' examples."""
    schema = resolve(spec, schema)
    if "example" in schema:
        return copy.deepcopy(schema["example"])
    if depth > 12:
        # A recursive schema (an agent's child agents are agents) ends in an empty value of its own type, as a
        # server's would, not in a null the schema does not allow.
        return {"object": {}, "array": []}.get(schema.get("type", "object" if "properties" in schema else ""))
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(example_of(spec, part, depth + 1, string=string) or {})
        return merged
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        return {
            name: example_of(spec, sub, depth + 1, string=string) for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example_of(spec, schema.get("items", {}), depth + 1, string=string)]
    if "enum" in schema:
        return schema["enum"][0]
    return {"string": string, "integer": 1, "number": 1.5, "boolean": True}.get(kind)
