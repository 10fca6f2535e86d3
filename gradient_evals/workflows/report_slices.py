"""Slices of a run (``slice_by``): each slice's summary, and ``max_regression`` applied within every slice.

A prompt belongs to the slice its dataset row names (``GateSettings.slices``, by input), else to
:data:`~gradient_evals.workflows.gates.NO_SLICE`. A slice regresses as the agent's gates do: on the prompts of the
slice paired with the baseline's (Holm across the gated metrics), or on the two means with ``regression_test="point"``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from ..statistics import apply_holm
from ..types import EvaluationPrompt
from .compare_paired import describe_change, input_key, paired_metrics
from .evaluate_results import PromptOutcome, SliceResult
from .gates import NO_SLICE, GateSettings, slice_key
from .summary import RunStats
from .summary_results import RunSummary

__all__ = ["slice_results"]

_Sliced = tuple[dict[str, RunSummary], dict[str, list[tuple[Hashable, dict[str, float]]]]]


def _slice_stats(prompts: Sequence[EvaluationPrompt], run_uuid: str, settings: GateSettings) -> _Sliced:
    """Each slice's summary, and its prompts' values keyed for pairing."""
    stats: dict[str, RunStats] = {}
    keyed: dict[str, list[tuple[Hashable, dict[str, float]]]] = {}
    for position, prompt in enumerate(prompts):
        name = settings.slices.get(slice_key(prompt.input) or "", NO_SLICE)
        if name not in stats:
            stats[name] = RunStats(run_uuid, dict(settings.pass_thresholds))
            keyed[name] = []
        keyed[name].append((input_key(prompt.input, position), stats[name].add(prompt)))
    return {name: s.summary() for name, s in stats.items()}, keyed


def _slice_regressions(
    name: str, summary: RunSummary, base: RunSummary, keyed: _Sliced, base_keyed: _Sliced, settings: GateSettings
) -> tuple[list[str], list[str]]:
    """The gated metrics that regressed in one slice, and why (paired like the agent's gates, or on the means)."""
    regressed, reasons = [], []
    where = f"slice {settings.slice_by}={name}"
    if settings.regression_test == "point":
        for metric, allowed in settings.max_regression.items():
            now, before = summary.metric(metric), base.metric(metric)
            if now is None or before is None or now.score is None or before.score is None:
                continue
            worse_by = settings.worsening(metric, now.score - before.score)
            if worse_by > allowed:
                regressed.append(metric)
                reasons.append(
                    f"{where}: {metric} got worse by {worse_by:.4g} "
                    f"({before.score:.4g} -> {now.score:.4g}; allowed {allowed:g})"
                )
        return regressed, reasons
    compared = paired_metrics(
        keyed[1].get(name, []),
        base_keyed[1].get(name, []),
        {m: (summary.metric(m), base.metric(m)) for m in settings.max_regression},
        margins=settings.max_regression,
        default_margin=0.0,
        inverted=settings.inverted,
        interval=settings.interval,
        seed=f"{settings.slice_by}={name}",
    )
    for metric, statistic in zip(compared, apply_holm(list(compared.values())), strict=True):
        if statistic.outcome == "failed":
            regressed.append(metric)
            reasons.append(f"{where}: {describe_change(metric, statistic)}: {statistic.reason}")
    return regressed, reasons


def slice_results(
    prompts: Sequence[EvaluationPrompt],
    outcomes: Sequence[PromptOutcome],
    baseline: Sequence[EvaluationPrompt] | None,
    run_uuid: str,
    settings: GateSettings,
) -> tuple[tuple[SliceResult, ...], list[str]]:
    """Each slice's result (its summary, failed prompts and the metrics that regressed in it against the baseline's
    prompts of that slice), and the reasons of those regressions for the agent's gates."""
    mine = _slice_stats(prompts, run_uuid, settings)
    base = _slice_stats(baseline, run_uuid, settings) if baseline is not None else ({}, {})
    failed: dict[str, int] = {}
    for outcome in outcomes:
        if not outcome.passed and outcome.slice is not None:
            failed[outcome.slice] = failed.get(outcome.slice, 0) + 1
    results = []
    reasons = []
    for name in sorted(mine[0], key=lambda n: (n == NO_SLICE, n)):
        summary = mine[0][name]
        base_summary = base[0].get(name)
        regressed: list[str] = []
        if base_summary is not None:
            regressed, why = _slice_regressions(name, summary, base_summary, mine, base, settings)
            reasons += why
        results.append(
            SliceResult(
                name=name,
                prompt_count=summary.prompt_count,
                failed_prompts=failed.get(name, 0),
                metrics=summary.metrics,
                baseline_metrics={} if base_summary is None else base_summary.metrics,
                regressed=tuple(regressed),
            )
        )
    return tuple(results), reasons
