"""Checks of the rest of a prompt's result: token counts, the tools its trace called, the expected response; and
any function of the prompt."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, TypeAlias

import attrs

from .._exceptions import GradientEvalsError
from ..types import EvaluationPrompt, TraceSpanType
from ._base import NO_ANSWER, Check, CheckError, short, strings, whole_number

__all__ = [
    "CheckFunction",
    "Custom",
    "ExpectedInAnswer",
    "MaxInputTokens",
    "MaxOutputTokens",
    "NO_TRACE",
    "ToolCalled",
    "ToolOrder",
    "tool_calls",
]

NO_TRACE = "no trace"


@attrs.frozen(kw_only=True)
class _TokenBudget(Check):
    value: int = attrs.field(converter=whole_number, kw_only=False)
    field: ClassVar[str] = ""

    def argument(self) -> str:
        return str(self.value)

    def judge(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        count = getattr(prompt, self.field)
        what = self.field.replace("_", " ")
        if count is None:
            return False, f"no {what} count"
        if not isinstance(count, int):
            return False, f"the {what} count {short(str(count))!r} is not a number"
        return count <= self.value, "" if count <= self.value else f"{count} {what}, more than {self.value}"


@attrs.frozen(kw_only=True)
class MaxOutputTokens(_TokenBudget):
    """The prompt's ``output_tokens`` is at most this; a missing or malformed count fails."""

    kind: ClassVar[str] = "max_output_tokens"
    field: ClassVar[str] = "output_tokens"


@attrs.frozen(kw_only=True)
class MaxInputTokens(_TokenBudget):
    """The prompt's ``input_tokens`` is at most this; a missing or malformed count fails."""

    kind: ClassVar[str] = "max_input_tokens"
    field: ClassVar[str] = "input_tokens"


SpanLike: TypeAlias = Any


def _walk(spans: Sequence[SpanLike]) -> Iterator[SpanLike]:
    """Every span, depth first, parents before children; a stack rather than recursion, so a deeply nested
    trace cannot exhaust the interpreter's stack."""
    stack = list(reversed(spans))
    while stack:
        span = stack.pop()
        yield span
        children: list[SpanLike] = list(getattr(span, "spans", ()))
        for holder in (getattr(span, "agent", None), getattr(span, "workflow", None)):
            if holder is not None:
                children += holder.spans
        stack += reversed(children)


def tool_calls(prompt: EvaluationPrompt) -> tuple[str, ...] | None:
    """The names of the tool spans in the prompt's trace, in the order the trace lists them (depth first);
    ``None`` when the prompt has no trace."""
    spans = prompt.evaluation_trace_spans
    if not spans:
        return None
    return tuple(
        str(span.name)
        for span in _walk(spans)
        if span.name and (span.type == TraceSpanType.TOOL or getattr(span, "tool", None) is not None)
    )


@attrs.frozen(kw_only=True)
class _ToolCheck(Check):
    value: tuple[str, ...] = attrs.field(converter=strings, kw_only=False)

    def argument(self) -> str:
        return ", ".join(self.value)

    def judge(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        try:
            called = tool_calls(prompt)
        except GradientEvalsError as exc:
            return False, f"the trace cannot be read: {exc}"
        if called is None:
            return False, NO_TRACE
        return self.on_calls(called)

    def on_calls(self, called: tuple[str, ...]) -> tuple[bool, str]:
        raise NotImplementedError


def _listed(called: tuple[str, ...]) -> str:
    return ", ".join(called) if called else "none"


@attrs.frozen(kw_only=True)
class ToolCalled(_ToolCheck):
    """The trace has a tool span of this name (of each name, for a list)."""

    kind: ClassVar[str] = "tool_called"

    def on_calls(self, called: tuple[str, ...]) -> tuple[bool, str]:
        missing = [v for v in self.value if v not in called]
        if not missing:
            return True, ""
        return False, f"{', '.join(missing)} not called (tools called: {_listed(called)})"


@attrs.frozen(kw_only=True)
class ToolOrder(_ToolCheck):
    """These tools were called in this order (other calls may come between them)."""

    kind: ClassVar[str] = "tool_order"

    def on_calls(self, called: tuple[str, ...]) -> tuple[bool, str]:
        remaining = iter(called)
        if all(any(name == seen for seen in remaining) for name in self.value):
            return True, ""
        return False, f"expected {' -> '.join(self.value)} in that order, tools called: {_listed(called)}"


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


@attrs.frozen(kw_only=True)
class ExpectedInAnswer(Check):
    """The row's expected response (``ground_truth``) appears in the answer, ignoring case and whitespace."""

    kind: ClassVar[str] = "expected_in_answer"

    def judge(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        expected = _normalised(prompt.ground_truth or "")
        if not expected:
            return False, "the row has no expected response"
        if prompt.output is None:
            return False, NO_ANSWER
        ok = expected in _normalised(prompt.output)
        return ok, "" if ok else "the expected response is not in the answer"


CheckFunction: TypeAlias = Callable[[EvaluationPrompt], "bool | tuple[bool, str]"]


def _callable(value: object) -> CheckFunction:
    if not callable(value):
        raise CheckError(f"expected a function of the prompt, got {value!r}", key="value")
    return value


@attrs.frozen(kw_only=True)
class Custom(Check):
    """Any function ``(prompt) -> bool | (bool, reason)``. An exception in it fails that prompt with its message
    (it never stops the evaluation); any other return value fails the prompt, saying what it was."""

    kind: ClassVar[str] = "custom"
    value: CheckFunction = attrs.field(converter=_callable, kw_only=False)

    def argument(self) -> str:
        return str(getattr(self.value, "__name__", type(self.value).__name__))

    @property
    def name(self) -> str:
        """The name given, else the function's name."""
        return self.label if self.label is not None else self.argument()

    def judge(self, prompt: EvaluationPrompt) -> tuple[bool, str]:
        result = self.value(prompt)
        if isinstance(result, bool):
            return result, "" if result else "the check returned False"
        if (
            isinstance(result, tuple)
            and len(result) == 2
            and isinstance(result[0], bool)
            and isinstance(result[1], str)
        ):
            return result[0], "" if result[0] else (result[1] or "the check returned False")
        return False, f"the check returned {short(repr(result))}, not a bool or a (bool, str) pair"
