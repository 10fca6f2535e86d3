"""The gates on what the answers themselves show: checks, cost, and output token growth.

- **check**: a check's pass rate is at least its required rate (100% unless ``min_pass_rate`` relaxes it). A
  check's regression (``max_regression={"check:<name>": points}``) is no gate of this module: a check is a
  pass/fail metric of the results, so its regression is decided with every metric's (:mod:`.gates`: paired by
  input, exact McNemar, Holm across the agent's gated metrics).
- **max_cost**: the run's cost in dollars at the price table's price for its agent (an agent without a price, or
  a run without results, leaves the gate not applied, saying why); a repeat group's cost is that of all its used
  runs, and the gate compares it per run (the cost divided by the runs, and named so).
- **max_output_tokens_increase_pct**: output tokens per prompt against the baseline, paired by input: the mean of
  ``log(candidate / baseline)`` with its paired t interval, decided against ``log(1 + pct / 100)``; a repeat
  group's count of a prompt is its mean over the repeats (a group of one: its own count).

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
from .repeat_answers import GroupAnswers, output_token_count
from .usage import cost_of, token_usage, wall_time
from .usage_results import RunCost

__all__ = ["answer_gates", "check_gates", "cost_gate", "output_tokens_gate"]


def check_gates(results: Sequence[CheckResult]) -> list[GateResult]:
    """One gate per check: enough prompts passed it (with repeats, enough of the answers of every repeat)."""
    gates = []
    for result in results:
        required = result.required_pass_rate
        rate = result.pass_rate
        if rate is None:
            message = f"{result.metric}: no prompt to check"
        elif not result.passed:
            judged = "prompts" if result.runs <= 1 else f"answers ({result.runs} runs)"
            message = f"{result.metric}: {len(result.failures)} of {result.total} {judged} failed"
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


def cost_gate(max_cost: float, cost: RunCost | None, has_results: bool, runs: int = 1) -> GateResult:
    """Each run cost at most ``max_cost`` dollars: ``cost`` is what ``runs`` runs (a repeat group's used runs)
    cost together, so the gate compares its share per run."""
    name = f"cost <= ${max_cost:g}" if runs <= 1 else f"cost per run <= ${max_cost:g}"
    if cost is None:
        reason = "the run has no results to cost" if not has_results else "the price table has no price for this agent"
        return GateResult(
            kind=GateKind.MAX_COST, name=name, passed=True, threshold=max_cost, message=reason, applied=False
        )
    per_run = cost.total / max(runs, 1)
    message = ""
    if per_run > max_cost:
        message = f"cost ${cost.total:.4g} is above ${max_cost:g}"
        if runs > 1:
            message = f"cost per run ${per_run:.4g} (${cost.total:.4g} over {runs} runs) is above ${max_cost:g}"
    if message and cost.uncounted:
        message += f" ({cost.uncounted} token counts missing or malformed: the cost is a lower bound)"
    return GateResult(
        kind=GateKind.MAX_COST, name=name, passed=not message, threshold=max_cost, actual=per_run, message=message
    )


def _logs(counts: Sequence[tuple[str | None, float | None]]) -> list[tuple[str | None, float]]:
    # A prompt without a count pairs with nothing: counted as left out.
    return [(key, math.nan if count is None else math.log(count)) for key, count in counts]


def _counts(
    items: Sequence[EvaluationPrompt] | Sequence[tuple[str | None, float | None]],
) -> list[tuple[str | None, float | None]]:
    return [item if isinstance(item, tuple) else (slice_key(item.input), output_token_count(item)) for item in items]


def output_tokens_gate(
    pct: float,
    prompts: Sequence[EvaluationPrompt] | Sequence[tuple[str | None, float | None]],
    baseline: Sequence[EvaluationPrompt] | Sequence[tuple[str | None, float | None]] | None,
    *,
    reason: str,
    settings: GateSettings,
) -> GateResult:
    """Output tokens per prompt grew by at most ``pct`` percent against the baseline (see the module docs).

    ``prompts`` and ``baseline``: the prompts, or each prompt's (input, output tokens): a repeat group's mean over
    its repeats."""
    name = f"output tokens grow by at most {pct:g}%"
    kind = GateKind.OUTPUT_TOKENS_INCREASE
    if baseline is None:
        return not_applied_gate(name, kind, None, pct, reason, settings.require_baseline)
    pairing = pair_by_input(_logs(_counts(prompts)), _logs(_counts(baseline)))
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
    answers: GroupAnswers | None = None,
    baseline_answers: GroupAnswers | None = None,
) -> tuple[list[GateResult], dict[str, Any]]:
    """Every gate of this module that ``settings`` asks for, in a fixed order, and what an agent's result carries
    about its answers (``checks``, ``tokens``, ``baseline_tokens``, ``cost``, ``wall_time``). ``baseline``: the
    baseline's prompts when the run was compared with one. ``answers`` (and ``baseline_answers``): a repeat group's
    tokens and per-prompt output tokens over every used run, in place of those of ``prompts`` (``baseline``)."""
    tokens = None
    if has_results:
        tokens = token_usage(prompts) if answers is None else answers.tokens
    keys = () if run is None else (run.agent_name, run.agent_uuid, run.agent_deployment_name)
    cost = None if tokens is None else cost_of(tokens, settings.pricing, keys)
    gates = check_gates(checks)
    reason = baseline_missing or ("the run has no results to compare" if not has_results else "no baseline")
    if not has_results:
        settings = attrs.evolve(settings, require_baseline=False)  # a run without results fails its own gate
    if settings.max_cost is not None:
        gates.append(cost_gate(settings.max_cost, cost, has_results, 1 if answers is None else answers.runs))
    if settings.max_output_tokens_increase_pct is not None:
        mine = prompts if answers is None else answers.output_tokens
        before = baseline if baseline is None or baseline_answers is None else baseline_answers.output_tokens
        gates.append(
            output_tokens_gate(settings.max_output_tokens_increase_pct, mine, before, reason=reason, settings=settings)
        )
    baseline_tokens = None
    if baseline is not None:
        baseline_tokens = token_usage(baseline) if baseline_answers is None else baseline_answers.tokens
    fields = {
        "checks": tuple(checks),
        "tokens": tokens,
        "baseline_tokens": baseline_tokens,
        "cost": cost,
        "wall_time": wall_time(run),
    }
    return gates, fields
