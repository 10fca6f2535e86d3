"""The paired statistics behind a regression gate: exact against known values and scipy, decided against the
margin, deterministic, and never a NaN."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradient_evals import GradientEvalsError
from gradient_evals.statistics import (
    StatisticsInputError,
    apply_holm,
    binomial_half_cdf,
    compare_numeric,
    compare_pass_fail,
    holm,
    pair_by_input,
    prompts_needed,
)


def _mcnemar_runs(b: int, c: int, n: int) -> tuple[list[bool], list[bool]]:
    """Candidate and baseline outcomes with b prompts only the candidate passes and c only the baseline passes."""
    same = n - b - c
    candidate = [True] * b + [False] * c + [True] * (same // 2) + [False] * (same - same // 2)
    baseline = [False] * b + [True] * c + [True] * (same // 2) + [False] * (same - same // 2)
    return candidate, baseline


def _noisy_runs(n: int, shift: float, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    difficulty = [rng.gauss(70, 12) for _ in range(n)]
    baseline = [d + rng.gauss(0, 6) for d in difficulty]
    candidate = [d + shift + rng.gauss(0, 6) for d in difficulty]
    return candidate, baseline


def test_mcnemar_exact_p_and_an_interval_that_excludes_zero() -> None:
    candidate, baseline = _mcnemar_runs(36, 12, 400)
    result = compare_pass_fail(candidate, baseline, max_regression=5)
    assert result.method == "mcnemar-exact"
    assert result.n == 400
    assert result.p_value == pytest.approx(7.17e-4, abs=1e-6)
    assert result.delta == pytest.approx(6.0)
    assert result.ci_low is not None
    assert result.ci_low > 0
    assert result.ci_high is not None
    assert result.ci_high > result.delta


def test_mcnemar_matches_the_binomial_definition() -> None:
    for b, c in [(0, 0), (0, 5), (7, 7), (3, 20), (100, 80)]:
        candidate, baseline = _mcnemar_runs(b, c, 300)
        expected = (
            1.0 if b + c == 0 else min(1.0, 2 * sum(math.comb(b + c, i) for i in range(min(b, c) + 1)) / 2 ** (b + c))
        )
        assert compare_pass_fail(candidate, baseline, max_regression=5).p_value == pytest.approx(expected, rel=1e-12)


def test_paired_t_interval_and_p_match_scipy() -> None:
    stats = pytest.importorskip("scipy.stats", reason="scipy is the reference the paired t test is checked against")
    for n, shift, seed in [(5, -2.0, 1), (40, 0.5, 2), (200, -4.0, 3), (1000, 0.0, 4)]:
        candidate, baseline = _noisy_runs(n, shift, seed)
        result = compare_numeric(candidate, baseline, max_regression=3)
        expected = stats.ttest_rel(candidate, baseline)
        low, high = expected.confidence_interval(0.95)
        assert result.p_value == pytest.approx(float(expected.pvalue), abs=1e-9)
        assert result.ci_low == pytest.approx(float(low), abs=1e-9)
        assert result.ci_high == pytest.approx(float(high), abs=1e-9)


def test_t_and_binomial_functions_match_scipy() -> None:
    stats = pytest.importorskip("scipy.stats", reason="scipy is the reference the distributions are checked against")
    from gradient_evals.statistics import t_cdf, t_quantile

    for df in (1, 2, 4, 9, 30, 99, 999, 12_000):
        for p in (0.0125, 0.2, 0.8, 0.975, 0.995):
            assert t_quantile(p, df) == pytest.approx(float(stats.t.ppf(p, df)), abs=1e-9)
        for t in (-40.0, -3.0, -0.5, 0.0, 1.0, 2.5, 8.0):
            assert t_cdf(t, df) == pytest.approx(float(stats.t.cdf(t, df)), abs=1e-12)
    for k, n in ((0, 1), (12, 48), (400, 1000), (10_000, 30_000)):
        assert binomial_half_cdf(k, n) == pytest.approx(float(stats.binom.cdf(k, n, 0.5)), rel=1e-9, abs=1e-300)


def test_the_bootstrap_interval_is_the_same_on_every_call() -> None:
    candidate, baseline = _noisy_runs(150, -1.0, 5)
    first = compare_numeric(candidate, baseline, max_regression=3, interval="bootstrap", seed="run-a:run-b")
    again = compare_numeric(candidate, baseline, max_regression=3, interval="bootstrap", seed="run-a:run-b")
    other = compare_numeric(candidate, baseline, max_regression=3, interval="bootstrap", seed="run-a:run-c")
    assert first.method == "paired-bootstrap"
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    t_result = compare_numeric(candidate, baseline, max_regression=3)
    assert first.p_value == t_result.p_value  # the p-value is the paired t test's either way
    assert first.ci_low == pytest.approx(t_result.ci_low, abs=0.3)
    assert first.ci_high == pytest.approx(t_result.ci_high, abs=0.3)


@pytest.mark.parametrize(("shift", "outcome"), [(-12.0, "failed"), (1.0, "passed"), (-5.0, "inconclusive")])
def test_the_decision_against_the_margin(shift: float, outcome: str) -> None:
    candidate, baseline = _noisy_runs(120, shift, 6)
    result = compare_numeric(candidate, baseline, max_regression=5)
    assert result.outcome == outcome, result
    if outcome == "inconclusive":
        assert result.spread is not None
        assert result.prompts_needed == prompts_needed(result.spread, 5, 0.95)
        assert result.mde is not None
        assert result.mde > 0
        assert "straddles" in result.reason
    else:
        assert result.prompts_needed is None


def test_an_inverted_metric_that_rises_is_a_worsening() -> None:
    candidate, baseline = _noisy_runs(120, 12.0, 7)
    assert compare_numeric(candidate, baseline, max_regression=5, higher_is_better=False).outcome == "failed"
    assert compare_numeric(candidate, baseline, max_regression=5, higher_is_better=True).outcome == "passed"


@pytest.mark.parametrize("count", [0, 1])
def test_zero_or_one_pair_is_not_comparable(count: int) -> None:
    numeric = compare_numeric([80.0] * count, [70.0] * count, max_regression=3)
    pass_fail = compare_pass_fail([True] * count, [False] * count, max_regression=3)
    for result in (numeric, pass_fail):
        assert result.outcome == "not_applied"
        assert "not comparable" in result.reason
        assert None is result.delta is result.ci_low is result.ci_high is result.p_value
        assert not any(isinstance(v, float) and math.isnan(v) for v in result.to_dict().values())


def test_identical_runs_pass_with_a_point_interval() -> None:
    result = compare_numeric([70.0, 80.0, 90.0], [70.0, 80.0, 90.0], max_regression=0)
    assert (result.delta, result.ci_low, result.ci_high, result.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert result.outcome == "passed"


def test_non_finite_values_are_left_out_of_the_pairing_and_counted() -> None:
    candidate = [("q1", 80.0), ("q2", math.nan), ("q3", 70.0), ("q4", 60.0), ("q5", 50.0)]
    baseline = [("q1", 75.0), ("q2", 70.0), ("q3", math.inf), ("q4", 65.0), ("q6", 40.0)]
    pairing = pair_by_input(candidate, baseline)
    assert pairing.pairs == ((80.0, 75.0), (60.0, 65.0))
    assert (pairing.left_out, pairing.only_candidate, pairing.only_baseline, pairing.candidate_total) == (2, 1, 1, 5)
    assert "2 non-finite values left out" in pairing.describe()
    assert pairing.not_comparable_reason() is not None  # 2 of 5 paired


def test_pairing_by_key_pairs_repeated_inputs_in_order_and_needs_ninety_percent() -> None:
    candidate = [("same", 1.0), ("same", 2.0)] + [(f"q{i}", float(i)) for i in range(18)]
    baseline = [("same", 10.0), ("same", 20.0)] + [(f"q{i}", float(i)) for i in range(17)]
    pairing = pair_by_input(candidate, baseline)
    assert pairing.pairs[:2] == ((1.0, 10.0), (2.0, 20.0))
    assert pairing.n == 19
    assert pairing.not_comparable_reason() is None  # 19 of 20 = 95%
    short = pair_by_input(candidate, baseline[:15])
    assert short.n == 15
    assert "15 of the candidate's 20 prompts paired" in (short.not_comparable_reason() or "")


def test_holm_adjusts_step_down() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_holm_keeps_a_borderline_failure_from_being_a_false_alarm() -> None:
    rng = random.Random(8)
    borderline = None
    for seed in range(200):  # a failure whose one-sided p lies between alpha/3 and alpha
        candidate, baseline = _noisy_runs(100, -7.5, seed)
        result = compare_numeric(candidate, baseline, max_regression=5)
        if result.outcome == "failed" and result.p_worse is not None and 0.025 / 3 < result.p_worse < 0.025:
            borderline = result
            break
    assert borderline is not None
    candidate, baseline = _noisy_runs(100, 0.0, rng.randrange(1000))
    others = [compare_numeric(candidate, baseline, max_regression=5) for _ in range(2)]
    alone = apply_holm([borderline])[0]
    together = apply_holm([borderline, *others])
    assert alone.outcome == "failed"
    assert together[0].outcome == "inconclusive"
    assert "Holm" in together[0].reason
    assert together[0].prompts_needed is not None
    assert together[0].p_value == borderline.p_value
    assert together[0].p_adjusted is not None
    assert together[0].p_adjusted >= borderline.p_value


@pytest.mark.parametrize(
    "margin", [-1.0, math.nan, math.inf, "5", True], ids=["negative", "nan", "inf", "text", "bool"]
)
def test_a_bad_margin_is_a_typed_error(margin: object) -> None:
    with pytest.raises(StatisticsInputError, match="max_regression") as caught:
        compare_numeric([1.0, 2.0], [1.0, 2.0], max_regression=margin)  # type: ignore[arg-type]
    assert isinstance(caught.value, GradientEvalsError)
    with pytest.raises(StatisticsInputError, match="max_regression"):
        compare_pass_fail([True, False], [True, True], max_regression=margin)  # type: ignore[arg-type]


def test_other_bad_input_is_a_typed_error() -> None:
    with pytest.raises(StatisticsInputError, match="interval"):
        compare_numeric([1.0, 2.0], [1.0, 2.0], max_regression=1, interval="normal")  # type: ignore[arg-type]
    with pytest.raises(StatisticsInputError, match="pairs"):
        compare_numeric([1.0, 2.0], [1.0], max_regression=1)


def test_prompts_needed_decides_the_margin_at_eighty_percent_power() -> None:
    from gradient_evals.statistics import detectable_change

    needed = prompts_needed(10.0, 2.0, 0.95)
    assert needed is not None
    assert detectable_change(10.0, needed, 0.95) <= 2.0 < detectable_change(10.0, needed - 1, 0.95)
    assert prompts_needed(0.0, 2.0, 0.95) == 2
    assert prompts_needed(10.0, 0.0, 0.95) is None


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(st.tuples(finite, finite), min_size=0, max_size=40), st.floats(min_value=0, max_value=100))
def test_every_comparison_is_finite_and_ordered(pairs: list[tuple[float, float]], margin: float) -> None:
    result = compare_numeric([c for c, _ in pairs], [b for _, b in pairs], max_regression=margin)
    numbers = [v for v in result.to_dict().values() if isinstance(v, float)]
    assert all(math.isfinite(v) for v in numbers)
    if result.outcome != "not_applied":
        assert result.ci_low is not None
        assert result.ci_high is not None
        assert result.delta is not None
        assert result.ci_low <= result.delta + 1e-6 * (1 + abs(result.delta))
        assert result.delta <= result.ci_high + 1e-6 * (1 + abs(result.delta))
        assert 0.0 <= (result.p_value or 0.0) <= 1.0


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=0, max_size=60))
def test_pass_fail_comparisons_are_finite_and_bounded(pairs: list[tuple[bool, bool]]) -> None:
    result = compare_pass_fail([c for c, _ in pairs], [b for _, b in pairs], max_regression=5)
    if result.outcome == "not_applied":
        assert len(pairs) < 2
        return
    assert result.p_value is not None
    assert 0.0 < result.p_value <= 1.0
    assert result.ci_low is not None
    assert result.ci_high is not None
    assert -100.0 <= result.ci_low < result.ci_high <= 100.0


def test_differences_near_the_float_limits_are_not_comparable_rather_than_an_error() -> None:
    result = compare_numeric([1e308, -1e308, 1e308], [5e307, -5e307, -5e307], max_regression=5)
    assert result.outcome == "not_applied"
    assert "too large" in result.reason
