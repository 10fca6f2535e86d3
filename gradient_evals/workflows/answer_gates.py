"""The gates on what the answers themselves show: checks, cost, and output token growth.

- **check**: a check's pass rate is at least its required rate (100% unless ``min_pass_rate`` relaxes it). A
  check's regression (``max_regression={"check:<name>": points}``) is no gate of this module: a check is a
  pass/fail metric of the results, so its regression is decided with every metric's (:mod:`.gates`: paired by
  input, exact McNemar, Holm across the agent's gated metrics).
- **max_cost**: the run's cost in dollars at the price table's price for its agent (an agent without a price, or
  a run without results, leaves the gate not applied, saying why).
- **max_output_tokens_increase_pct**: output tokens per prompt against the baseline, paired by input: the mean of
  ``log(candidate / baseline)`` with its paired t interval, decided against ``log(1 + pct / 100)``.

The output-token gate is decided as a regression gate is: passed or failed when its whole interval says so;
*inconclusive* when the interval straddles the allowance (which fails the verdict only with
``require_conclusive``); not applied without a baseline or with too few prompts paired.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs

from ..statistics import compare_numeric, pair_by_input
from ..types import EvaluationPrompt, EvaluationRun
from .checks_results import CheckResult
from .evaluate_results import GateKind, GateResult
from .gates import GateSettings, not_applied_gate, slice_key
from .usage import cost_of, token_usage, wall_time
from .usage_results import RunCost

__all__ = ["answer_gates", "check_gates", "cost_gate", "output_tokens_gate"]


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
    settings: GateSettings,
) -> GateResult:
    """Output tokens per prompt grew by at most ``pct`` percent against the baseline (see the module docs)."""
    name = f"output tokens grow by at most {pct:g}%"
    kind = GateKind.OUTPUT_TOKENS_INCREASE
    if baseline is None:
        return not_applied_gate(name, kind, None, pct, reason, settings.require_baseline)
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
        return GateResult(kind=kind, name=name, passed=True, threshold=pct, actual=growth, statistics=found)
    if found.outcome == "failed":
        message = f"{said}: more than the allowed {pct:g}%"
        return GateResult(
            kind=kind, name=name, passed=False, threshold=pct, actual=growth, message=message, statistics=found
        )
    message = f"inconclusive: {said}: the interval straddles the allowed {pct:g}%"
    if settings.require_conclusive:
        message += ", and a conclusive result is required"
    return GateResult(
        kind=kind,
        name=name,
        passed=not settings.require_conclusive,
        threshold=pct,
        actual=growth,
        message=message,
        statistics=found,
        outcome="inconclusive",
    )


def answer_gates(
    settings: GateSettings,
    run: EvaluationRun | None,
    checks: Sequence[CheckResult],
    prompts: Sequence[EvaluationPrompt],
    baseline: Sequence[EvaluationPrompt] | None,
    *,
    has_results: bool,
    baseline_missing: str | None,
) -> tuple[list[GateResult], dict[str, Any]]:
    """Every gate of this module that ``settings`` asks for, in a fixed order, and what an agent's result carries
    about its answers (``checks``, ``tokens``, ``baseline_tokens``, ``cost``, ``wall_time``). ``baseline``: the
    baseline's prompts when the run was compared with one."""
    tokens = token_usage(prompts) if has_results else None
    keys = () if run is None else (run.agent_name, run.agent_uuid, run.agent_deployment_name)
    cost = None if tokens is None else cost_of(tokens, settings.pricing, keys)
    gates = check_gates(checks)
    reason = baseline_missing or ("the run has no results to compare" if not has_results else "no baseline")
    if not has_results:
        settings = attrs.evolve(settings, require_baseline=False)  # a run without results fails its own gate
    if settings.max_cost is not None:
        gates.append(cost_gate(settings.max_cost, cost, has_results))
    if settings.max_output_tokens_increase_pct is not None:
        gates.append(
            output_tokens_gate(
                settings.max_output_tokens_increase_pct, prompts, baseline, reason=reason, settings=settings
            )
        )
    fields = {
        "checks": tuple(checks),
        "tokens": tokens,
        "baseline_tokens": None if baseline is None else token_usage(baseline),
        "cost": cost,
        "wall_time": wall_time(run),
    }
    return gates, fields
