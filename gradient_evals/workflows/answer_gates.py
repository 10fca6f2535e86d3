"""The gates on what the answers themselves show: checks, a check's regression, cost, and output token growth.

- **check**: a check's pass rate is at least its required rate (100% unless ``min_pass_rate`` relaxes it).
- **check regression** (``max_regression={"check:<name>": points}``): the check's pass rate against the
  baseline's, prompts paired by input, exact McNemar (:func:`gradient_evals.statistics.compare_pass_fail`).
- **max_cost**: the run's cost in dollars at the price table's price for its agent (an agent without a price, or
  a run without results, leaves the gate not applied, saying why).
- **max_output_tokens_increase_pct**: output tokens per prompt against the baseline, paired by input: the mean of
  ``log(candidate / baseline)`` with its paired t interval, decided against ``log(1 + pct / 100)``.

A paired gate is passed or failed when its whole interval says so; an interval that straddles the allowance is
*inconclusive*: reported as not applied with the interval in its message (it does not fail the verdict), like a
gate without a baseline. Too few prompts paired leave it not applied too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..statistics import PairedComparison, compare_numeric, compare_pass_fail, pair_by_input
from ..types import EvaluationPrompt
from .answer_checks import CheckedPrompts
from .checks_results import CheckResult
from .evaluate_results import GateKind, GateResult
from .gates import GateSettings, not_applied_gate, slice_key
from .usage_results import RunCost

__all__ = ["answer_gates", "check_gates", "check_regression_gates", "cost_gate", "output_tokens_gate"]


def check_gates(results: Sequence[CheckResult]) -> list[GateResult]:
    """One gate per check: enough prompts passed it."""
    gates = []
    for result in results:
        required = result.required_pass_rate
        rate = result.pass_rate
        if rate is None:
            message = f"{result.metric}: no prompt to check"
        elif not result.passed:
            message = f"{result.metric}: {len(result.failures)} of {result.total} prompts failed"
            if required < 100:
                message += f" (pass rate {rate:.4g}%, at least {required:g}% required)"
        else:
            message = ""
        name = f"{result.metric} passes on every prompt" if required >= 100 else f"{result.metric} >= {required:g}%"
        gates.append(
            GateResult(
                kind=GateKind.CHECK,
                name=name,
                passed=not message,
                metric=result.metric,
                threshold=required,
                actual=rate,
                message=message,
            )
        )
    return gates


def _decided(kind: GateKind, name: str, metric: str, allowed: float, found: PairedComparison, what: str) -> GateResult:
    interval = "" if found.ci_low is None else f" ({what}; 95% interval {found.ci_low:.3g} to {found.ci_high:.3g})"
    detail = f"{metric}: {found.reason}{interval}, n={found.n}"
    if found.outcome == "passed":
        return GateResult(kind=kind, name=name, passed=True, metric=metric, threshold=allowed, actual=found.delta)
    if found.outcome == "failed":
        return GateResult(
            kind=kind, name=name, passed=False, metric=metric, threshold=allowed, actual=found.delta, message=detail
        )
    word = "inconclusive" if found.outcome == "inconclusive" else "not applied"
    return GateResult(
        kind=kind,
        name=name,
        passed=True,
        metric=metric,
        threshold=allowed,
        actual=found.delta,
        message=f"{word}: {detail}",
        applied=False,
    )


def check_regression_gates(
    allowed: Mapping[str, float],
    mine: Mapping[str, Sequence[tuple[str | None, bool]]],
    baseline: Mapping[str, Sequence[tuple[str | None, bool]]] | None,
    *,
    reason: str,
    required: bool,
) -> list[GateResult]:
    """One gate per ``check:<name>`` in ``allowed``: its pass rate worsened by at most that many points."""
    gates = []
    for metric, points in allowed.items():
        name = f"{metric} worsens by at most {points:g}"
        check = metric.removeprefix("check:")
        if baseline is None or check not in baseline or check not in mine:
            gates.append(not_applied_gate(name, GateKind.CHECK_REGRESSION, metric, points, reason, required))
            continue
        pairing = pair_by_input(
            ((slice_key(text), ok) for text, ok in mine[check]), ((slice_key(text), ok) for text, ok in baseline[check])
        )
        unpaired = pairing.not_comparable_reason()
        if unpaired is not None:
            gates.append(not_applied_gate(name, GateKind.CHECK_REGRESSION, metric, points, unpaired, False))
            continue
        found = compare_pass_fail([c for c, _ in pairing.pairs], [b for _, b in pairing.pairs], max_regression=points)
        change = f"pass rate change {found.delta:+.3g} points" if found.delta is not None else "no change measured"
        gates.append(_decided(GateKind.CHECK_REGRESSION, name, metric, points, found, change))
    return gates


def cost_gate(max_cost: float, cost: RunCost | None, has_results: bool) -> GateResult:
    """The run cost at most ``max_cost`` dollars."""
    name = f"cost <= ${max_cost:g}"
    if cost is None:
        reason = "the run has no results to cost" if not has_results else "the price table has no price for this agent"
        return GateResult(
            kind=GateKind.MAX_COST, name=name, passed=True, threshold=max_cost, message=reason, applied=False
        )
    message = "" if cost.total <= max_cost else f"cost ${cost.total:.4g} is above ${max_cost:g}"
    if message and cost.uncounted:
        message += f" ({cost.uncounted} token counts missing or malformed: the cost is a lower bound)"
    return GateResult(
        kind=GateKind.MAX_COST, name=name, passed=not message, threshold=max_cost, actual=cost.total, message=message
    )


def _log_tokens(prompts: Sequence[EvaluationPrompt]) -> list[tuple[str | None, float]]:
    items = []
    for prompt in prompts:
        count = prompt.output_tokens
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            items.append((slice_key(prompt.input), math.log(count)))
        else:
            items.append((slice_key(prompt.input), math.nan))  # pairs with nothing: counted as left out
    return items


def output_tokens_gate(
    pct: float,
    prompts: Sequence[EvaluationPrompt],
    baseline: Sequence[EvaluationPrompt] | None,
    *,
    reason: str,
    required: bool,
) -> GateResult:
    """Output tokens per prompt grew by at most ``pct`` percent against the baseline (see the module docs)."""
    name = f"output tokens grow by at most {pct:g}%"
    kind = GateKind.OUTPUT_TOKENS_INCREASE
    if baseline is None:
        return not_applied_gate(name, kind, None, pct, reason, required)
    pairing = pair_by_input(_log_tokens(prompts), _log_tokens(baseline))
    unpaired = pairing.not_comparable_reason()
    if unpaired is not None:
        return not_applied_gate(name, kind, None, pct, f"{unpaired} ({pairing.describe()})", False)
    found = compare_numeric(
        [c for c, _ in pairing.pairs],
        [b for _, b in pairing.pairs],
        max_regression=math.log1p(pct / 100),
        higher_is_better=False,
    )
    growth = 100 * math.expm1(found.delta or 0.0)
    low, high = found.ci_low, found.ci_high
    span = "" if low is None or high is None else f"; 95% interval {100 * math.expm1(low):+.3g}% to "
    span += "" if low is None or high is None else f"{100 * math.expm1(high):+.3g}%"
    said = f"output tokens per prompt {growth:+.3g}% (geometric mean{span}, n={found.n})"
    if found.outcome == "passed":
        return GateResult(kind=kind, name=name, passed=True, threshold=pct, actual=growth)
    if found.outcome == "failed":
        message = f"{said}: more than the allowed {pct:g}%"
        return GateResult(kind=kind, name=name, passed=False, threshold=pct, actual=growth, message=message)
    message = f"inconclusive: {said}: the interval straddles the allowed {pct:g}%"
    return GateResult(kind=kind, name=name, passed=True, threshold=pct, actual=growth, message=message, applied=False)


def answer_gates(
    settings: GateSettings,
    checks: CheckedPrompts | None,
    baseline_checks: CheckedPrompts | None,
    prompts: Sequence[EvaluationPrompt],
    baseline: Sequence[EvaluationPrompt] | None,
    cost: RunCost | None,
    *,
    has_results: bool,
    baseline_missing: str | None,
) -> list[GateResult]:
    """Every gate of this module that ``settings`` asks for, in a fixed order."""
    gates = [] if checks is None else check_gates(checks.results)
    reason = baseline_missing or ("the run has no results to compare" if not has_results else "no baseline")
    required = settings.require_baseline and has_results
    if settings.check_regression:
        gates += check_regression_gates(
            settings.check_regression,
            {} if checks is None else checks.verdicts,
            None if baseline_checks is None else baseline_checks.verdicts,
            reason=reason,
            required=required,
        )
    if settings.max_cost is not None:
        gates.append(cost_gate(settings.max_cost, cost, has_results))
    if settings.max_output_tokens_increase_pct is not None:
        gates.append(
            output_tokens_gate(
                settings.max_output_tokens_increase_pct, prompts, baseline, reason=reason, required=required
            )
        )
    return gates
