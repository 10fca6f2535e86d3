"""``client.evaluate_failed``: run again only the prompts that need it, and merge the results.

A prompt is run again when it failed a prompt-level check, when a metric errored on it, or when it regressed
against the baseline by more than a ``max_regression`` gate allows (judges are noisy: a rerun tells a real
regression from a noisy one). The API has no per-prompt rerun: those prompts become a dataset and a
``"<test case> (rerun)"`` test case; their new results replace the old ones (matched by input text) in a new
report. With nothing to rerun, the report comes back as it was, with a note that says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from .._exceptions import APIResponseValidationError, ArgumentTypeError, InvalidArgumentError
from ..types import EvaluationPrompt
from ..typing import OnEvaluationProgress
from ._arguments import check_gates, is_uuid, names_in_catalog
from ._concurrency import no_exception_groups
from .answer_settings import CheckInput
from .evaluate import evaluate
from .evaluate_data import GROUND_TRUTH_COLUMN, QUERY_COLUMN
from .evaluate_plan import Rerun
from .evaluate_results import AgentResult, EvaluationReport, PromptOutcome
from .evaluate_settings import DEFAULT_EVALUATE_TIMEOUT, EvaluationSettings
from .gates import NO_SLICE, GateSettings, slice_key
from .repeat_groups import average_pages
from .report import build_agent_result, build_report
from .services import EvaluationServices
from .wait import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL

__all__ = ["NOTHING_TO_RERUN", "evaluate_failed", "prompts_to_rerun"]

NOTHING_TO_RERUN = "nothing to rerun: no prompt failed a check, errored or regressed beyond a gate"


def _regressed(agent: AgentResult, max_regression: Mapping[str, float], inverted: frozenset[str]) -> set[str]:
    """The input texts of the prompts that got worse than the baseline by more than a gate allows."""
    if agent.comparison is None:
        return set()
    texts = set()
    for regression in agent.comparison.regressions:
        allowed = max_regression.get(regression.metric)
        if allowed is None:
            continue
        worse_by = regression.delta if regression.metric in inverted else -regression.delta
        key = slice_key(regression.input)
        if worse_by > allowed and key:
            texts.add(key)
    return texts


def prompts_to_rerun(report: EvaluationReport, max_regression: Mapping[str, float]) -> list[PromptOutcome]:
    """The prompts ``evaluate_failed`` runs again (once each, by input text), from the agents whose run finished."""
    inverted = frozenset(report.inverted_metrics)
    chosen: dict[str, PromptOutcome] = {}
    for agent in report.agents:
        if agent.run_failed or not (agent.agent_uuid or agent.agent_deployment_name):
            continue
        regressed = _regressed(agent, max_regression, inverted)
        for outcome in agent.prompts:
            key = slice_key(outcome.input)
            if key and key not in chosen and (not outcome.passed or key in regressed):
                chosen[key] = outcome
    return list(chosen.values())


async def evaluate_failed(
    services: EvaluationServices,
    report_or_run_uuid: EvaluationReport | str,
    *,
    test_case: str | None = None,
    run_name: str | None = None,
    fail_under: Mapping[str, float] | None = None,
    max_regression: Mapping[str, float] | None = None,
    pass_thresholds: Mapping[str, float] | None = None,
    timeout: float = DEFAULT_EVALUATE_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    on_progress: OnEvaluationProgress | None = None,
    checks: Sequence[CheckInput] | None = None,
) -> EvaluationReport:
    """See ``AsyncGradientEvals.evaluate_failed``."""
    with no_exception_groups():
        return await _evaluate_failed(
            services,
            report_or_run_uuid,
            test_case=test_case,
            run_name=run_name,
            fail_under=fail_under,
            max_regression=max_regression,
            pass_thresholds=pass_thresholds,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_progress=on_progress,
            checks=checks,
        )


async def _evaluate_failed(
    services: EvaluationServices,
    report_or_run_uuid: EvaluationReport | str,
    *,
    test_case: str | None,
    run_name: str | None,
    fail_under: Mapping[str, float] | None,
    max_regression: Mapping[str, float] | None,
    pass_thresholds: Mapping[str, float] | None,
    timeout: float,
    poll_interval: float,
    max_poll_interval: float,
    on_progress: OnEvaluationProgress | None,
    checks: Sequence[CheckInput] | None,
) -> EvaluationReport:
    if isinstance(report_or_run_uuid, EvaluationReport):
        report = report_or_run_uuid
    elif isinstance(report_or_run_uuid, str) and is_uuid(report_or_run_uuid):
        report = await _report_of_run(services, report_or_run_uuid.strip(), fail_under, pass_thresholds)
    else:
        raise ArgumentTypeError("evaluate_failed takes an EvaluationReport or a run UUID")
    drops = report.max_regression if max_regression is None else check_gates(max_regression, "max_regression")
    outcomes = prompts_to_rerun(report, drops)
    if not outcomes:
        return attrs.evolve(report, notes=(*report.notes, NOTHING_TO_RERUN))
    if checks is None and report.checks:
        # The merged results would otherwise be gated without the checks, and pass by their omission.
        names = ", ".join(repr(name) for name in report.checks)
        raise InvalidArgumentError(
            f"checks: the report ran checks on the answers ({names}); pass them again as checks="
        )
    rows: list[dict[str, str]] = []
    with_truth = any(o.ground_truth is not None for o in outcomes)
    for outcome in outcomes:
        row = {QUERY_COLUMN: outcome.input or ""}
        if with_truth:
            row[GROUND_TRUTH_COLUMN] = outcome.ground_truth or ""
        if report.slice_by is not None:
            row[report.slice_by] = outcome.slice or ""
        rows.append(row)
    replaces: dict[str, str] = {}
    old: dict[str, list[EvaluationPrompt]] = {}
    for agent in report.agents:
        key = agent.agent_uuid or agent.agent_deployment_name
        if key is None or agent.run_failed:
            continue
        replaces[key] = agent.evaluation_run_uuid
        old[key] = await _earlier_prompts(services, agent)
    baselines = {
        (a.agent_uuid or a.agent_deployment_name or ""): a.baseline_run_uuid
        for a in report.agents
        if a.baseline_run_uuid is not None and (a.agent_uuid or a.agent_deployment_name) in replaces
    }
    repeats = max((a.repeats for a in report.agents), default=1)
    rerun = Rerun(
        baseline_groups={
            a.baseline_run_uuid: a.repeat_group.baseline_run_uuids
            for a in report.agents
            if a.repeat_group is not None
            and a.baseline_run_uuid is not None
            and len(a.repeat_group.baseline_run_uuids) > 1
        },
        replaces=replaces,
        test_case_uuid=report.test_case_uuid,
        prompts=old,
        slices={
            key: outcome.slice
            for agent in report.agents
            for outcome in agent.prompts
            if outcome.slice is not None and outcome.slice != NO_SLICE and (key := slice_key(outcome.input))
        },
    )
    settings = EvaluationSettings(
        dataset=rows,
        test_case=test_case or f"{report.test_case_name or report.test_case_uuid} (rerun)",
        agent_uuids=[a.agent_uuid for a in report.agents if a.agent_uuid and a.agent_uuid in replaces],
        agent_deployment_names=[
            a.agent_deployment_name
            for a in report.agents
            if not a.agent_uuid and a.agent_deployment_name and a.agent_deployment_name in replaces
        ],
        metrics=list(report.metrics) or None,
        star_metric=report.star_metric,
        run_name=run_name,
        fail_under=report.fail_under if fail_under is None else fail_under,
        max_regression=drops,
        pass_thresholds=pass_thresholds,
        # The merged results are compared with the same baselines, of the original test case.
        baseline=baselines or None,
        baseline_any_version=True,
        require_complete=report.require_complete,
        require_baseline=report.require_baseline,
        regression_test="point" if report.regression_test == "point" else "paired",
        interval="bootstrap" if report.interval == "bootstrap" else "t",
        require_conclusive=report.require_conclusive and bool(drops),
        slice_by=report.slice_by,
        repeats=repeats,  # a group's failed prompts run again once per repeat
        timeout=timeout,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        on_progress=on_progress,
        checks=checks,
        pricing=report.pricing,
        max_cost=report.max_cost,
        max_output_tokens_increase_pct=report.max_output_tokens_increase_pct,
    )
    return await evaluate(services, settings, rerun=rerun)


async def _earlier_prompts(services: EvaluationServices, agent: AgentResult) -> list[EvaluationPrompt]:
    """The prompts a rerun's results replace: the run's, or a repeat group's averaged over its finished runs."""
    group = agent.repeat_group
    if group is None or group.repeats == 1:
        return [p async for p in services.runs.iter_results(agent.evaluation_run_uuid)]
    runs = [(u, [page async for page in services.runs.iter_results(u).pages()]) for u in group.used]
    return [p for page in average_pages(runs) for p in page.prompts]


async def _report_of_run(
    services: EvaluationServices,
    run_uuid: str,
    fail_under: Mapping[str, float] | None,
    pass_thresholds: Mapping[str, float] | None,
) -> EvaluationReport:
    """A report of one finished run, to find its failed prompts."""
    catalog = await services.metrics.catalog()
    settings = GateSettings(
        fail_under=names_in_catalog(check_gates(fail_under, "fail_under"), catalog, "fail_under"),
        pass_thresholds=names_in_catalog(check_gates(pass_thresholds, "pass_thresholds"), catalog, "pass_thresholds"),
        inverted=frozenset(m.metric_name for m in catalog if m.inverted and m.metric_name),
    )
    run = await services.runs.retrieve(run_uuid)
    pages = [page async for page in services.runs.iter_results(run_uuid).pages()]
    agent = await build_agent_result(run_uuid=run_uuid, run=run, pages=pages, settings=settings)
    if not run.test_case_uuid or not is_uuid(str(run.test_case_uuid)):
        raise APIResponseValidationError(f"evaluation run {run_uuid} came back without a test_case_uuid")
    test_case = await services.test_cases.retrieve(str(run.test_case_uuid))
    return build_report(
        test_case_uuid=str(run.test_case_uuid),
        test_case_name=test_case.name,
        test_case_version=run.test_case_version,
        agents=[agent],
        settings=settings,
        metrics=tuple(m.metric_name for m in test_case.metrics if m.metric_name),
        star_metric=None if test_case.star_metric is None else test_case.star_metric.name,
    )
