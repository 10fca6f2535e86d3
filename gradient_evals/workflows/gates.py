"""The gates of an evaluation: what they check (:class:`GateSettings`) and how each one is decided on a run.

- **run finished**: FAILED, CANCELLED or timed out fails it; PARTIALLY_SUCCESSFUL fails it only with
  ``require_complete``, which also fails on any errored or skipped metric result.
- **fail_under** on each named metric's score (a ceiling for an inverted metric).
- **max_regression** on each named metric's change against the baseline. Without a baseline the gate is *not
  applied*, with the reason, unless ``require_baseline`` makes it fail. Per-slice regressions are decided where
  the slices are built (:mod:`gradient_evals.workflows.report`).

A regression gate is decided on the prompts paired by input (``regression_test="paired"``, the default): *failed*
when the whole 95% interval of the change is worse than the allowed worsening, *passed* when it is all within it,
*inconclusive* when it straddles it (failing the verdict only with ``require_conclusive``), and *not applied*
when under 90% of the prompts pair. An agent's gated metrics are decided together with Holm's correction.
``regression_test="point"`` compares the two means alone, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import attrs

from ..checks import Check
from ..statistics import INTERVALS, PairedComparison, apply_holm
from ..types import EvaluationRun
from .compare_paired import Interval, describe_change, slice_key
from .compare_results import RunComparison
from .evaluate_results import GateKind, GateResult
from .summary_results import RunSummary
from .usage_results import Pricing

__all__ = [
    "INTERVALS",
    "NO_SLICE",
    "REGRESSION_TESTS",
    "GateSettings",
    "Interval",
    "RegressionTest",
    "complete_gate",
    "not_applied_gate",
    "regression_gates",
    "score_gates",
    "slice_key",
    "status_gate",
]

RegressionTest = Literal["paired", "point"]
REGRESSION_TESTS: Final[tuple[RegressionTest, ...]] = ("paired", "point")


NO_SLICE: Final = "(no slice)"
"""The slice of prompts whose input text is not in the dataset the slices came from."""


@attrs.frozen(kw_only=True)
class GateSettings:
    """What the gates check; see the module documentation."""

    fail_under: Mapping[str, float] = attrs.field(factory=dict)
    max_regression: Mapping[str, float] = attrs.field(factory=dict)
    pass_thresholds: Mapping[str, float] = attrs.field(factory=dict)
    inverted: frozenset[str] = frozenset()
    require_complete: bool = False
    require_baseline: bool = False
    """A regression gate without a baseline fails (instead of being reported as not applied)."""
    slice_by: str | None = None
    slices: Mapping[str, str] = attrs.field(factory=dict)
    """Prompt input text (see :func:`slice_key`) -> the value of the ``slice_by`` column."""
    checks: tuple[Check, ...] = ()
    """Checks run on every prompt's answer (each a ``check:<name>`` metric and a gate)."""
    pricing: Pricing | None = None
    max_cost: float | None = None
    max_output_tokens_increase_pct: float | None = None
    regression_test: RegressionTest = "paired"
    """``"paired"``: decide a regression on the prompts paired by input; ``"point"``: on the two means alone."""
    interval: Interval = "t"
    """The interval of a numeric metric's paired change: paired t, or a bootstrap of the prompts."""
    require_conclusive: bool = False
    """An inconclusive regression gate fails (instead of being reported as inconclusive and not failing)."""

    def prompt_threshold(self, metric: str) -> float | None:
        """The per-prompt pass threshold of a numeric metric, if it has one."""
        if metric in self.pass_thresholds:
            return self.pass_thresholds[metric]
        return self.fail_under.get(metric)

    def worse(self, metric: str, value: float, than: float) -> bool:
        """True when ``value`` is worse than ``than`` for this metric."""
        return value > than if metric in self.inverted else value < than

    def worsening(self, metric: str, delta: float) -> float:
        """How much a change of score made it worse (positive: worse; negative: better)."""
        return delta if metric in self.inverted else -delta


def status_gate(run: EvaluationRun | None, timed_out: bool, settings: GateSettings) -> GateResult:
    status = None if run is None else run.status
    text = str(getattr(status, "value", status)).removeprefix("EVALUATION_RUN_")
    if timed_out:
        seen = "no status was read before it" if status is None else f"last status {text}"
        message = f"the run did not finish before the deadline ({seen})"
    elif status in ("EVALUATION_RUN_FAILED", "EVALUATION_RUN_CANCELLED"):
        detail = "" if run is None or not run.error_description else f": {run.error_description}"
        message = f"the run ended {text}{detail}"
    elif status == "EVALUATION_RUN_PARTIALLY_SUCCESSFUL" and settings.require_complete:
        message = "the run is PARTIALLY_SUCCESSFUL (some prompts have no results) and complete results are required"
    else:
        message = ""
    return GateResult(kind=GateKind.RUN_STATUS, name="run finished", passed=not message, message=message)


def complete_gate(errored: Mapping[str, int], skipped: Mapping[str, int]) -> GateResult:
    parts = [f"{name} errored on {n}" for name, n in sorted(errored.items())]
    parts += [f"{name} was skipped on {n}" for name, n in sorted(skipped.items())]
    message = "" if not parts else "incomplete results: " + ", ".join(parts) + " prompts"
    return GateResult(
        kind=GateKind.COMPLETE, name="every metric scored on every prompt", passed=not parts, message=message
    )


def not_applied_gate(
    name: str, kind: GateKind, metric: str | None, allowed: float | None, reason: str, required: bool
) -> GateResult:
    """A gate that could not be checked: not applied (with the reason), or failed when a baseline is required."""
    message = f"{reason}, and a baseline is required" if required else reason
    return GateResult(
        kind=kind, name=name, passed=not required, metric=metric, threshold=allowed, message=message, applied=False
    )


def score_gates(
    summary: RunSummary | None,
    comparison: RunComparison | None,
    settings: GateSettings,
    baseline_missing: str | None = None,
) -> list[GateResult]:
    gates = []
    for metric, floor in settings.fail_under.items():
        inverted = metric in settings.inverted
        name = f"{metric} {'<=' if inverted else '>='} {floor:g}"
        found = None if summary is None else summary.metric(metric)
        score = None if found is None else found.score
        if summary is None:
            message = f"{metric}: no results to score"
        elif found is None:
            message = f"{metric}: not in the run's results"
        elif score is None:
            message = f"{metric}: has no numeric score to compare with {floor:g}"
        elif settings.worse(metric, score, floor):
            message = f"{metric}: {score:.4g} is {'above' if inverted else 'below'} {floor:g}"
        else:
            message = ""
        gates.append(
            GateResult(
                kind=GateKind.FAIL_UNDER,
                name=name,
                passed=not message,
                metric=metric,
                threshold=floor,
                actual=score,
                message=message,
            )
        )
    if comparison is None:
        # Every gate asked for stays in the verdict: one that cannot be checked says why.
        required = settings.require_baseline and summary is not None
        reason = baseline_missing or ("the run has no results to compare" if summary is None else "no baseline")
        for metric, allowed in settings.max_regression.items():
            name = f"{metric} worsens by at most {allowed:g}"
            gates.append(not_applied_gate(name, GateKind.MAX_REGRESSION, metric, allowed, reason, required))
        return gates
    return gates + regression_gates(comparison, settings)


def _gated(comparison: RunComparison, settings: GateSettings) -> dict[str, PairedComparison]:
    """The statistics of the gated metrics, decided together (Holm), by metric."""
    found = {
        metric: statistics
        for metric in settings.max_regression
        if (compared := comparison.metrics.get(metric)) is not None and (statistics := compared.statistics) is not None
    }
    return dict(zip(found, apply_holm(list(found.values())), strict=True))


def regression_gates(comparison: RunComparison, settings: GateSettings) -> list[GateResult]:
    """One gate per ``max_regression`` metric, decided as the module documentation says."""
    decided = _gated(comparison, settings)
    return [
        _regression_gate(metric, allowed, comparison, decided.get(metric), settings)
        for metric, allowed in settings.max_regression.items()
    ]


def _regression_gate(
    metric: str, allowed: float, comparison: RunComparison, statistic: PairedComparison | None, settings: GateSettings
) -> GateResult:
    name = f"{metric} worsens by at most {allowed:g}"
    found = comparison.metrics.get(metric)
    delta = None if found is None else found.delta
    worse_by = None if delta is None else settings.worsening(metric, delta)
    outcome = None
    if worse_by is None:
        message = f"{metric}: not scored in both this run and the baseline"
    elif settings.regression_test == "point" or statistic is None:
        message = f"{metric}: got worse by {worse_by:.4g} points (allowed {allowed:g})" if worse_by > allowed else ""
    elif statistic.outcome == "not_applied":
        reason = f"{metric}: {statistic.reason}"
        gate = not_applied_gate(name, GateKind.MAX_REGRESSION, metric, allowed, reason, settings.require_baseline)
        return attrs.evolve(gate, statistics=statistic)
    else:
        outcome = statistic.outcome
        change = describe_change(metric, statistic)
        message = "" if outcome == "passed" else f"{change}: {statistic.reason}"
        if outcome == "inconclusive":
            message = f"inconclusive: {message}{_what_would_decide(statistic)}"
            if settings.require_conclusive:
                message += ", and a conclusive result is required"
    passed = not message or (outcome == "inconclusive" and not settings.require_conclusive)
    gate = GateResult(
        kind=GateKind.MAX_REGRESSION,
        name=name,
        passed=passed,
        metric=metric,
        threshold=allowed,
        actual=worse_by,
        message=message,
        statistics=statistic,
    )
    return gate if outcome is None else attrs.evolve(gate, outcome=outcome)


def _what_would_decide(statistic: PairedComparison) -> str:
    """For an inconclusive gate: the worsening these prompts can detect, and the prompts that would decide."""
    parts = []
    if statistic.mde is not None:
        parts.append(f"{statistic.n} prompts detect a worsening of {statistic.mde:.3g}")
    if statistic.prompts_needed is not None:
        parts.append(f"about {statistic.prompts_needed} would decide one of {statistic.max_regression:g}")
    return "" if not parts else " (" + "; ".join(parts) + ")"
