"""Building an :class:`EvaluationReport` from runs' result pages: prompt outcomes, gates, slices, leaderboard.

Pure functions over :class:`ResultsPage` objects (no requests), used by ``client.evaluate`` and
``client.evaluate_failed``, and usable on their own to gate runs made elsewhere.

Rules, in one place:

- **score** of a metric: its mean, or its pass rate in percent (:mod:`gradient_evals.workflows.summary`).
- **inverted** metrics are better when lower: a floor (``fail_under``) becomes a ceiling, a regression is a rise,
  and the leaderboard ranks the lowest first.
- a **prompt fails** a metric when a pass/fail metric says fail, or when a numeric metric is worse than its
  per-prompt threshold: ``pass_thresholds[metric]``, else the metric's ``fail_under`` value. An errored or
  skipped metric is counted apart (never a pass, never a zero).
- **gates** per agent are those of :mod:`gradient_evals.workflows.gates`, and, with ``slice_by``,
  ``max_regression`` within every slice (:mod:`gradient_evals.workflows.report_slices`; the slices that
  regressed are named in the reasons).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from ..types import EvaluationPrompt, EvaluationRun, MetricResultStatus, ResultsPage
from .answer_checks import CHECK_PREFIX, check_prompts
from .answer_gates import answer_gates
from .compare_results import RunComparison
from .evaluate_results import (
    AgentResult,
    EvaluationReport,
    GateKind,
    GateResult,
    PromptOutcome,
    SliceResult,
)
from .explain import attach_baselines
from .gates import NO_SLICE, GateSettings, complete_gate, not_applied_gate, score_gates, slice_key, status_gate
from .leaderboard import leaderboard
from .records import metric_name_of
from .repeat_answers import GroupAnswers
from .report_slices import slice_results
from .summary import FAIL_WORDS
from .summary_results import RunSummary, Verdict

__all__ = ["build_agent_result", "build_report", "run_prompts"]


def _is_skipped(status: object) -> bool:
    return status == MetricResultStatus.SKIPPED


def _outcome(prompt: EvaluationPrompt, settings: GateSettings) -> PromptOutcome:
    values: dict[str, float | str] = {}
    errors: dict[str, str] = {}
    skipped: list[str] = []
    failures: list[str] = []
    reasoning: dict[str, str] = {}
    for result in prompt.prompt_level_metric_results:
        name = metric_name_of(result)
        if name is None:
            continue
        if result.reasoning:
            reasoning[name] = result.reasoning
        if result.is_error:
            errors[name] = result.error_description or "the metric failed"
            continue
        value = result.value
        if _is_skipped(result.status) or value is None or isinstance(value, bool):
            skipped.append(name)
            continue
        values[name] = value
        if isinstance(value, str):
            word = value.strip().lower()
            if word in FAIL_WORDS:
                failures.append(f"{name}: {value}")
        elif math.isfinite(value):
            threshold = settings.prompt_threshold(name)
            if threshold is None and name.startswith(CHECK_PREFIX):
                threshold = 100.0  # a check's pass share over the repeats: each answer is to pass it
            if threshold is not None and settings.worse(name, value, threshold):
                side = "above" if name in settings.inverted else "below"
                failures.append(f"{name}: {value:g} is {side} {threshold:g}")
    piece = None
    if settings.slice_by is not None:
        piece = settings.slices.get(slice_key(prompt.input) or "", NO_SLICE)
    return PromptOutcome(
        prompt_id=prompt.prompt_id,
        input=prompt.input,
        output=prompt.output,
        ground_truth=prompt.ground_truth,
        slice=piece,
        values=values,
        errors=errors,
        skipped=tuple(skipped),
        failures=tuple(failures),
        reasoning=reasoning,
    )


def run_prompts(pages: Iterable[ResultsPage]) -> list[EvaluationPrompt]:
    """A run's prompts from its pages, each prompt ID once (a page the server sent twice adds nothing)."""
    seen: set[int] = set()
    prompts = []
    for page in pages:
        for prompt in page.prompts:
            if prompt.prompt_id is not None:
                if prompt.prompt_id in seen:
                    continue
                seen.add(prompt.prompt_id)
            prompts.append(prompt)
    return prompts


async def _aiter(pages: Sequence[ResultsPage]) -> AsyncIterator[ResultsPage]:
    for page in pages:
        yield page


async def build_agent_result(
    *,
    run_uuid: str,
    run: EvaluationRun | None,
    pages: Sequence[ResultsPage],
    settings: GateSettings,
    baseline_run_uuid: str | None = None,
    baseline_pages: Sequence[ResultsPage] | None = None,
    timed_out: bool = False,
    baseline_missing: str | None = None,
    rerun_of: str | None = None,
    answers: GroupAnswers | None = None,
    baseline_answers: GroupAnswers | None = None,
) -> AgentResult:
    """One agent's result from its run's pages (and its baseline's): summary, comparison, prompts, gates.

    ``baseline_missing`` says why there is no baseline; the regression gates are then not applied, with that
    reason (or failed, with ``settings.require_baseline``). ``answers``: a repeat group's checks, tokens and
    per-prompt output tokens over its runs (:mod:`.repeat_answers`); its ``pages`` (and ``baseline_pages``, with
    ``baseline_answers``) then already carry the checks' results, and the checks do not run again.
    """
    from .compare import compare_pages
    from .summary import summarize_pages

    finished = (
        not timed_out
        and run is not None
        and run.status
        not in (
            "EVALUATION_RUN_FAILED",
            "EVALUATION_RUN_CANCELLED",
        )
    )
    thresholds = dict(settings.pass_thresholds)
    summary: RunSummary | None = None
    comparison: RunComparison | None = None
    # Checks on the answers become metric results of every prompt, here and in the baseline, before any sum.
    base_prompts = None if baseline_pages is None else run_prompts(baseline_pages)
    if answers is None:
        checked = await check_prompts(settings.checks, run_prompts(pages), pages, base_prompts, baseline_pages)
        pages, prompts = checked.pages, checked.prompts
        baseline_pages, baseline_prompts = checked.baseline_pages, checked.baseline_prompts
        check_results = checked.results
    else:  # a repeat group's prompts, judged run by run before they were averaged
        prompts, baseline_prompts, check_results = run_prompts(pages), base_prompts, answers.checks
    if finished or prompts:
        summary = await summarize_pages(_aiter(pages), run_uuid, pass_thresholds=thresholds, inverted=settings.inverted)
        if baseline_run_uuid is not None and baseline_pages is not None:
            comparison = await compare_pages(
                _aiter(baseline_pages),
                _aiter(pages),
                baseline_run_uuid,
                run_uuid,
                pass_thresholds=thresholds,
                inverted=settings.inverted,
                margins=settings.max_regression,
                interval=settings.interval,
            )
    outcomes = attach_baselines(
        [_outcome(prompt, settings) for prompt in prompts],
        baseline_prompts if comparison is not None else None,
        comparison,
        settings.max_regression,
        lambda prompt: _outcome(prompt, settings),
    )
    errored: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for outcome in outcomes:
        for name in outcome.errors:
            errored[name] = errored.get(name, 0) + 1
        for name in outcome.skipped:
            skipped[name] = skipped.get(name, 0) + 1
    gates = [status_gate(run, timed_out, settings)]
    if settings.require_complete:
        gates.append(complete_gate(errored, skipped))
    gates += score_gates(summary, comparison, settings, baseline_missing)
    answer_gate_results, answer_fields = answer_gates(
        settings,
        run,
        check_results,
        prompts,
        baseline_prompts if comparison is not None else None,
        has_results=summary is not None,
        baseline_missing=baseline_missing,
        answers=answers,
        baseline_answers=baseline_answers,
    )
    gates += answer_gate_results
    slices: tuple[SliceResult, ...] = ()
    slice_reasons: list[str] = []
    if settings.slice_by is not None and prompts:
        slices, slice_reasons = slice_results(prompts, outcomes, baseline_prompts, run_uuid, settings)
        if baseline_prompts is not None and settings.max_regression:
            gates.append(
                GateResult(
                    kind=GateKind.SLICE_REGRESSION,
                    name=f"no slice of {settings.slice_by} worsens beyond the allowed change",
                    passed=not slice_reasons,
                    message="; ".join(slice_reasons),
                )
            )
        elif settings.max_regression and comparison is None:
            gates.append(
                not_applied_gate(
                    f"no slice of {settings.slice_by} worsens beyond the allowed change",
                    GateKind.SLICE_REGRESSION,
                    None,
                    None,
                    baseline_missing or "no baseline",
                    settings.require_baseline,
                )
            )
    reasons = [gate.message for gate in gates if not gate.passed and gate.kind != GateKind.SLICE_REGRESSION]
    reasons += slice_reasons
    reasons += [g.message for g in gates if not g.passed and not g.applied and g.kind == GateKind.SLICE_REGRESSION]
    return AgentResult(
        evaluation_run_uuid=run_uuid,
        agent_uuid=None if run is None else run.agent_uuid,
        agent_name=None if run is None else run.agent_name,
        agent_deployment_name=None if run is None else run.agent_deployment_name,
        run=run,
        summary=summary,
        baseline_run_uuid=baseline_run_uuid,
        comparison=comparison,
        verdict=Verdict(passed=not reasons, reasons=tuple(reasons)),
        gates=tuple(gates),
        prompts=tuple(outcomes),
        slices=slices,
        errored=errored,
        skipped=skipped,
        timed_out=timed_out,
        rerun_of=rerun_of,
        **answer_fields,
    )


def build_report(
    *,
    test_case_uuid: str,
    agents: Sequence[AgentResult],
    settings: GateSettings,
    test_case_name: str | None = None,
    test_case_version: int | None = None,
    dataset_uuid: str | None = None,
    dataset_name: str | None = None,
    dataset_reused: bool = False,
    run_name: str | None = None,
    metrics: Sequence[str] = (),
    star_metric: str | None = None,
    test_case_change: str | None = None,
    notes: Sequence[str] = (),
    history: Sequence[EvaluationRun] = (),
    agent_versions: Mapping[str, str] | None = None,
) -> EvaluationReport:
    """The report over every agent's result: the leaderboard and the overall verdict."""
    reasons = [f"{agent.label}: {reason}" for agent in agents for reason in agent.verdict.reasons]
    if not agents:
        reasons.append("no runs were evaluated")
    return EvaluationReport(
        test_case_uuid=test_case_uuid,
        test_case_name=test_case_name,
        test_case_version=test_case_version,
        dataset_uuid=dataset_uuid,
        dataset_name=dataset_name,
        dataset_reused=dataset_reused,
        run_name=run_name,
        metrics=tuple(metrics),
        star_metric=star_metric,
        inverted_metrics=tuple(sorted(settings.inverted)),
        fail_under=dict(settings.fail_under),
        max_regression=dict(settings.max_regression),
        require_complete=settings.require_complete,
        require_baseline=settings.require_baseline,
        regression_test=settings.regression_test,
        interval=settings.interval,
        require_conclusive=settings.require_conclusive,
        slice_by=settings.slice_by,
        test_case_change=test_case_change,
        notes=tuple(notes),
        history=tuple(history),
        agent_versions=dict(agent_versions or {}),
        checks=tuple(check.name for check in settings.checks),
        pricing=settings.pricing,
        max_cost=settings.max_cost,
        max_output_tokens_increase_pct=settings.max_output_tokens_increase_pct,
        agents=tuple(agents),
        leaderboard=leaderboard(agents, star_metric, star_metric in settings.inverted),
        verdict=Verdict(passed=not reasons, reasons=tuple(reasons)),
        created_at=datetime.now(UTC),
    )
