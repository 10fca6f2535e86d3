"""``client.evaluate_failed``: run again only the prompts that failed a gate or errored, and merge the results.

The API has no per-prompt rerun: the failed prompts become a dataset and a ``"<test case> (rerun)"`` test case,
their new results replace the old ones (matched by input text) in a new report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._exceptions import APIResponseValidationError
from ..types import (
    EvaluationPrompt,
    EvaluationReport,
)
from ..typing import OnEvaluationProgress
from .report import NO_SLICE, GateSettings, build_agent_result, build_report, slice_key

if TYPE_CHECKING:
    from .._client import AsyncGradientEvals
from ._arguments import check_gates, is_uuid, names_in_catalog
from .evaluate import DEFAULT_EVALUATE_TIMEOUT, evaluate
from .evaluate_data import GROUND_TRUTH_COLUMN, QUERY_COLUMN

__all__ = ["evaluate_failed"]


async def evaluate_failed(
    client: AsyncGradientEvals,
    report_or_run_uuid: EvaluationReport | str,
    *,
    test_case: str | None = None,
    run_name: str | None = None,
    fail_under: Mapping[str, float] | None = None,
    max_regression: Mapping[str, float] | None = None,
    pass_thresholds: Mapping[str, float] | None = None,
    timeout: float = DEFAULT_EVALUATE_TIMEOUT,
    poll_interval: float = 2.0,
    max_poll_interval: float = 30.0,
    on_progress: OnEvaluationProgress | None = None,
) -> EvaluationReport:
    """See ``AsyncGradientEvals.evaluate_failed``."""
    if isinstance(report_or_run_uuid, EvaluationReport):
        report = report_or_run_uuid
    elif isinstance(report_or_run_uuid, str) and is_uuid(report_or_run_uuid):
        report = await _report_of_run(client, report_or_run_uuid.strip(), fail_under, pass_thresholds)
    else:
        raise TypeError("evaluate_failed takes an EvaluationReport or a run UUID")
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    old: dict[str, list[EvaluationPrompt]] = {}
    rerun_of: dict[str, str] = {}
    for agent in report.agents:
        key = agent.agent_uuid or agent.agent_deployment_name
        if key is None or agent.run_failed:
            continue
        rerun_of[key] = agent.evaluation_run_uuid
        for outcome in agent.prompts:
            text = slice_key(outcome.input)
            if outcome.passed or not text or text in seen:
                continue
            seen.add(text)
            row = {QUERY_COLUMN: outcome.input or ""}
            if outcome.ground_truth is not None:
                row[GROUND_TRUTH_COLUMN] = outcome.ground_truth
            if report.slice_by is not None:
                row[report.slice_by] = outcome.slice or ""
            rows.append(row)
    if not rows:
        raise ValueError("nothing to rerun: no prompt failed a gate or errored in this report")
    for agent in report.agents:
        key = agent.agent_uuid or agent.agent_deployment_name
        if key in rerun_of:
            old[key] = [p async for p in client.evaluation_runs.iter_results(agent.evaluation_run_uuid)]
    if any(GROUND_TRUTH_COLUMN in r for r in rows):
        rows = [
            {
                QUERY_COLUMN: r[QUERY_COLUMN],
                GROUND_TRUTH_COLUMN: r.get(GROUND_TRUTH_COLUMN, ""),
                **{k: v for k, v in r.items() if k not in (QUERY_COLUMN, GROUND_TRUTH_COLUMN)},
            }
            for r in rows
        ]
    name = test_case or f"{report.test_case_name or report.test_case_uuid} (rerun)"
    baselines = {
        (a.agent_uuid or a.agent_deployment_name or ""): a.baseline_run_uuid
        for a in report.agents
        if a.baseline_run_uuid is not None
    }
    agent_uuids = [a.agent_uuid for a in report.agents if a.agent_uuid and a.agent_uuid in rerun_of]
    deployments = [
        a.agent_deployment_name
        for a in report.agents
        if not a.agent_uuid and a.agent_deployment_name and a.agent_deployment_name in rerun_of
    ]
    return await evaluate(
        client,
        dataset=rows,
        test_case=name,
        agent_uuids=agent_uuids,
        agent_deployment_names=deployments,
        metrics=list(report.metrics) or None,
        star_metric=report.star_metric,
        run_name=run_name,
        fail_under=report.fail_under if fail_under is None else fail_under,
        max_regression=report.max_regression if max_regression is None else max_regression,
        pass_thresholds=pass_thresholds,
        baseline={k: v for k, v in baselines.items() if v is not None} or None,
        # The report's own settings passed back to evaluate, keyword for keyword, as a fresh evaluate would get them.
        require_complete=report.require_complete,
        slice_by=report.slice_by,
        timeout=timeout,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        on_progress=on_progress,
        _rerun_of=rerun_of,
        _merge=old,
        _known_slices={
            key: outcome.slice
            for agent in report.agents
            for outcome in agent.prompts
            if outcome.slice is not None and outcome.slice != NO_SLICE and (key := slice_key(outcome.input))
        },
    )


async def _report_of_run(
    client: AsyncGradientEvals,
    run_uuid: str,
    fail_under: Mapping[str, float] | None,
    pass_thresholds: Mapping[str, float] | None,
) -> EvaluationReport:
    """A report of one finished run, to find its failed prompts."""
    catalog = await client.evaluation_metrics.catalog()
    settings = GateSettings(
        fail_under=names_in_catalog(check_gates(fail_under, "fail_under"), catalog, "fail_under"),
        pass_thresholds=names_in_catalog(check_gates(pass_thresholds, "pass_thresholds"), catalog, "pass_thresholds"),
        inverted=frozenset(m.metric_name for m in catalog if m.inverted and m.metric_name),
    )
    run = await client.evaluation_runs.retrieve(run_uuid)
    pages = [page async for page in client.evaluation_runs.iter_results(run_uuid).pages()]
    agent = await build_agent_result(run_uuid=run_uuid, run=run, pages=pages, settings=settings)
    if not run.test_case_uuid:
        raise APIResponseValidationError(f"evaluation run {run_uuid} came back without its test_case_uuid")
    test_case = await client.evaluation_test_cases.retrieve(run.test_case_uuid)
    return build_report(
        test_case_uuid=str(run.test_case_uuid),
        test_case_name=test_case.name,
        test_case_version=run.test_case_version,
        agents=[agent],
        settings=settings,
        metrics=tuple(m.metric_name for m in test_case.metrics if m.metric_name),
        star_metric=None if test_case.star_metric is None else test_case.star_metric.name,
    )

