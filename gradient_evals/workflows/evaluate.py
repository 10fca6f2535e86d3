"""``client.evaluate``: from a dataset to a gated verdict across agents, and ``client.evaluate_failed``.

The steps, each a request or a few:

1. the metric catalog (names -> UUIDs, and which metrics are inverted); every argument is checked here, before
   anything is created;
2. the dataset: a CSV path, a DataFrame or rows are uploaded, unless a dataset with the same content hash (kept
   in its name) exists already; a dataset UUID is used as it is;
3. the test case: found by exact name and updated when its dataset or metrics differ (a new version), created
   when absent; or taken by UUID;
4. the baselines: for ``baseline="latest"``, each agent's latest SUCCESSFUL or PARTIALLY_SUCCESSFUL run of the
   same test case version;
5. one ``create`` request for every agent, then every run waited for concurrently under one overall deadline
   (a run that outlives it is reported as timed out, the others still are);
6. each run's results (and its baseline's) read page by page, then summarized, compared and gated by
   :mod:`gradient_evals.workflows.report`.

Slices: columns of a local dataset beyond the ones the API reads stay on this side. The ``slice_by`` column is
left out of the uploaded file and joined back to the results by the prompt's input text.
"""

from __future__ import annotations

import inspect
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anyio
import attrs

from .._exceptions import EvaluationRunTimeout
from ..types import (
    AgentResult,
    EvaluationMetric,
    EvaluationProgress,
    EvaluationPrompt,
    EvaluationReport,
    EvaluationRun,
    EvaluationRunStatus,
    EvaluationTestCase,
    ResultsPage,
    StarMetric,
)
from ..typing import Baseline, DatasetInput, OnEvaluationProgress
from .report import GateSettings, build_agent_result, build_report, slice_key

if TYPE_CHECKING:
    from .._client import AsyncGradientEvals
    from ..resources.evaluation_metrics import MetricRef

from ._arguments import check_evaluate_timeout, check_gates, is_uuid, names_in_catalog
from .baselines import baseline_for, pick_baseline
from .evaluate_data import HASH_DIGITS, HASH_MARK, dataset_name_for, prepare_dataset, remote_slices

__all__ = ["DEFAULT_EVALUATE_TIMEOUT", "evaluate", "merged_results", "pick_baseline"]

DEFAULT_EVALUATE_TIMEOUT: Final = 3600.0
"""Datasets uploaded by ``evaluate`` are named ``<name>-sha256-<first 16 hex digits of the content hash>``."""


# -- checking arguments ---------------------------------------------------------------------------------------


class _Progress:
    def __init__(self, callback: OnEvaluationProgress | None) -> None:
        self.callback = callback

    async def __call__(self, stage: str, message: str, **fields: Any) -> None:
        if self.callback is None:
            return
        outcome = self.callback(EvaluationProgress(stage=stage, message=message, **fields))
        if inspect.isawaitable(outcome):
            await outcome


def _resolve_star(star_metric: str | StarMetric | None, threshold_pct: int | None) -> StarMetric | None:
    if star_metric is None:
        if threshold_pct is not None:
            raise ValueError("star_threshold_pct needs a star_metric")
        return None
    if isinstance(star_metric, StarMetric):
        if threshold_pct is not None:
            raise ValueError("give the threshold inside the StarMetric or as star_threshold_pct, not both")
        return star_metric
    if not isinstance(star_metric, str) or not star_metric.strip():
        raise TypeError("star_metric must be a metric name, a metric UUID or a StarMetric")
    if is_uuid(star_metric):
        return StarMetric(metric_uuid=star_metric.strip(), success_threshold_pct=threshold_pct)
    return StarMetric(name=star_metric.strip(), success_threshold_pct=threshold_pct)


async def _find_test_case(client: AsyncGradientEvals, test_case: str) -> EvaluationTestCase | None:
    if is_uuid(test_case):
        return await client.evaluation_test_cases.retrieve(test_case.strip())
    matches = [tc for tc in await client.evaluation_test_cases.list() if tc.name == test_case]
    if len(matches) > 1:
        uuids = ", ".join(str(tc.test_case_uuid) for tc in matches)
        raise ValueError(f"test_case: {len(matches)} test cases are called {test_case!r} ({uuids}); pass a UUID")
    return matches[0] if matches else None


def _star_uuid(star: StarMetric | None, catalog: Sequence[EvaluationMetric]) -> str | None:
    if star is None:
        return None
    if star.metric_uuid is not None:
        return str(star.metric_uuid)
    key = " ".join(str(star.name).split()).casefold()
    for metric in catalog:
        if metric.metric_name and " ".join(metric.metric_name.split()).casefold() == key:
            return str(metric.metric_uuid)
    return None


def _differs(
    existing: EvaluationTestCase,
    dataset_uuid: str,
    metric_uuids: list[str] | None,
    star: StarMetric | None,
    star_uuid: str | None,
) -> bool:
    current_dataset = existing.dataset_uuid or (existing.dataset.dataset_uuid if existing.dataset else None)
    if current_dataset != dataset_uuid:
        return True
    if metric_uuids is not None and {m.metric_uuid for m in existing.metrics} != set(metric_uuids):
        return True
    if star is not None:
        current = existing.star_metric
        if current is None or current.metric_uuid != star_uuid:
            return True
        if star.success_threshold_pct is not None and current.success_threshold_pct != star.success_threshold_pct:
            return True
        if star.success_threshold is not None and current.success_threshold != star.success_threshold:
            return True
    return False


async def _collect_pages(
    client: AsyncGradientEvals, run_uuid: str, progress: _Progress, label: str
) -> list[ResultsPage]:
    pages: list[ResultsPage] = []
    done = 0
    async for page in client.evaluation_runs.iter_results(run_uuid).pages():
        pages.append(page)
        done += len(page.prompts)
        await progress(
            "results",
            f"{label}: {done}/{page.meta.total or '?'} results",
            evaluation_run_uuid=run_uuid,
            done=done,
            total=page.meta.total,
        )
    return pages


async def evaluate(
    client: AsyncGradientEvals,
    *,
    dataset: DatasetInput,
    test_case: str,
    agent_uuids: Sequence[str] | None = None,
    agent_deployment_names: Sequence[str] | None = None,
    metrics: Sequence[MetricRef] | None = None,
    star_metric: str | StarMetric | None = None,
    star_threshold_pct: int | None = None,
    run_name: str | None = None,
    fail_under: Mapping[str, float] | None = None,
    max_regression: Mapping[str, float] | None = None,
    pass_thresholds: Mapping[str, float] | None = None,
    baseline: Baseline = "latest",
    baseline_any_version: bool = False,
    require_complete: bool = False,
    slice_by: str | None = None,
    dataset_name: str | None = None,
    timeout: float = DEFAULT_EVALUATE_TIMEOUT,
    poll_interval: float = 2.0,
    max_poll_interval: float = 30.0,
    on_progress: OnEvaluationProgress | None = None,
    _rerun_of: Mapping[str, str] | None = None,
    _merge: Mapping[str, Sequence[EvaluationPrompt]] | None = None,
    _known_slices: Mapping[str, str] | None = None,
) -> EvaluationReport:
    """See ``AsyncGradientEvals.evaluate``."""
    started = time.monotonic()
    deadline = started + check_evaluate_timeout(timeout)
    progress = _Progress(on_progress)
    if not isinstance(test_case, str) or not test_case.strip():
        raise ValueError("test_case must be a test case name or UUID")
    agents = [a.strip() for a in agent_uuids or ()]
    deployments = [d.strip() for d in agent_deployment_names or ()]
    if not agents and not deployments:
        raise ValueError("give at least one agent UUID (agent_uuids) or deployment name (agent_deployment_names)")
    for agent in agents:
        if not is_uuid(agent):
            raise ValueError(f"agent_uuids: {agent!r} is not a UUID")
    floors = check_gates(fail_under, "fail_under")
    drops = check_gates(max_regression, "max_regression", non_negative=True)
    per_prompt = check_gates(pass_thresholds, "pass_thresholds")
    star = _resolve_star(star_metric, star_threshold_pct)
    if baseline is not None and not isinstance(baseline, str | Mapping):
        raise TypeError("baseline must be 'latest', a run UUID, a mapping of agent to run UUID, or None")
    if isinstance(baseline, str) and baseline != "latest" and not is_uuid(baseline):
        raise ValueError(f"baseline must be 'latest', a run UUID or None, got {baseline!r}")
    if slice_by is not None and (not isinstance(slice_by, str) or not slice_by.strip()):
        raise ValueError("slice_by must be a column name")
    remote_dataset = isinstance(dataset, str) and is_uuid(dataset)  # a path is given as a path, not a UUID

    # 1. The catalog: metric names and which are better when lower. Gate names are checked against it.
    catalog = await client.evaluation_metrics.catalog()
    floors = names_in_catalog(floors, catalog, "fail_under")
    drops = names_in_catalog(drops, catalog, "max_regression")
    per_prompt = names_in_catalog(per_prompt, catalog, "pass_thresholds")
    inverted = frozenset(m.metric_name for m in catalog if m.inverted and m.metric_name)
    metric_uuids = None if metrics is None else await client.evaluation_metrics.resolve_all(metrics)
    star_uuid = _star_uuid(star, catalog)

    with tempfile.TemporaryDirectory(prefix="gradient-evals-") as workdir:
        # 2. The dataset.
        dataset_reused = False
        slices: dict[str, str] = {}
        if remote_dataset:
            dataset_uuid = str(dataset).strip()
            name_of_dataset = None
            if slice_by is not None:
                slices = await remote_slices(client, dataset_uuid, slice_by)
        else:
            local = await anyio.to_thread.run_sync(prepare_dataset, dataset, slice_by, Path(workdir))
            slices = local.slices
            name_of_dataset = dataset_name_for(dataset_name or test_case, local.digest)
            marker = f"{HASH_MARK}{local.digest[:HASH_DIGITS]}"
            existing = [d for d in await client.evaluation_datasets.list() if (d.dataset_name or "").endswith(marker)]
            if existing and existing[0].dataset_uuid:
                dataset_uuid = existing[0].dataset_uuid
                name_of_dataset = existing[0].dataset_name
                dataset_reused = True
                await progress("dataset", f"dataset unchanged (sha256 {local.digest[:12]}): reusing {dataset_uuid}")
            else:
                await progress("dataset", f"uploading {local.path.name} as {name_of_dataset}")
                dataset_uuid = await client.evaluation_datasets.upload(local.path, name=name_of_dataset)
                await progress("dataset", f"uploaded dataset {dataset_uuid}")

    # 3. The test case.
    found = await _find_test_case(client, test_case.strip())
    if found is None:
        if is_uuid(test_case):
            raise ValueError(f"test_case: no test case {test_case}")
        if metric_uuids is None:
            raise ValueError(f"test_case: no test case is called {test_case!r}; give metrics= to create it")
        test_case_uuid = await client.evaluation_test_cases.create(
            name=test_case.strip(), dataset_uuid=dataset_uuid, metrics=metric_uuids, star_metric=star
        )
        await progress("test_case", f"created test case {test_case_uuid}")
    else:
        test_case_uuid = str(found.test_case_uuid)
        if _differs(found, dataset_uuid, metric_uuids, star, star_uuid):
            updated = await client.evaluation_test_cases.update(
                test_case_uuid, dataset_uuid=dataset_uuid, metrics=metric_uuids, star_metric=star
            )
            await progress("test_case", f"updated test case {test_case_uuid} to version {updated.version}")
    current = await client.evaluation_test_cases.retrieve(test_case_uuid)
    version = current.version
    metric_names = tuple(m.metric_name for m in current.metrics if m.metric_name)
    star_name = None
    if current.star_metric is not None:
        star_name = current.star_metric.name or next(
            (m.metric_name for m in catalog if m.metric_uuid == current.star_metric.metric_uuid), None
        )

    # 4. Baselines, listed before the new runs exist.
    earlier: list[EvaluationRun] = []
    if baseline == "latest":
        earlier = await client.evaluation_test_cases.list_evaluation_runs(
            test_case_uuid, evaluation_test_case_version=None if baseline_any_version else version
        )
        await progress("baseline", f"{len(earlier)} earlier runs of test case version {version}")

    # 5. The runs: one request for every agent, then every run waited for together.
    created = await client.evaluation_runs.create(
        test_case_uuid=test_case_uuid,
        agent_uuids=agents or None,
        agent_deployment_names=deployments or None,
        run_name=run_name,
    )
    run_uuids = list(created.evaluation_run_uuids)
    await progress("runs", f"started {len(run_uuids)} runs: {', '.join(run_uuids)}")
    finals: dict[str, EvaluationRun | None] = dict.fromkeys(run_uuids)
    timed_out: set[str] = set()

    async def on_update(run: EvaluationRun) -> None:
        await progress(
            "run", f"run {run.evaluation_run_uuid}: {run.status}", run=run, evaluation_run_uuid=run.evaluation_run_uuid
        )

    async def wait(run_uuid: str) -> None:
        try:
            finals[run_uuid] = await client.evaluation_runs.wait(
                run_uuid,
                timeout=max(0.001, deadline - time.monotonic()),
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                on_update=on_update,
            )
        except EvaluationRunTimeout as exc:
            finals[run_uuid] = exc.run
            timed_out.add(run_uuid)

    async with anyio.create_task_group() as group:
        for run_uuid in run_uuids:
            group.start_soon(wait, run_uuid)

    # 6. Results, baselines, summaries, comparisons and gates.
    settings = GateSettings(
        fail_under=floors,
        max_regression=drops,
        pass_thresholds=per_prompt,
        inverted=inverted,
        require_complete=require_complete,
        slice_by=slice_by,
        # A rerun's dataset holds only the failed prompts: the merged prompts it did not run keep their slice.
        slices={**(_known_slices or {}), **slices},
    )
    results: dict[str, AgentResult] = {}

    async def evaluate_one(run_uuid: str) -> None:
        run = finals[run_uuid]
        label = (run.agent_name or run.agent_uuid or run.agent_deployment_name) if run else None
        label = label or run_uuid
        finished = (
            run is not None
            and run_uuid not in timed_out
            and run.status
            not in (
                EvaluationRunStatus.FAILED,
                EvaluationRunStatus.CANCELLED,
            )
        )
        pages = await _collect_pages(client, run_uuid, progress, label) if finished else []
        if _merge is not None and run is not None:
            pages = merged_results(pages, _merge.get(run.agent_uuid or run.agent_deployment_name or "", ()))
        base_uuid = baseline_for(baseline, run, earlier, run_uuids)
        base_pages = await _collect_pages(client, base_uuid, progress, f"{label} baseline") if base_uuid else None
        results[run_uuid] = await build_agent_result(
            run_uuid=run_uuid,
            run=run,
            pages=pages,
            settings=settings,
            baseline_run_uuid=base_uuid,
            baseline_pages=base_pages,
            timed_out=run_uuid in timed_out,
        )

    async with anyio.create_task_group() as group:
        for run_uuid in run_uuids:
            group.start_soon(evaluate_one, run_uuid)

    agents_results = [results[u] for u in run_uuids]
    if _rerun_of:
        agents_results = [
            attrs.evolve(a, rerun_of=_rerun_of.get(a.agent_uuid or a.agent_deployment_name or ""))
            for a in agents_results
        ]
    # What identifies the report (the same keywords as the report of one run in rerun.py).
    report = build_report(
        test_case_uuid=test_case_uuid,
        test_case_name=current.name,
        test_case_version=version,
        dataset_uuid=dataset_uuid,
        dataset_name=name_of_dataset,
        dataset_reused=dataset_reused,
        run_name=run_name,
        agents=agents_results,
        settings=settings,
        metrics=metric_names,
        star_metric=star_name,
    )
    await progress("report", "passed" if report.passed else "failed")
    return report


def merged_results(new_pages: Sequence[ResultsPage], old_prompts: Sequence[EvaluationPrompt]) -> list[ResultsPage]:
    """The earlier run's prompts with the rerun's results in place of those with the same input text."""
    if not old_prompts:
        return list(new_pages)
    fresh = {slice_key(p.input): p for page in new_pages for p in page.prompts}
    merged = []
    for prompt in old_prompts:
        again = fresh.pop(slice_key(prompt.input), None)
        # The rerun numbers its prompts from 1 again: the merged prompt keeps the earlier run's id.
        merged.append(prompt if again is None else attrs.evolve(again, prompt_id=prompt.prompt_id))
    merged += list(fresh.values())
    run = next((page.evaluation_run for page in new_pages if page.evaluation_run is not None), None)
    return [ResultsPage(evaluation_run=run, prompts=tuple(merged))]
