"""The settings of ``evaluate`` about the answers themselves, checked before anything is sent: the checks, the
price table and the gates on checks, cost and output tokens."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from .._exceptions import InvalidArgumentError
from ..checks import Check, as_checks
from ..types import EvaluationPrompt
from .answer_checks import CHECK_PREFIX
from .usage import pricing_from
from .usage_results import Pricing

__all__ = ["AnswerSettings", "CheckInput", "PricingInput", "answer_settings"]

CheckInput = Check | Callable[[EvaluationPrompt], Any]
"""A check as ``evaluate`` takes it: one of :mod:`gradient_evals.checks`, or a function of the prompt."""
PricingInput = Mapping[str, Any] | Pricing
"""A price table: ``{"input_per_million": ..., "output_per_million": ..., "agents": {name: {...}}}``."""


@attrs.frozen(kw_only=True)
class AnswerSettings:
    """The answer settings as the plan holds them: the checks as objects, the regression gates on them apart from
    the metrics' (which the catalog resolves), the price table read."""

    checks: tuple[Check, ...] = ()
    check_regression: Mapping[str, float] = attrs.field(factory=dict)
    pricing: Pricing | None = None
    max_cost: float | None = None
    max_output_tokens_increase_pct: float | None = None


def _allowance(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidArgumentError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def answer_settings(
    *,
    checks: Iterable[CheckInput] | None,
    pricing: PricingInput | None,
    max_cost: float | None,
    max_output_tokens_increase_pct: float | None,
    max_regression: Mapping[str, float],
) -> tuple[AnswerSettings, dict[str, float]]:
    """The answer settings, and ``max_regression`` without its ``check:<name>`` keys (which these settings take).

    Raises :class:`~gradient_evals.checks.CheckError`, ``PricingError`` or ``ValueError`` naming the argument.
    """
    checked = as_checks(checks)
    names = {check.name for check in checked}
    on_checks: dict[str, float] = {}
    metrics: dict[str, float] = {}
    for key, points in max_regression.items():
        if key.startswith(CHECK_PREFIX):
            if key.removeprefix(CHECK_PREFIX) not in names:
                known = ", ".join(sorted(f"{CHECK_PREFIX}{n}" for n in names)) or "no checks were given"
                raise InvalidArgumentError(f"max_regression: {key!r} names no check of this evaluation ({known})")
            on_checks[key] = points
        else:
            metrics[key] = points
    settings = AnswerSettings(
        checks=checked,
        check_regression=on_checks,
        pricing=pricing_from(pricing),
        max_cost=_allowance(max_cost, "max_cost"),
        max_output_tokens_increase_pct=_allowance(max_output_tokens_increase_pct, "max_output_tokens_increase_pct"),
    )
    if settings.max_cost is not None and settings.pricing is None:
        raise InvalidArgumentError("max_cost needs a price table: give pricing={...}")
    return settings, metrics
