"""The verdict of a run comparison (``runs compare``, ``client.evaluation_runs.compare``).

A worsening is decided as ``evaluate``'s ``max_regression`` gate decides it (:mod:`gradient_evals.statistics`): on
the prompts the two runs share, paired, against the allowed worsening (the metric's tolerance, or what a
non-positive threshold allows). It fails when the change is confidently worse than allowed; when the prompts
cannot tell, it is inconclusive: a note says so and the verdict passes, unless a conclusive result is required.
Where no pairing is possible (fewer than two shared prompts, a metric scored on one side only), the two scores
decide and a note says that too. ``regression_test="point"`` decides every gate on the two scores alone, and a
positive threshold (the score must improve by that much) is always decided on them.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..statistics import PairedComparison
from .compare_paired import describe_change
from .compare_results import MetricComparison
from .gates import RegressionTest
from .summary_results import Verdict, score_failure

__all__ = ["comparison_verdict", "threshold_margins"]


def threshold_margins(thresholds: Mapping[str, float]) -> dict[str, float]:
    """The worsening each non-positive threshold allows (``-2``: 2 points), the margin its paired test is run at."""
    return {name: -allowed for name, allowed in thresholds.items() if allowed <= 0}


def _worsening(
    name: str,
    point_failure: str | None,
    statistic: PairedComparison | None,
    test: RegressionTest,
    require_conclusive: bool,
) -> tuple[str | None, str | None]:
    """(why the gate fails, a note) for "``name`` worsens by no more than allowed"."""
    if test == "point":
        return point_failure, None
    if statistic is None or statistic.outcome == "not_applied":
        why = "no prompt scored on both sides" if statistic is None else statistic.reason
        return point_failure, f"{name}: decided on the two scores, not on paired prompts ({why})"
    if statistic.outcome == "passed":
        return None, None
    change = describe_change(name, statistic)
    if statistic.outcome == "failed":
        return f"{change}: {statistic.reason}", None
    inconclusive = f"inconclusive: {change}: {statistic.reason}"
    if require_conclusive:
        return f"{inconclusive}, and a conclusive result is required", None
    return None, inconclusive


def comparison_verdict(
    metrics: Mapping[str, MetricComparison],
    thresholds: Mapping[str, float],
    min_scores: Mapping[str, float],
    tolerance: float,
    tolerances: Mapping[str, float],
    *,
    test: RegressionTest = "paired",
    require_conclusive: bool = False,
) -> Verdict:
    """The verdict on ``metrics`` (see the module documentation)."""
    reasons: list[str] = []
    notes: list[str] = []

    def decide(failure: str | None, note: str | None) -> None:
        reasons.extend([failure] if failure else [])
        notes.extend([note] if note else [])

    for name, allowed in thresholds.items():
        comparison = metrics.get(name)
        improvement = None if comparison is None else comparison.improvement
        if comparison is None or improvement is None:
            reasons.append(f"{name}: not scored in both runs, cannot check a change of at least {allowed:+g}")
            continue
        failure = None
        if improvement < allowed:
            direction = " (lower is better: a fall counts as a gain)" if comparison.inverted else ""
            failure = f"{name}: improved by {improvement:+.4g}, the threshold asks {allowed:+g}{direction}"
        if allowed > 0:
            decide(failure, None)
        else:
            decide(*_worsening(name, failure, comparison.statistics, test, require_conclusive))
    for name, bound in min_scores.items():
        comparison = metrics.get(name)
        candidate = None if comparison is None else comparison.candidate
        if candidate is None:
            reasons.append(f"{name}: the candidate has no score to compare with {bound:g}")
            continue
        reason = score_failure(candidate, bound, "the candidate's ")
        if reason is not None:
            reasons.append(f"{name}: {reason}")
    if not thresholds and not min_scores:
        for name, comparison in metrics.items():
            improvement = comparison.improvement
            if improvement is None:
                continue
            slack = tolerances.get(name, tolerance)
            failure = None
            if improvement < -slack:
                moved = "rose" if comparison.inverted else "dropped"
                failure = f"{name}: {moved} by {-improvement:.4g} (tolerance {slack:g})"
            decide(*_worsening(name, failure, comparison.statistics, test, require_conclusive))
    return Verdict(passed=not reasons, reasons=tuple(reasons), notes=tuple(notes))
