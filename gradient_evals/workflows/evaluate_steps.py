"""The steps of ``evaluate`` after the plan: dataset, test case, baselines, runs, wait and compare, verdict.

Each step is a function of the :class:`~.evaluate_plan.Plan` and what the steps before it returned, so each can
be read and tested on its own. Answers are checked before they are acted on: a value the server sent that fails
a check is an :class:`APIResponseValidationError` naming the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import anyio
import attrs

from .._exceptions import APIResponseValidationError, EvaluationRunTimeout
from ..types import EvaluationRun, EvaluationRunStatus, EvaluationTestCase, ResultsPage
from ._arguments import is_uuid
from ._concurrency import run_all
from .baselines import Baselines
from .evaluate_plan import Plan, changes_of, merged_results
from .evaluate_results import AgentResult, EvaluationReport
from .gates import GateSettings
from .report import build_agent_result, build_report
from .services import EvaluationServices, Progress

__all__ = [
    "DatasetChoice",
    "dataset_step",
    "gate_settings",
    "runs_step",
    "test_case_step",
    "verdict_step",
    "wait_and_compare_step",
]


@attrs.frozen(kw_only=True)
class DatasetChoice:
    uuid: str
    name: str | None
    reused: bool


async def dataset_step(services: EvaluationServices, plan: Plan, progress: Progress) -> DatasetChoice:
    """The dataset UUID: given, reused (same content hash) or uploaded now."""
    if plan.remote_dataset is not None:
        return DatasetChoice(uuid=plan.remote_dataset, name=None, reused=False)
    assert plan.local is not None
    if plan.reusable_dataset is not None:
        await progress(
            "dataset", f"dataset unchanged (sha256 {plan.local.digest[:12]}): reusing {plan.reusable_dataset}"
        )
        return DatasetChoice(uuid=plan.reusable_dataset, name=plan.dataset_name, reused=True)
    name = plan.dataset_name or "dataset"
    await progress("dataset", f"uploading {plan.local.path.name} as {name}")
    uuid = await services.datasets.upload(plan.local.path, name=name)
    if not is_uuid(uuid):
        raise APIResponseValidationError(f"the dataset upload answered with {uuid!r}, which is not a dataset UUID")
    await progress("dataset", f"uploaded dataset {uuid}")
    return DatasetChoice(uuid=str(uuid), name=name, reused=False)


async def test_case_step(
    services: EvaluationServices, plan: Plan, dataset_uuid: str, progress: Progress
) -> tuple[EvaluationTestCase, str | None]:
    """The test case as it will run (created, updated or as it is), and what changed when a new version was made."""
    change = None
    if plan.existing is None:
        assert plan.metric_uuids is not None  # the plan refused a new test case without metrics
        uuid = await services.test_cases.create(
            name=plan.test_case, dataset_uuid=dataset_uuid, metrics=list(plan.metric_uuids), star_metric=plan.star
        )
        if not is_uuid(uuid):
            raise APIResponseValidationError(f"the test case create answer names {uuid!r}, which is not a UUID")
        await progress("test_case", f"created test case {uuid}")
    else:
        uuid = str(plan.existing.test_case_uuid)
        changes = changes_of(plan.existing, dataset_uuid, plan)
        if changes:
            await services.test_cases.update(
                uuid,
                dataset_uuid=dataset_uuid,
                metrics=None if plan.metric_uuids is None else list(plan.metric_uuids),
                star_metric=plan.star,
            )
            change = "; ".join(changes)
    current = await services.test_cases.retrieve(str(uuid))
    if str(current.test_case_uuid) != str(uuid):
        raise APIResponseValidationError(
            f"asked for test case {uuid}, the answer is test case {current.test_case_uuid}"
        )
    if change is not None:
        change = f"this call made version {current.version} of the test case ({change})"
        await progress("test_case", change)
    return current, change


async def runs_step(services: EvaluationServices, plan: Plan, test_case_uuid: str, progress: Progress) -> list[str]:
    """One ``create`` for every agent; its answer must name exactly one distinct run UUID per agent."""
    created = await services.runs.create(
        test_case_uuid=test_case_uuid,
        agent_uuids=list(plan.agents) or None,
        agent_deployment_names=list(plan.deployments) or None,
        run_name=plan.run_name,
    )
    uuids = list(created.evaluation_run_uuids)
    if len(uuids) != plan.agent_count:
        raise APIResponseValidationError(
            f"asked for {plan.agent_count} runs (one per agent), the create answer names {len(uuids)}"
        )
    bad = [u for u in uuids if not is_uuid(u)]
    if bad:
        raise APIResponseValidationError(f"the create answer names a run {str(bad[0])[:80]!r} that is not a UUID")
    uuids = [str(u).strip() for u in uuids]
    if len(set(uuids)) != len(uuids):
        raise APIResponseValidationError("the create answer names the same run twice")
    await progress("runs", f"started {len(uuids)} run{'s' if len(uuids) != 1 else ''}: {', '.join(uuids)}")
    return uuids


_UNFINISHED = frozenset({EvaluationRunStatus.FAILED, EvaluationRunStatus.CANCELLED})


async def _pages(services: EvaluationServices, run_uuid: str, progress: Progress, label: str) -> list[ResultsPage]:
    pages: list[ResultsPage] = []
    done = 0
    async for page in services.runs.iter_results(run_uuid).pages():
        pages.append(page)
        done += len(page.prompts)
        total = page.meta.total
        await progress(
            "results", f"{label}: {done}/{total or '?'} results", evaluation_run_uuid=run_uuid, done=done, total=total
        )
    return pages


async def wait_and_compare_step(
    services: EvaluationServices,
    plan: Plan,
    run_uuids: Sequence[str],
    baselines: Baselines,
    settings: GateSettings,
    *,
    deadline: float,
    poll_interval: float,
    max_poll_interval: float,
    progress: Progress,
) -> list[AgentResult]:
    """Wait for every run, read its results (and its baseline's) as soon as it finishes, and gate it.

    Everything happens before ``deadline`` (on the anyio clock): a run still going then, or whose results are not
    read by then, is reported as timed out; the others still are.
    """
    results: dict[str, AgentResult] = {}

    async def one(run_uuid: str) -> None:
        last: EvaluationRun | None = None
        timed_out = False
        pages: list[ResultsPage] = []
        base_uuid: str | None = None
        base_pages: list[ResultsPage] | None = None
        missing: str | None = None

        async def on_update(run: EvaluationRun) -> None:
            nonlocal last
            last = run
            await progress("run", f"run {run_uuid}: {run.status}", run=run, evaluation_run_uuid=run_uuid)

        with anyio.CancelScope(deadline=deadline) as scope:
            try:
                last = await services.runs.wait(
                    run_uuid,
                    timeout=max(0.001, deadline - anyio.current_time()),
                    poll_interval=poll_interval,
                    max_poll_interval=max_poll_interval,
                    on_update=on_update,
                )
            except EvaluationRunTimeout as exc:
                last, timed_out = exc.run or last, True
            if last is not None and str(last.evaluation_run_uuid or run_uuid) != run_uuid:
                raise APIResponseValidationError(
                    f"asked for run {run_uuid}, the answer is run {last.evaluation_run_uuid}"
                )
            if not timed_out and last is not None and last.status not in _UNFINISHED:
                label = last.agent_name or last.agent_uuid or last.agent_deployment_name or run_uuid
                pages = await _pages(services, run_uuid, progress, label)
                base_uuid, missing = baselines.for_run(last)
                if base_uuid is not None:
                    base_pages = await _pages(services, base_uuid, progress, f"{label} baseline")
        if scope.cancelled_caught:
            timed_out, pages, base_uuid, base_pages = True, [], None, None
        key = None if last is None else (last.agent_uuid or last.agent_deployment_name)
        rerun = plan.rerun
        if rerun is not None and key is not None:
            pages = merged_results(pages, rerun.prompts.get(key, ()))
        results[run_uuid] = await build_agent_result(
            run_uuid=run_uuid,
            run=last,
            pages=pages,
            settings=settings,
            baseline_run_uuid=base_uuid if base_pages is not None else None,
            baseline_pages=base_pages,
            timed_out=timed_out,
            baseline_missing=missing,
            rerun_of=None if rerun is None or key is None else rerun.replaces.get(key),
        )

    await run_all([lambda u=u: one(u) for u in run_uuids])  # type: ignore[misc]
    return [results[u] for u in run_uuids]


def verdict_step(
    plan: Plan,
    agents: Sequence[AgentResult],
    settings: GateSettings,
    *,
    test_case: EvaluationTestCase,
    dataset: DatasetChoice,
    change: str | None,
    history: Sequence[EvaluationRun] = (),
    agent_versions: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
) -> EvaluationReport:
    """The report over every agent: leaderboard, verdict, and the gates that could not be applied."""
    star_name = None
    if test_case.star_metric is not None:
        star_name = test_case.star_metric.name or next(
            (m.metric_name for m in plan.catalog if m.metric_uuid == test_case.star_metric.metric_uuid), None
        )
    return build_report(
        test_case_uuid=str(test_case.test_case_uuid),
        test_case_name=test_case.name,
        test_case_version=test_case.version,
        dataset_uuid=dataset.uuid,
        dataset_name=dataset.name,
        dataset_reused=dataset.reused,
        run_name=plan.run_name,
        agents=agents,
        settings=settings,
        metrics=tuple(m.metric_name for m in test_case.metrics if m.metric_name),
        star_metric=star_name,
        test_case_change=change,
        history=history,
        agent_versions=agent_versions,
        notes=notes,
    )


def gate_settings(plan: Plan, slices: Mapping[str, str]) -> GateSettings:
    """The gates of the plan, with the slices of the dataset."""
    known = {} if plan.rerun is None else dict(plan.rerun.slices)
    return GateSettings(
        fail_under=plan.fail_under,
        # A check is a pass/fail metric of the results: its regression is decided as every metric's is.
        max_regression={**plan.max_regression, **plan.answers.check_regression},
        pass_thresholds=plan.pass_thresholds,
        inverted=plan.inverted,
        require_complete=plan.require_complete,
        require_baseline=plan.require_baseline,
        slice_by=plan.slice_by,
        slices={**known, **slices},
        checks=plan.answers.checks,
        pricing=plan.answers.pricing,
        max_cost=plan.answers.max_cost,
        max_output_tokens_increase_pct=plan.answers.max_output_tokens_increase_pct,
        regression_test=plan.settings.regression_test,
        interval=plan.settings.interval,
        require_conclusive=plan.settings.require_conclusive,
    )
