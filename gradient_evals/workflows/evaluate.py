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

import csv
import hashlib
import inspect
import math
import os
import re
import tempfile
import time
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import anyio
import attrs

from .._exceptions import APIResponseValidationError, EvaluationRunTimeout
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
from .report import NO_SLICE, GateSettings, build_agent_result, build_report, slice_key

if TYPE_CHECKING:
    from .._client import AsyncGradientEvals
    from ..resources.evaluation_metrics import MetricRef

__all__ = [
    "DEFAULT_EVALUATE_TIMEOUT",
    "content_hash",
    "dataset_name_for",
    "evaluate",
    "evaluate_failed",
    "pick_baseline",
]

DEFAULT_EVALUATE_TIMEOUT: Final = 3600.0
QUERY_COLUMN: Final = "query"
GROUND_TRUTH_COLUMN: Final = "expected_response"
HASH_MARK: Final = "sha256-"
"""Datasets uploaded by ``evaluate`` are named ``<name>-sha256-<first 16 hex digits of the content hash>``."""
_HASH_DIGITS: Final = 16
_BASELINE_STATUSES: Final = frozenset({EvaluationRunStatus.SUCCESSFUL, EvaluationRunStatus.PARTIALLY_SUCCESSFUL})


# -- checking arguments ---------------------------------------------------------------------------------------


def _is_uuid(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        uuid_module.UUID(text.strip())
    except ValueError:
        return False
    return True


def _check_gates(value: Mapping[str, float] | None, name: str, *, non_negative: bool = False) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of metric name to number, e.g. {{'correctness': 80}}")
    out: dict[str, float] = {}
    for metric, number in value.items():
        if not isinstance(metric, str) or not metric.strip():
            raise ValueError(f"{name}: metric names must be non-empty strings, got {metric!r}")
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise ValueError(f"{name}[{metric!r}] must be a finite number, got {number!r}")
        if non_negative and number < 0:
            raise ValueError(f"{name}[{metric!r}] is a number of points a score may worsen by: >= 0, got {number}")
        out[metric.strip()] = float(number)
    return out


def _check_timeout(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {value!r}")
    return float(value)


def _names_in_catalog(
    gates: dict[str, float], catalog: Sequence[EvaluationMetric], argument: str
) -> dict[str, float]:
    """Gate keys as the results spell the metric (the catalog's name), whatever case or UUID the caller used."""
    by_key = {" ".join(m.metric_name.split()).casefold(): m.metric_name for m in catalog if m.metric_name}
    by_uuid = {m.metric_uuid: m.metric_name for m in catalog if m.metric_uuid and m.metric_name}
    out: dict[str, float] = {}
    for key, value in gates.items():
        name = by_uuid.get(key) or by_key.get(" ".join(key.split()).casefold())
        if name is None:
            known = ", ".join(sorted(by_key.values())[:20])
            raise ValueError(f"{argument}: no metric is called {key!r} (known metrics: {known})")
        out[name] = value
    return out


# -- the dataset ----------------------------------------------------------------------------------------------


def content_hash(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, in hex (read in blocks: the file is never held in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_name_for(base: str, digest: str) -> str:
    """The name ``evaluate`` gives an uploaded dataset: ``base`` and the start of its content hash."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "dataset"
    return f"{stem[:80]}-{HASH_MARK}{digest[:_HASH_DIGITS]}"


def _is_dataframe(value: object) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_dict")


def _rows_of(source: DatasetInput) -> tuple[list[str], Iterable[Mapping[str, Any]]]:
    """The header and the rows of a local dataset (a path is read as UTF-8 CSV, a byte-order mark ignored)."""
    if isinstance(source, str | os.PathLike):
        stream = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the generator
        reader = csv.DictReader(stream)
        header = list(reader.fieldnames or [])

        def rows() -> Iterable[Mapping[str, Any]]:
            with stream:
                yield from reader

        return header, rows()
    if _is_dataframe(source):
        frame: Any = source
        records: list[Mapping[str, Any]] = frame.to_dict("records")
        return [str(c) for c in frame.columns], records
    if isinstance(source, Iterable) and not isinstance(source, str | bytes | Mapping):
        materialized = list(source)
        columns: list[str] = []
        for index, row in enumerate(materialized):
            if not isinstance(row, Mapping):
                raise TypeError(
                    f"dataset row {index + 1} must be a mapping of column to value, got {type(row).__name__}"
                )
            columns += [str(k) for k in row if str(k) not in columns]
        return columns, materialized
    raise TypeError(
        "dataset must be a CSV path, a pandas DataFrame, an iterable of row mappings or a dataset UUID, "
        f"got {type(source).__name__}"
    )


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


class _LocalDataset:
    """A local dataset prepared for upload: the file to send (without the slice column), its hash, the slices."""

    def __init__(self, path: Path, digest: str, slices: dict[str, str]) -> None:
        self.path = path
        self.digest = digest
        self.slices = slices


def _prepare_dataset(source: DatasetInput, slice_by: str | None, workdir: Path) -> _LocalDataset:
    """Write the file to upload and read the slices, checking the ``slice_by`` column exists."""
    header, rows = _rows_of(source)
    if slice_by is not None and slice_by not in header:
        raise ValueError(f"slice_by: the dataset has no column {slice_by!r} (columns: {', '.join(header)})")
    if QUERY_COLUMN not in header:
        raise ValueError(f"the dataset has no {QUERY_COLUMN!r} column (columns: {', '.join(header)})")
    if slice_by is None and isinstance(source, str | os.PathLike):
        path = Path(source)
        return _LocalDataset(path, content_hash(path), {})
    kept = [c for c in header if c != slice_by]
    path = workdir / "dataset.csv"
    slices: dict[str, str] = {}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(kept)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in kept])
            if slice_by is not None:
                key = slice_key(_cell(row.get(QUERY_COLUMN)))
                if key:
                    slices.setdefault(key, _cell(row.get(slice_by)) or "(blank)")
    return _LocalDataset(path, content_hash(path), slices)


async def _slices_of_remote(client: AsyncGradientEvals, dataset_uuid: str, slice_by: str) -> dict[str, str]:
    rows = await client.evaluation_datasets.read(dataset_uuid)
    if rows and slice_by not in rows[0]:
        raise ValueError(f"slice_by: dataset {dataset_uuid} has no column {slice_by!r}")
    slices: dict[str, str] = {}
    for row in rows:
        key = slice_key(row.get(QUERY_COLUMN))
        if key:
            slices.setdefault(key, row.get(slice_by) or "(blank)")
    return slices


# -- baselines ------------------------------------------------------------------------------------------------


def _run_time(run: EvaluationRun) -> float:
    for moment in (run.finished_at, run.started_at, run.queued_at):
        if moment is not None:
            return moment.timestamp()
    return float("-inf")


def pick_baseline(
    runs: Iterable[EvaluationRun],
    *,
    agent_uuid: str | None,
    agent_deployment_name: str | None,
    exclude: Iterable[str] = (),
) -> EvaluationRun | None:
    """The latest SUCCESSFUL or PARTIALLY_SUCCESSFUL run of this agent (or deployment) among ``runs``."""
    skip = set(exclude)
    mine = [
        run
        for run in runs
        if run.status in _BASELINE_STATUSES
        and run.evaluation_run_uuid is not None
        and run.evaluation_run_uuid not in skip
        and (
            (agent_uuid is not None and run.agent_uuid == agent_uuid)
            or (agent_deployment_name is not None and run.agent_deployment_name == agent_deployment_name)
        )
    ]
    return max(mine, key=_run_time, default=None)


# -- the flow -------------------------------------------------------------------------------------------------


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
    if _is_uuid(star_metric):
        return StarMetric(metric_uuid=star_metric.strip(), success_threshold_pct=threshold_pct)
    return StarMetric(name=star_metric.strip(), success_threshold_pct=threshold_pct)


async def _find_test_case(client: AsyncGradientEvals, test_case: str) -> EvaluationTestCase | None:
    if _is_uuid(test_case):
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
    deadline = started + _check_timeout(timeout)
    progress = _Progress(on_progress)
    if not isinstance(test_case, str) or not test_case.strip():
        raise ValueError("test_case must be a test case name or UUID")
    agents = [a.strip() for a in agent_uuids or ()]
    deployments = [d.strip() for d in agent_deployment_names or ()]
    if not agents and not deployments:
        raise ValueError("give at least one agent UUID (agent_uuids) or deployment name (agent_deployment_names)")
    for agent in agents:
        if not _is_uuid(agent):
            raise ValueError(f"agent_uuids: {agent!r} is not a UUID")
    floors = _check_gates(fail_under, "fail_under")
    drops = _check_gates(max_regression, "max_regression", non_negative=True)
    per_prompt = _check_gates(pass_thresholds, "pass_thresholds")
    star = _resolve_star(star_metric, star_threshold_pct)
    if baseline is not None and not isinstance(baseline, str | Mapping):
        raise TypeError("baseline must be 'latest', a run UUID, a mapping of agent to run UUID, or None")
    if isinstance(baseline, str) and baseline != "latest" and not _is_uuid(baseline):
        raise ValueError(f"baseline must be 'latest', a run UUID or None, got {baseline!r}")
    if slice_by is not None and (not isinstance(slice_by, str) or not slice_by.strip()):
        raise ValueError("slice_by must be a column name")
    remote_dataset = isinstance(dataset, str) and _is_uuid(dataset)  # a path is given as a path, not a UUID

    # 1. The catalog: metric names and which are better when lower. Gate names are checked against it.
    catalog = await client.evaluation_metrics.catalog()
    floors = _names_in_catalog(floors, catalog, "fail_under")
    drops = _names_in_catalog(drops, catalog, "max_regression")
    per_prompt = _names_in_catalog(per_prompt, catalog, "pass_thresholds")
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
                slices = await _slices_of_remote(client, dataset_uuid, slice_by)
        else:
            local = await anyio.to_thread.run_sync(_prepare_dataset, dataset, slice_by, Path(workdir))
            slices = local.slices
            name_of_dataset = dataset_name_for(dataset_name or test_case, local.digest)
            marker = f"{HASH_MARK}{local.digest[:_HASH_DIGITS]}"
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
        if _is_uuid(test_case):
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
            pages = _merged(pages, _merge.get(run.agent_uuid or run.agent_deployment_name or "", ()))
        base_uuid = _baseline_for(baseline, run, earlier, run_uuids)
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


def _baseline_for(
    baseline: Baseline, run: EvaluationRun | None, earlier: Sequence[EvaluationRun], exclude: Sequence[str]
) -> str | None:
    if baseline is None or run is None:
        return None
    if isinstance(baseline, Mapping):
        for key in (run.agent_uuid, run.agent_deployment_name, run.agent_name):
            if key is not None and key in baseline:
                return baseline[key]
        return None
    if baseline != "latest":
        return baseline
    found = pick_baseline(
        earlier, agent_uuid=run.agent_uuid, agent_deployment_name=run.agent_deployment_name, exclude=exclude
    )
    return None if found is None else found.evaluation_run_uuid


def _merged(new_pages: Sequence[ResultsPage], old_prompts: Sequence[EvaluationPrompt]) -> list[ResultsPage]:
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
    elif isinstance(report_or_run_uuid, str) and _is_uuid(report_or_run_uuid):
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
        fail_under=_names_in_catalog(_check_gates(fail_under, "fail_under"), catalog, "fail_under"),
        pass_thresholds=_names_in_catalog(_check_gates(pass_thresholds, "pass_thresholds"), catalog, "pass_thresholds"),
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
