"""Checks of the answer's text: phrases, an exact answer, a prefix, a regular expression, JSON, a word count."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._base import CheckError, TextCheck, short, strings, whole_number

__all__ = [
    "DEFAULT_REGEX_TIMEOUT",
    "Contains",
    "Equals",
    "IContains",
    "IsJSON",
    "JSONSchema",
    "MaxWords",
    "NotContains",
    "Regex",
    "StartsWith",
]

DEFAULT_REGEX_TIMEOUT = 0.1
"""Seconds a ``regex`` check may spend on one answer unless told otherwise."""


@attrs.frozen(kw_only=True)
class _PhraseCheck(TextCheck):
    value: tuple[str, ...] = attrs.field(converter=strings, kw_only=False)

    def argument(self) -> str:
        return ", ".join(self.value)


@attrs.frozen(kw_only=True)
class Contains(_PhraseCheck):
    """The answer contains the string (every one of them, for a list)."""

    kind: ClassVar[str] = "contains"

    def on_text(self, text: str) -> tuple[bool, str]:
        missing = [v for v in self.value if v not in text]
        return not missing, "" if not missing else "does not contain " + ", ".join(map(repr, missing))


@attrs.frozen(kw_only=True)
class IContains(_PhraseCheck):
    """The answer contains the string (every one of them), ignoring case."""

    kind: ClassVar[str] = "icontains"

    def on_text(self, text: str) -> tuple[bool, str]:
        folded = text.casefold()
        missing = [v for v in self.value if v.casefold() not in folded]
        return not missing, "" if not missing else "does not contain " + ", ".join(map(repr, missing))


@attrs.frozen(kw_only=True)
class NotContains(_PhraseCheck):
    """The answer contains none of the strings."""

    kind: ClassVar[str] = "not_contains"

    def on_text(self, text: str) -> tuple[bool, str]:
        present = [v for v in self.value if v in text]
        return not present, "" if not present else "contains " + ", ".join(map(repr, present))


def _one_string(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise CheckError(f"expected a non-empty string, got {value!r}", key="value")
    return value


@attrs.frozen(kw_only=True)
class _StringCheck(TextCheck):
    value: str = attrs.field(converter=_one_string, kw_only=False)

    def argument(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class Equals(_StringCheck):
    """The answer is exactly this string (surrounding whitespace of either ignored)."""

    kind: ClassVar[str] = "equals"

    def on_text(self, text: str) -> tuple[bool, str]:
        ok = text.strip() == self.value.strip()
        return ok, "" if ok else f"is not {short(self.value)!r}"


@attrs.frozen(kw_only=True)
class StartsWith(_StringCheck):
    """The answer starts with this string (leading whitespace of the answer ignored)."""

    kind: ClassVar[str] = "starts_with"

    def on_text(self, text: str) -> tuple[bool, str]:
        ok = text.lstrip().startswith(self.value)
        return ok, "" if ok else f"does not start with {short(self.value)!r}"


def _pattern(value: object) -> str:
    text = _one_string(value)
    try:
        re.compile(text)
    except re.error as exc:
        raise CheckError(f"the regular expression does not compile: {exc}", key="value") from None
    return text


def _timeout(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise CheckError(f"timeout must be a positive number of seconds, got {value!r}", key="timeout")


@attrs.frozen(kw_only=True)
class Regex(_StringCheck):
    """The pattern is found in the answer (``re.search``; write ``(?i)`` for case-insensitive).

    Each answer may take at most ``timeout`` seconds: the pattern runs in a child process that is stopped when
    an answer runs past it, so a catastrophic pattern (``(a+)+$``) fails that prompt instead of hanging.
    """

    kind: ClassVar[str] = "regex"
    value: str = attrs.field(converter=_pattern, kw_only=False)
    timeout: float = attrs.field(default=DEFAULT_REGEX_TIMEOUT, validator=_timeout)

    def on_text(self, text: str) -> tuple[bool, str]:
        # One prompt on its own; the runner sends every answer of a run to one worker instead.
        from ._regex import search_all

        return self.verdict(search_all(self.value, 0, [text], self.timeout)[0])

    def verdict(self, found: bool | None) -> tuple[bool, str]:
        """``(passed, reason)`` from the worker's answer (``None``: it ran past the time budget)."""
        if found is None:
            return False, f"the regular expression ran past its time budget of {self.timeout:g} s on this answer"
        return found, "" if found else f"does not match {short(self.value)!r}"


def _json_error(text: str) -> tuple[Any, str]:
    try:
        return json.loads(text), ""
    except (ValueError, RecursionError) as exc:
        return None, f"not JSON: {exc}"


@attrs.frozen(kw_only=True)
class IsJSON(TextCheck):
    """The answer is a JSON document (surrounding whitespace allowed)."""

    kind: ClassVar[str] = "is_json"

    def on_text(self, text: str) -> tuple[bool, str]:
        _, error = _json_error(text)
        return not error, error


def _validator_for(schema: object) -> Any:
    try:
        import jsonschema
    except ImportError:
        raise CheckError(
            "the json_schema check needs the jsonschema package: pip install 'gradient-evals[checks]'", key="value"
        ) from None
    if not isinstance(schema, Mapping | bool):
        raise CheckError(f"expected a JSON schema (a table or an object), got {schema!r}", key="value")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise CheckError(f"not a valid JSON schema (Draft 2020-12): {exc.message}", key="value") from None
    return jsonschema.Draft202012Validator(schema)


@attrs.frozen(kw_only=True)
class JSONSchema(TextCheck):
    """The answer is JSON valid against this schema (Draft 2020-12, with the ``jsonschema`` package: install the
    ``checks`` extra). ``source`` names where the schema came from (a file), for the default name."""

    kind: ClassVar[str] = "json_schema"
    value: Mapping[str, Any] | bool = attrs.field(kw_only=False)
    source: str | None = None
    _validator: Any = attrs.field(init=False, repr=False, eq=False)

    @_validator.default
    def _make_validator(self) -> Any:
        return _validator_for(self.value)

    def argument(self) -> str | None:
        return self.source

    def on_text(self, text: str) -> tuple[bool, str]:
        document, error = _json_error(text)
        if error:
            return False, error
        problem = next(iter(self._validator.iter_errors(document)), None)
        if problem is None:
            return True, ""
        where = "/".join(str(part) for part in problem.absolute_path)
        return False, f"does not match the schema{f' at {where}' if where else ''}: {problem.message}"


@attrs.frozen(kw_only=True)
class MaxWords(TextCheck):
    """The answer has at most this many words (separated by whitespace)."""

    kind: ClassVar[str] = "max_words"
    value: int = attrs.field(converter=whole_number, kw_only=False)

    def argument(self) -> str:
        return str(self.value)

    def on_text(self, text: str) -> tuple[bool, str]:
        words = len(text.split())
        return words <= self.value, "" if words <= self.value else f"{words} words, more than {self.value}"
