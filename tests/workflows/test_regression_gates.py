"""Regression gates decided on the prompts paired by input: passed, failed, inconclusive or not applied."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import attrs
import pytest
from reports.report_pages import AGENT_A, pages, prompt, run, uuid_of

from gradient_evals.results import AgentResult, GateResult
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result

pytestmark = pytest.mark.anyio


def _scores(n: int, shift: float, seed: int, noise: float = 6.0) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    difficulty = [rng.gauss(70, 10) for _ in range(n)]
    base = [min(100.0, max(0.0, d + rng.gauss(0, noise))) for d in difficulty]
    cand = [min(100.0, max(0.0, d + shift + rng.gauss(0, noise))) for d in difficulty]
    return cand, base


async def _agent(
    candidate: Sequence[dict[str, object]],
    baseline: Sequence[dict[str, object]],
    settings: GateSettings,
    *,
    candidate_inputs: Sequence[str] | None = None,
) -> AgentResult:
    inputs = candidate_inputs or [f"question {i}" for i in range(len(candidate))]
    cand = [prompt(i + 1, inputs[i], values) for i, values in enumerate(candidate)]  # type: ignore[arg-type]
    base = [prompt(i + 1, f"question {i}", values) for i, values in enumerate(baseline)]  # type: ignore[arg-type]
    the_run = run(uuid_of(1), AGENT_A, "alpha")
    return await build_agent_result(
        run_uuid=uuid_of(1),
        run=the_run,
        pages=pages(cand, the_run, per_page=50),
        settings=settings,
        baseline_run_uuid=uuid_of(2),
        baseline_pages=pages(base, per_page=50),
    )


def _gate(agent: AgentResult, metric: str = "correctness") -> GateResult:
    return next(g for g in agent.gates if g.metric == metric and g.kind == "max_regression")


async def _numeric(shift: float, n: int, settings: GateSettings, seed: int = 1) -> AgentResult:
    cand, base = _scores(n, shift, seed)
    return await _agent([{"correctness": c} for c in cand], [{"correctness": b} for b in base], settings)


async def test_a_clear_worsening_fails_with_its_statistics() -> None:
    agent = await _numeric(-15.0, 100, GateSettings(max_regression={"correctness": 5}))
    gate = _gate(agent)
    assert gate.outcome == "failed"
    assert not gate.passed
    stats = gate.statistics
    assert stats is not None
    assert stats.method == "paired-t"
    assert stats.n == 100
    assert stats.ci_high is not None
    assert stats.ci_high < -5
    assert "got worse by" in gate.message
    assert "100 paired prompts" in gate.message
    assert not agent.passed


async def test_noise_within_the_allowance_passes() -> None:
    gate = _gate(await _numeric(0.0, 200, GateSettings(max_regression={"correctness": 5})))
    assert gate.outcome == "passed"
    assert gate.passed
    assert gate.statistics is not None
    assert gate.statistics.prompts_needed is None


_BASE = [80.0, 72.0, 65.0, 90.0, 58.0, 77.0]
_CHANGE = [-12.0, 2.0, -8.0, 1.0, -6.0, -7.0]  # mean -5: the interval of six prompts straddles a margin of 5


async def _six(settings: GateSettings) -> AgentResult:
    cand = [b + d for b, d in zip(_BASE, _CHANGE, strict=True)]
    return await _agent([{"correctness": c} for c in cand], [{"correctness": b} for b in _BASE], settings)


async def test_too_few_prompts_are_inconclusive_and_fail_only_when_conclusive_results_are_required() -> None:
    settings = GateSettings(max_regression={"correctness": 5})
    loose = _gate(await _six(settings))
    assert loose.outcome == "inconclusive"
    assert loose.status == "inconclusive"
    assert loose.passed
    assert loose.message.startswith("inconclusive: ")
    assert loose.statistics is not None
    assert loose.statistics.prompts_needed is not None
    assert f"about {loose.statistics.prompts_needed} would decide" in loose.message
    strict = await _six(GateSettings(max_regression={"correctness": 5}, require_conclusive=True))
    gate = _gate(strict)
    assert gate.outcome == "inconclusive"
    assert not gate.passed
    assert not strict.passed
    assert "a conclusive result is required" in gate.message


async def test_the_point_rule_compares_the_means_alone() -> None:
    settings = GateSettings(max_regression={"correctness": 4.5}, regression_test="point")
    gate = _gate(await _six(settings))
    assert gate.outcome == "failed"
    assert gate.actual == pytest.approx(5.0)
    assert _gate(await _six(attrs.evolve(settings, regression_test="paired"))).outcome == "inconclusive"
    assert "got worse by" in gate.message


@pytest.mark.parametrize("required", [False, True])
async def test_under_ninety_percent_paired_is_not_comparable(required: bool) -> None:
    cand, base = _scores(20, -30.0, 4)
    inputs = [f"question {i}" for i in range(17)] + ["new 1", "new 2", "new 3"]  # 17 of 20 pair: 85%
    settings = GateSettings(max_regression={"correctness": 5}, require_baseline=required)
    agent = await _agent(
        [{"correctness": c} for c in cand], [{"correctness": b} for b in base], settings, candidate_inputs=inputs
    )
    gate = _gate(agent)
    assert gate.outcome == "not_applied"
    assert not gate.applied
    assert gate.passed is not required
    assert "not comparable: 17 of the candidate's 20 prompts paired" in gate.message
    assert "3 only in the candidate" in gate.message


async def test_non_finite_values_are_left_out_and_counted() -> None:
    cand, base = _scores(40, 0.0, 5)
    cand[0] = math.nan
    base[1] = math.inf
    agent = await _agent(
        [{"correctness": c} for c in cand],
        [{"correctness": b} for b in base],
        GateSettings(max_regression={"correctness": 5}),
    )
    stats = _gate(agent).statistics
    assert stats is not None
    assert stats.n == 38
    assert stats.left_out == 2
    assert all(v is None or math.isfinite(v) for v in stats.to_dict().values() if not isinstance(v, str))


async def test_an_inverted_metric_that_rises_fails() -> None:
    cand, base = _scores(100, 20.0, 6)
    settings = GateSettings(max_regression={"hallucination": 5}, inverted=frozenset({"hallucination"}))
    agent = await _agent([{"hallucination": c} for c in cand], [{"hallucination": b} for b in base], settings)
    gate = _gate(agent, "hallucination")
    assert gate.outcome == "failed"
    assert gate.statistics is not None
    assert gate.statistics.delta is not None
    assert gate.statistics.delta > 0


async def test_a_pass_fail_metric_is_decided_by_mcnemar_in_points() -> None:
    base = ["pass"] * 300
    cand = ["fail" if i < 60 else "pass" for i in range(300)]  # 20 points of pass rate lost
    agent = await _agent(
        [{"tone": v} for v in cand], [{"tone": v} for v in base], GateSettings(max_regression={"tone": 5})
    )
    gate = _gate(agent, "tone")
    assert gate.statistics is not None
    assert gate.statistics.method == "mcnemar-exact"
    assert gate.statistics.delta == pytest.approx(-20.0)
    assert gate.outcome == "failed"


async def test_holm_keeps_more_gated_metrics_from_meaning_more_false_alarms() -> None:
    # correctness alone fails narrowly; judged with four steady metrics beside it, it is no longer decided.
    for seed in range(300):
        cand, base = _scores(60, -8.0, seed)
        alone = await _agent(
            [{"correctness": c} for c in cand],
            [{"correctness": b} for b in base],
            GateSettings(max_regression={"correctness": 5}),
        )
        stats = _gate(alone).statistics
        narrow = stats is not None and stats.p_worse is not None and stats.p_worse > 0.025 / 5
        if _gate(alone).outcome == "failed" and narrow:
            break
    else:
        pytest.fail("no narrowly failing sample found")
    others = {f"m{k}": _scores(60, 0.0, 1000 + k)[0] for k in range(4)}
    margins = {"correctness": 5.0, **dict.fromkeys(others, 5.0)}
    together = await _agent(
        [{"correctness": c, **{k: v[i] for k, v in others.items()}} for i, c in enumerate(cand)],
        [{"correctness": b, **{k: v[i] for k, v in others.items()}} for i, b in enumerate(base)],
        GateSettings(max_regression=margins),
    )
    gate = _gate(together)
    assert gate.outcome == "inconclusive"
    assert "Holm" in gate.message
    assert gate.statistics is not None
    assert gate.statistics.p_adjusted is not None
    assert gate.statistics.p_value is not None
    assert gate.statistics.p_adjusted >= gate.statistics.p_value


async def test_a_slice_regression_uses_the_paired_machinery() -> None:
    cand, base = _scores(60, 0.0, 7)
    cand = [c - 40 if i < 20 else c for i, c in enumerate(cand)]  # the first 20 prompts (slice "a") fall 40
    slices = {f"question {i}": ("a" if i < 20 else "b") for i in range(60)}
    settings = GateSettings(max_regression={"correctness": 5}, slice_by="topic", slices=slices)
    agent = await _agent([{"correctness": c} for c in cand], [{"correctness": b} for b in base], settings)
    regressed = {s.name: s.regressed for s in agent.slices}
    assert regressed == {"a": ("correctness",), "b": ()}
    assert any(r.startswith("slice topic=a: correctness: got worse by") for r in agent.verdict.reasons)


async def test_a_decided_gate_says_how_many_prompts_were_in_one_run_only() -> None:
    cand, base = _scores(100, -15.0, 9)
    inputs = [f"question {i}" for i in range(95)] + [f"new {i}" for i in range(5)]  # 95% pair
    agent = await _agent(
        [{"correctness": c} for c in cand],
        [{"correctness": b} for b in base],
        GateSettings(max_regression={"correctness": 5}),
        candidate_inputs=inputs,
    )
    gate = _gate(agent)
    assert gate.outcome == "failed"
    assert "95 paired prompts, 5 only in this run, 5 only in the baseline" in gate.message
    assert gate.statistics is not None
    assert (gate.statistics.only_candidate, gate.statistics.only_baseline) == (5, 5)


async def test_the_bootstrap_interval_is_seeded_by_the_two_runs() -> None:
    settings = GateSettings(max_regression={"correctness": 5}, interval="bootstrap")
    first = _gate(await _numeric(-3.0, 80, settings, seed=10)).statistics
    again = _gate(await _numeric(-3.0, 80, settings, seed=10)).statistics
    paired_t = _gate(await _numeric(-3.0, 80, GateSettings(max_regression={"correctness": 5}), seed=10)).statistics
    assert first is not None
    assert again is not None
    assert paired_t is not None
    assert first.method == "paired-bootstrap"
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (paired_t.ci_low, paired_t.ci_high)
    assert first.p_value == paired_t.p_value
