"""Checks as a configuration file declares them: ``[[suites.NAME.checks]]`` tables of ``kind``, ``value``, ``name``,
``min_pass_rate`` (and ``timeout`` for a ``regex``). A problem is a :class:`CheckError` whose ``key`` names the
key at fault; the configuration reader adds the file, the suite and the check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from .._local_files import LocalFileError, read_bounded
from ._base import Check, CheckError
from ._prompt import ExpectedInAnswer, MaxInputTokens, MaxOutputTokens, ToolCalled, ToolOrder
from ._text import Contains, Equals, IContains, IsJSON, JSONSchema, MaxWords, NotContains, Regex, StartsWith

__all__ = ["KINDS", "MAX_SCHEMA_BYTES", "check_from_table", "schema_from_file"]

KINDS: Final[Mapping[str, type[Check]]] = {
    kind.kind: kind
    for kind in (
        Contains,
        NotContains,
        IContains,
        Equals,
        Regex,
        StartsWith,
        IsJSON,
        JSONSchema,
        MaxWords,
        MaxOutputTokens,
        MaxInputTokens,
        ToolCalled,
        ToolOrder,
        ExpectedInAnswer,
    )
}
"""The kinds a configuration file may name (a Python function is a check from Python only)."""

_NO_VALUE: Final = frozenset({"is_json", "expected_in_answer"})
_COMMON: Final = frozenset({"kind", "value", "name", "min_pass_rate"})
MAX_SCHEMA_BYTES: Final = 1 << 20


def schema_from_file(path: Path) -> Any:
    """The JSON schema in the file at ``path`` (at most 1 MiB); :class:`CheckError` when it cannot be read."""
    try:
        data = read_bounded(path, MAX_SCHEMA_BYTES)
    except LocalFileError as exc:
        raise CheckError(exc.describe(f"the schema file {str(path)!r}"), key="value") from None
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise CheckError(f"the schema file {str(path)!r} is not JSON: {exc}", key="value") from None


def check_from_table(table: Mapping[str, Any], *, base: Path) -> Check:
    """The check a configuration table declares; a schema path is relative to ``base`` (the file's folder)."""
    kind_name = table.get("kind")
    if not isinstance(kind_name, str) or kind_name not in KINDS:
        known = ", ".join(KINDS)
        raise CheckError(f"unknown check kind {kind_name!r} (kinds: {known})", key="kind")
    allowed = _COMMON | ({"timeout"} if kind_name == "regex" else frozenset())
    for key in table:
        if key not in allowed:
            raise CheckError(f"unknown key for a {kind_name} check (it takes: {', '.join(sorted(allowed))})", key=key)
    name = table.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise CheckError(f"expected a non-empty string, got {name!r}", key="name")
    options: dict[str, Any] = {
        "name": None if name is None else name.strip(),
        "min_pass_rate": table.get("min_pass_rate"),
    }
    if "timeout" in table:
        options["timeout"] = table["timeout"]
    if kind_name in _NO_VALUE:
        if "value" in table:
            raise CheckError(f"a {kind_name} check takes no value", key="value")
        return KINDS[kind_name](**options)
    if "value" not in table:
        raise CheckError(f"a {kind_name} check needs a value", key="value")
    value = table["value"]
    if kind_name == "json_schema" and isinstance(value, str):
        file = (base / value).resolve()
        return JSONSchema(schema_from_file(file), source=Path(value).name, **options)
    return KINDS[kind_name](value, **options)  # type: ignore[call-arg]
