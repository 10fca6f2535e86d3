"""What every check has (:class:`Check`: a name, a required pass rate, ``check(prompt)``) and its errors.

Every check has a ``name`` (by default derived from its kind and argument: ``contains(ORD-)``) and an optional
``min_pass_rate`` (a percentage: without it every prompt must pass). Each judges a prompt with ``check(prompt)``,
which returns ``(passed, reason)``; the reason says why it failed and is empty when it passed. A check never
raises on a prompt: whatever goes wrong fails that prompt, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from .._exceptions import GradientEvalsError
from ..types import EvaluationPrompt

__all__ = ["NO_ANSWER", "Check", "CheckError", "TextCheck", "short", "strings", "whole_number"]

NO_ANSWER = "no answer"
_SHOWN = 40


class CheckError(GradientEvalsError, ValueError):
    """A check that cannot be used as given: an unknown kind, a regex that does not compile, an invalid schema,
    a negative budget. ``key`` names the argument at fault, when one is."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _min_pass_rate(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise CheckError(f"min_pass_rate must be a percentage from 0 to 100, got {value!r}", key="min_pass_rate")


def strings(value: str | Sequence[str], key: str = "value") -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list | tuple) else None
    if not items or not all(isinstance(item, str) and item for item in items):
        raise CheckError(f"expected a non-empty string or list of non-empty strings, got {value!r}", key=key)
    return items


def whole_number(value: object, key: str = "value") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CheckError(f"expected a whole number of at least 0, got {value!r}", key=key)
    return value


@attrs.frozen(kw_only=True)
class Check:
    """What every check has: a name and how many prompts must pass. Subclasses judge one prompt in ``judge``."""

    kind: ClassVar[str] = "check"
    label: str | None = attrs.field(default=None, alias="name")
    """The name given, if any (read :attr:`name` for the name used)."""
    min_pass_rate: float | None = attrs.field(default=None, validator=_min_pass_rate)
    """The percentage of prompts that must pass (``None``: every prompt)."""

    @property
    def name(self) -> str:
        """The name the check is reported under (``check:<name>``): the one given, else derived from the kind."""
        if self.label is not None:
            return self.label
        argument = self.argument()
        return self.kind if argument is None else f"{self.kind}({short(argument)})"

    @property
    def required_pass_rate(self) -> float:
        """The pass rate (percent) this check's gate requires."""
        return 100.0 if self.min_pass_rate is None else float(self.min_pass_rate)

    def argument(self) -> str | None:
        """The argument as the default name shows it."""
        return None

    def check(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        """``(passed, reason)`` for one prompt; never raises."""
        try:
            return self.judge(prompt)
        except Exception as exc:  # a check fails its prompt, never the evaluation
            return False, f"{type(exc).__name__}: {exc}"

    def judge(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        raise NotImplementedError


@attrs.frozen(kw_only=True)
class TextCheck(Check):
    """A check of the answer's text: no answer fails it."""

    def judge(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        if prompt.output is None:
            return False, NO_ANSWER
        return self.on_text(prompt.output)

    def on_text(self, text: str) -> tuple[bool, str]:
        raise NotImplementedError
