"""The gates on cost and output tokens, decided on scripted prompts: passed, failed, inconclusive (failing only
with require_conclusive) and not applied (no baseline, too few prompts paired, no price)."""

from __future__ import annotations

import pytest

from gradient_evals.results import GateKind
from gradient_evals.types import EvaluationPrompt
from gradient_evals.workflows.answer_gates import cost_gate, output_tokens_gate
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.usage import cost_of, pricing_from, token_usage


def _prompts(counts: list[int]) -> list[EvaluationPrompt]:
    return [EvaluationPrompt(input=f"q{i}", output_tokens=c) for i, c in enumerate(counts)]


LENIENT = GateSettings()
STRICT = GateSettings(require_baseline=True, require_conclusive=True)
BASE = [100 + 3 * (i % 7) for i in range(60)]


def test_output_tokens_gate_passes_fails_and_is_inconclusive() -> None:
    same = output_tokens_gate(20, _prompts(BASE), _prompts(BASE), reason="", settings=LENIENT)
    assert (same.passed, same.applied, same.kind) == (True, True, GateKind.OUTPUT_TOKENS_INCREASE)
    assert same.actual == pytest.approx(0.0)
    double = output_tokens_gate(20, _prompts([2 * c for c in BASE]), _prompts(BASE), reason="", settings=LENIENT)
    assert not double.passed
    assert double.actual == pytest.approx(100.0)
    assert double.message.startswith("output tokens per prompt +100% (geometric mean; 95% interval +100% to +100%")
    noisy = [c * (1.4 if i % 2 else 0.8) for i, c in enumerate(BASE)]
    unsure = output_tokens_gate(10, _prompts([round(c) for c in noisy]), _prompts(BASE), reason="", settings=LENIENT)
    assert (unsure.passed, unsure.applied, unsure.outcome, unsure.status) == (
        True,
        True,
        "inconclusive",
        "inconclusive",
    )
    assert unsure.message.startswith("inconclusive: output tokens per prompt")
    assert unsure.message.endswith("the interval straddles the allowed 10%")
    assert unsure.statistics is not None
    assert unsure.statistics.method == "paired-t"
    required = output_tokens_gate(10, _prompts([round(c) for c in noisy]), _prompts(BASE), reason="", settings=STRICT)
    assert not required.passed
    assert required.message.endswith(", and a conclusive result is required")


def test_output_tokens_gate_without_a_baseline_or_pairs_is_not_applied() -> None:
    missing = output_tokens_gate(20, _prompts(BASE), None, reason="no baseline", settings=LENIENT)
    assert (missing.passed, missing.applied, missing.message) == (True, False, "no baseline")
    required = output_tokens_gate(20, _prompts(BASE), None, reason="no baseline", settings=STRICT)
    assert not required.passed
    other = [EvaluationPrompt(input=f"other {i}", output_tokens=5) for i in range(60)]
    unpaired = output_tokens_gate(20, _prompts(BASE), other, reason="", settings=STRICT)
    assert (unpaired.passed, unpaired.applied) == (True, False)
    assert unpaired.message.startswith("not comparable: 0 prompts paired")


def test_the_cost_gate() -> None:
    usage = token_usage(_prompts([1_000_000]))
    cost = cost_of(usage, pricing_from({"output_per_million": 2.0}), ["bot"])
    assert cost is not None
    assert not cost_gate(1.0, cost, has_results=True).passed
    assert cost_gate(2.0, cost, has_results=True).passed
    unpriced = cost_gate(1.0, None, has_results=True)
    assert (unpriced.passed, unpriced.applied, unpriced.message) == (
        True,
        False,
        "the price table has no price for this agent",
    )


def test_the_cost_gate_of_a_repeat_group_compares_the_cost_per_run() -> None:
    usage = token_usage(_prompts([1_000_000] * 3))  # three runs' answers: $6 in all, $2 a run
    cost = cost_of(usage, pricing_from({"output_per_million": 2.0}), ["bot"])
    assert cost is not None
    within = cost_gate(2.0, cost, has_results=True, runs=3)
    assert (within.passed, within.name, within.actual) == (True, "cost per run <= $2", pytest.approx(2.0))
    above = cost_gate(1.5, cost, has_results=True, runs=3)
    assert not above.passed
    assert above.message.startswith("cost per run $2 ($6 over 3 runs) is above $1.5")
