"""Comparing two runs prompt by prompt while their pages stream by, and the verdict of the gate.

Prompts are matched by prompt id, falling back to the exact input text when the ids differ (a re-uploaded
dataset). A comparison keeps the base run's metric values (a few numbers per prompt, not the prompts).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Mapping

from ..types import MetricComparison, PromptRegression, ResultsPage, RunComparison, Verdict
from ..typing import OnProgress
from ._pages import StreamResults, run_pages
from .summary import RunStats

__all__ = ["compare_pages", "compare_runs"]


def _verdict(
    metrics: Mapping[str, MetricComparison],
    thresholds: Mapping[str, float],
    min_scores: Mapping[str, float],
    tolerance: float,
) -> Verdict:
    reasons: list[str] = []
    for name, allowed in thresholds.items():
        comparison = metrics.get(name)
        delta = None if comparison is None else comparison.delta
        if delta is None:
            reasons.append(f"{name}: not scored in both runs, cannot check a change of at least {allowed:+g}")
        elif delta < allowed:
            reasons.append(f"{name}: changed by {delta:+.4g}, the threshold allows {allowed:+g}")
    for name, floor in min_scores.items():
        comparison = metrics.get(name)
        score = None if comparison is None or comparison.candidate is None else comparison.candidate.score
        if score is None:
            reasons.append(f"{name}: the candidate has no score to compare with {floor:g}")
        elif score < floor:
            reasons.append(f"{name}: the candidate's {score:.4g} is below {floor:g}")
    if not thresholds and not min_scores:
        for name, comparison in metrics.items():
            delta = comparison.delta
            if delta is not None and delta < -tolerance:
                reasons.append(f"{name}: dropped by {-delta:.4g} (tolerance {tolerance:g})")
    return Verdict(passed=not reasons, reasons=tuple(reasons))


async def compare_pages(
    base_pages: AsyncIterable[ResultsPage],
    candidate_pages: AsyncIterable[ResultsPage],
    base_run_uuid: str,
    candidate_run_uuid: str,
    *,
    thresholds: Mapping[str, float] | None = None,
    min_scores: Mapping[str, float] | None = None,
    tolerance: float = 0.0,
    pass_thresholds: Mapping[str, float] | None = None,
    on_progress: OnProgress | None = None,
) -> RunComparison:
    """Compare two runs page by page: the base is read first, then the candidate is matched against it.

    See ``AsyncEvaluationRuns.compare`` for the meaning of the arguments.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
        raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
    passes = dict(pass_thresholds or {})
    base_stats = RunStats(base_run_uuid, passes)
    base_values: dict[int | None, dict[str, float]] = {}
    base_by_input: dict[str, int | None] = {}
    anonymous: list[tuple[str | None, dict[str, float]]] = []
    done = 0
    async for page in base_pages:
        if page.evaluation_run is not None:
            base_stats.run = page.evaluation_run
        for prompt in page.prompts:
            values = base_stats.add(prompt)
            if prompt.prompt_id is None:
                anonymous.append((prompt.input, values))
                continue
            base_values[prompt.prompt_id] = values
            if prompt.input is not None:
                base_by_input.setdefault(prompt.input, prompt.prompt_id)
        done += len(page.prompts)
        if on_progress is not None:
            on_progress(done, None)
    for text, values in anonymous:  # prompts without an id can only be matched by their input
        if text is not None and text not in base_by_input:
            key: int | None = -len(base_values) - 1
            base_values[key] = values
            base_by_input[text] = key

    candidate_stats = RunStats(candidate_run_uuid, passes)
    matched: set[int | None] = set()
    regressions: list[PromptRegression] = []
    regressed: dict[str, int] = {}
    async for page in candidate_pages:
        if page.evaluation_run is not None:
            candidate_stats.run = page.evaluation_run
        for prompt in page.prompts:
            values = candidate_stats.add(prompt)
            key = prompt.prompt_id
            if key is None or key not in base_values or key in matched:
                key = base_by_input.get(prompt.input) if prompt.input is not None else None
                if key is None or key in matched:
                    continue
            matched.add(key)
            before = base_values[key]
            for name, value in values.items():
                old = before.get(name)
                if old is not None and value < old - tolerance:
                    regressed[name] = regressed.get(name, 0) + 1
                    regressions.append(
                        PromptRegression(
                            metric=name,
                            base_prompt_id=key if key is not None and key >= 0 else None,
                            candidate_prompt_id=prompt.prompt_id,
                            input=prompt.input,
                            base_value=old,
                            candidate_value=value,
                        )
                    )
        done += len(page.prompts)
        if on_progress is not None:
            on_progress(done, None)

    base = base_stats.summary()
    candidate = candidate_stats.summary()
    metrics = {
        name: MetricComparison(
            name=name,
            base=base.metrics.get(name),
            candidate=candidate.metrics.get(name),
            regressed=regressed.get(name, 0),
        )
        for name in sorted(set(base.metrics) | set(candidate.metrics))
    }
    regressions.sort(key=lambda r: (r.metric, r.delta))
    return RunComparison(
        base=base,
        candidate=candidate,
        matched=len(matched),
        unmatched_base=len(base_values) - len(matched),
        unmatched_candidate=candidate.prompt_count - len(matched),
        metrics=metrics,
        regressions=tuple(regressions),
        verdict=_verdict(metrics, dict(thresholds or {}), dict(min_scores or {}), float(tolerance)),
    )


async def compare_runs(
    stream_results: StreamResults,
    base_run_uuid: str,
    candidate_run_uuid: str,
    *,
    thresholds: Mapping[str, float] | None,
    min_scores: Mapping[str, float] | None,
    tolerance: float,
    pass_thresholds: Mapping[str, float] | None,
    per_page: int | None,
    on_progress: OnProgress | None,
) -> RunComparison:
    """Compare two runs by streaming both (see ``AsyncEvaluationRuns.compare``)."""
    async with (
        run_pages(stream_results, base_run_uuid, per_page) as base_pages,
        run_pages(stream_results, candidate_run_uuid, per_page) as candidate_pages,
    ):
        return await compare_pages(
            base_pages,
            candidate_pages,
            base_run_uuid,
            candidate_run_uuid,
            thresholds=thresholds,
            min_scores=min_scores,
            tolerance=tolerance,
            pass_thresholds=pass_thresholds,
            on_progress=on_progress,
        )
