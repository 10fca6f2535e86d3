"""The first step of ``evaluate``: the plan. Everything is checked here and nothing is created.

Every argument, every metric and the star metric (through the catalog's one name normaliser), the test case (found,
not yet created or updated), the dataset (prepared locally; an identical upload found by its content hash),
pinned baselines (fetched and proven to be finished runs of this test case, and of its version unless any
version was asked for) and report destinations (:func:`~._files.check_report_destinations`). Only when the plan holds do
the later steps upload, create or update anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio
import anyio.to_thread
import attrs

from .._exceptions import (
    APIResponseValidationError,
    ArgumentTypeError,
    InvalidArgumentError,
    NotFoundError,
    RepeatsError,
)
from ..statistics import StatisticsInputError
from ..types import (
    EvaluationDataset,
    EvaluationMetric,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationTestCase,
    ResultsPage,
    StarMetric,
)
from ..typing import Baseline
from ._arguments import check_gates, is_uuid, names_in_catalog, pinned_runs
from .agents import resolve_agents
from .answer_settings import AnswerSettings, answer_settings
from .baselines import FINISHED_STATUSES
from .evaluate_data import HASH_DIGITS, HASH_MARK, LocalDataset, dataset_name_for, prepare_dataset, remote_slices
from .evaluate_settings import EvaluationSettings
from .gates import slice_key
from .metric_names import match_metric
from .quarantine import planned_quarantine
from .repeats import check_planned_runs
from .services import EvaluationServices

__all__ = ["Plan", "Rerun", "changes_of", "merged_results", "plan_evaluation"]


@attrs.frozen(kw_only=True)
class Rerun:
    """What a rerun replaces: per agent (UUID or deployment name), the earlier run and its prompts; and the slices
    of the earlier run's prompts (a rerun's dataset holds only the prompts run again)."""

    replaces: Mapping[str, str]
    test_case_uuid: str
    """The test case of the runs replaced: the baselines given with a rerun are runs of it."""
    prompts: Mapping[str, Sequence[EvaluationPrompt]] = attrs.field(factory=dict)
    slices: Mapping[str, str] = attrs.field(factory=dict)
    baseline_groups: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    """A baseline run given with the rerun -> every run of its repeat group (absent: a group of one)."""


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


@attrs.frozen(kw_only=True)
class Plan:
    """What ``evaluate`` will do, every part of it checked."""

    test_case: str
    agents: tuple[str, ...]
    deployments: tuple[str, ...]
    catalog: tuple[EvaluationMetric, ...]
    metric_uuids: tuple[str, ...] | None
    star: StarMetric | None
    fail_under: Mapping[str, float]
    max_regression: Mapping[str, float]
    pass_thresholds: Mapping[str, float]
    baseline: Baseline
    pinned: Mapping[str, EvaluationRun]
    """Pinned baseline runs by UUID, fetched and proven."""
    baseline_any_version: bool
    require_complete: bool
    require_baseline: bool
    slice_by: str | None
    slices: Mapping[str, str]
    """Prompt input text -> its ``slice_by`` value."""
    existing: EvaluationTestCase | None
    remote_dataset: str | None
    local: LocalDataset | None
    dataset_name: str | None
    reusable_dataset: str | None
    """The UUID of an uploaded dataset with the same content hash, used instead of uploading."""
    run_name: str | None
    quarantined: frozenset[str] = frozenset()
    """The quarantine file's prompt inputs: evaluated and shown, left out of every gate."""
    warnings: tuple[str, ...] = ()
    """What the plan noticed and went on with (quarantined prompts not in the dataset), for the report."""
    rerun: Rerun | None
    settings: EvaluationSettings
    """The settings as given: a step reads a setting the plan had nothing to check or derive in."""
    answers: AnswerSettings = attrs.field(factory=AnswerSettings)
    """Checks on the answers, the price table, and their gates."""

    @property
    def inverted(self) -> frozenset[str]:
        return frozenset(m.metric_name for m in self.catalog if m.inverted and m.metric_name)

    @property
    def agent_count(self) -> int:
        return len(self.agents) + len(self.deployments)

    @property
    def planned_runs(self) -> int:
        """The runs this evaluation creates: one per agent and repeat."""
        return self.agent_count * self.settings.repeats


def changes_of(existing: EvaluationTestCase, dataset_uuid: str, plan: Plan) -> list[str]:
    """What differs between the test case and what this evaluation asks for (empty: nothing to update)."""
    changes = []
    current_dataset = existing.dataset_uuid or (existing.dataset.dataset_uuid if existing.dataset else None)
    if current_dataset != dataset_uuid:
        changes.append(f"dataset {current_dataset} -> {dataset_uuid}")
    if plan.metric_uuids is not None:
        names = {m.metric_uuid: m.metric_name or m.metric_uuid for m in plan.catalog}
        before = {str(m.metric_uuid) for m in existing.metrics}
        after = set(plan.metric_uuids)
        if before != after:
            added = ", ".join(sorted(f"+{names.get(u, u)}" for u in after - before))
            removed = ", ".join(sorted(f"-{names.get(u, u)}" for u in before - after))
            changes.append("metrics " + ", ".join(p for p in (added, removed) if p))
    star = plan.star
    if star is not None:
        current = existing.star_metric
        if current is None or str(current.metric_uuid) != str(star.metric_uuid):
            changes.append(f"star metric -> {star.name or star.metric_uuid}")
        elif star.success_threshold_pct is not None and current.success_threshold_pct != star.success_threshold_pct:
            changes.append(f"star threshold {current.success_threshold_pct}% -> {star.success_threshold_pct}%")
        elif star.success_threshold is not None and current.success_threshold != star.success_threshold:
            changes.append(f"star threshold {current.success_threshold} -> {star.success_threshold}")
    return changes


def _star(star_metric: str | StarMetric | None, threshold_pct: int | None) -> StarMetric | None:
    if star_metric is None:
        if threshold_pct is not None:
            raise InvalidArgumentError("star_threshold_pct needs a star_metric")
        return None
    if isinstance(star_metric, StarMetric):
        if threshold_pct is not None:
            raise InvalidArgumentError("give the threshold inside the StarMetric or as star_threshold_pct, not both")
        return star_metric
    if not isinstance(star_metric, str) or not star_metric.strip():
        raise ArgumentTypeError("star_metric must be a metric name, a metric UUID or a StarMetric")
    if is_uuid(star_metric):
        return StarMetric(metric_uuid=star_metric.strip(), success_threshold_pct=threshold_pct)
    return StarMetric(name=star_metric.strip(), success_threshold_pct=threshold_pct)


def _resolved_star(star: StarMetric | None, catalog: Sequence[EvaluationMetric]) -> StarMetric | None:
    """The star metric with its UUID and the catalog's spelling, found by the catalog's name normaliser."""
    if star is None:
        return None
    if star.metric_uuid is not None:
        found = next((m for m in catalog if m.metric_uuid == str(star.metric_uuid)), None)
        return star if found is None else attrs.evolve(star, name=found.metric_name)
    metric = match_metric(catalog, str(star.name), "star_metric")
    return attrs.evolve(star, metric_uuid=metric.metric_uuid, name=metric.metric_name)


async def _find_test_case(services: EvaluationServices, test_case: str) -> EvaluationTestCase | None:
    if is_uuid(test_case):
        try:
            return await services.test_cases.retrieve(test_case)
        except NotFoundError:
            raise InvalidArgumentError(f"test_case: no test case {test_case}") from None
    matches = [tc for tc in await services.test_cases.list() if tc.name == test_case]
    if len(matches) > 1:
        uuids = ", ".join(str(tc.test_case_uuid) for tc in matches)
        raise InvalidArgumentError(
            f"test_case: {len(matches)} test cases are called {test_case!r} ({uuids}); pass a UUID"
        )
    return matches[0] if matches else None


async def _prove_pinned(
    services: EvaluationServices, run_uuid: str, owner: str, same_version: int | None
) -> EvaluationRun:
    """The pinned baseline run, proven finished and of this test case (and of ``same_version`` when given)."""
    try:
        run = await services.runs.retrieve(run_uuid)
    except NotFoundError:
        raise InvalidArgumentError(f"baseline: there is no evaluation run {run_uuid}") from None
    if run.evaluation_run_uuid is not None and str(run.evaluation_run_uuid) != run_uuid:
        raise APIResponseValidationError(
            f"asked for evaluation run {run_uuid}, the answer is run {run.evaluation_run_uuid}"
        )
    if run.status not in FINISHED_STATUSES:
        raise InvalidArgumentError(f"baseline: run {run_uuid} has not finished successfully (status {run.status})")
    if str(run.test_case_uuid) != owner:
        raise InvalidArgumentError(
            f"baseline: run {run_uuid} is a run of test case {run.test_case_uuid}, not of {owner}"
        )
    if same_version is not None and run.test_case_version != same_version:
        raise InvalidArgumentError(
            f"baseline: run {run_uuid} is of test case version {run.test_case_version}, this evaluation runs "
            f"version {same_version} (pass baseline_any_version=True to compare across versions)"
        )
    return run


async def plan_evaluation(
    services: EvaluationServices, settings: EvaluationSettings, *, workdir: Path, rerun: Rerun | None = None
) -> Plan:
    """Check everything ``evaluate`` was given (see the module documentation); create nothing."""
    # Each value was checked on its own when the settings were made; what is left needs the API or several values.
    dataset, test_case, baseline = settings.dataset, settings.test_case, settings.baseline
    slice_by, metrics = settings.slice_by, settings.metrics
    by_name = tuple(a.strip() for a in settings.agents or ())
    if by_name and not all(is_uuid(a) for a in by_name):
        if services.agents is None:
            raise InvalidArgumentError("agents: names need the agents resource; give agent UUIDs")
        # A read, before anything is created: a name that matches no agent or several is an AgentNameError.
        by_name = tuple(await resolve_agents(services.agents, list(by_name)))
    agents = (*(a.strip() for a in settings.agent_uuids or ()), *by_name)
    deployments = tuple(d.strip() for d in settings.agent_deployment_names or ())
    if not agents and not deployments:
        raise InvalidArgumentError(
            "give at least one agent UUID (agent_uuids) or deployment name (agent_deployment_names)"
        )
    for agent in agents:
        if not is_uuid(agent):
            raise InvalidArgumentError(f"agent_uuids: {agent!r} is not a UUID")
    agents = tuple(str(uuid.UUID(agent)) for agent in agents)  # one spelling, before "each agent once"
    if len(set(agents)) != len(agents) or len(set(deployments)) != len(deployments):
        raise InvalidArgumentError("each agent may be given once")
    count = len(agents) + len(deployments)
    check_planned_runs(count * settings.repeats, settings.max_runs, f"{count} agents x {settings.repeats} repeats")
    if settings.quarantine_flaky and settings.quarantine is None:
        raise RepeatsError("quarantine: quarantine_flaky writes the flaky prompts to the quarantine file: give one")
    floors = check_gates(settings.fail_under, "fail_under")
    drops = check_gates(settings.max_regression, "max_regression", non_negative=True)
    answers, drops = answer_settings(
        checks=settings.checks,
        pricing=settings.pricing,
        max_cost=settings.max_cost,
        max_output_tokens_increase_pct=settings.max_output_tokens_increase_pct,
        max_regression=drops,
    )
    if settings.require_conclusive and not drops:
        raise StatisticsInputError("require_conclusive needs a regression gate to decide: give max_regression too")
    per_prompt = check_gates(settings.pass_thresholds, "pass_thresholds")
    star = _star(settings.star_metric, settings.star_threshold_pct)
    pinned_uuids = pinned_runs(baseline)
    remote = str(dataset).strip() if isinstance(dataset, str) and is_uuid(dataset) else None
    local = None
    slices: dict[str, str] = {}
    if remote is None:
        local = await anyio.to_thread.run_sync(prepare_dataset, dataset, slice_by, workdir)
        slices = local.slices
    elif slice_by is not None:
        slices = await remote_slices(services.datasets, remote, slice_by)

    quarantined, warnings = await planned_quarantine(
        services, settings.quarantine, None if local is None else local.path, remote
    )
    catalog = tuple(await services.metrics.catalog())
    floors = names_in_catalog(floors, catalog, "fail_under")
    drops = names_in_catalog(drops, catalog, "max_regression")
    per_prompt = names_in_catalog(per_prompt, catalog, "pass_thresholds")
    metric_uuids = None if metrics is None else tuple(await services.metrics.resolve_all(metrics))
    star = _resolved_star(star, catalog)

    existing = await _find_test_case(services, test_case.strip())
    if existing is None and metric_uuids is None:
        raise InvalidArgumentError(f"test_case: no test case is called {test_case!r}; give metrics= to create it")

    name_of_dataset = None
    reusable = None
    if local is not None:
        name_of_dataset = dataset_name_for(settings.dataset_name or test_case, local.digest)
        marker = f"{HASH_MARK}{local.digest[:HASH_DIGITS]}"
        # The test case's own dataset first: several datasets may hold the same content (two suites uploading
        # one file at once), and taking another would update the test case to a new version for nothing.
        current = None if existing is None else existing.dataset_uuid
        matching: list[EvaluationDataset] = []
        for listed in await services.datasets.list():
            if (listed.dataset_name or "").endswith(marker) and listed.dataset_uuid:
                if not is_uuid(listed.dataset_uuid):
                    raise APIResponseValidationError(
                        f"the datasets listing names dataset {listed.dataset_name!r} by {listed.dataset_uuid!r}, "
                        "which is not a UUID"
                    )
                matching.append(listed)
        if matching:
            chosen = next((d for d in matching if d.dataset_uuid == current), matching[0])
            reusable = str(chosen.dataset_uuid)
            name_of_dataset = chosen.dataset_name

    plan = Plan(
        test_case=test_case.strip(),
        agents=agents,
        deployments=deployments,
        catalog=catalog,
        metric_uuids=metric_uuids,
        star=star,
        fail_under=floors,
        max_regression=drops,
        pass_thresholds=per_prompt,
        baseline=baseline,
        pinned={},
        baseline_any_version=settings.baseline_any_version,
        require_complete=settings.require_complete,
        require_baseline=settings.require_baseline,
        slice_by=slice_by,
        slices=slices,
        existing=existing,
        remote_dataset=remote,
        local=local,
        dataset_name=name_of_dataset,
        reusable_dataset=reusable,
        run_name=settings.run_name,
        quarantined=quarantined,
        warnings=warnings,
        rerun=rerun,
        answers=answers,
        settings=settings,
    )
    if pinned_uuids:
        if rerun is not None:
            owner, same = rerun.test_case_uuid, None
        elif existing is None:
            raise InvalidArgumentError("baseline: this call creates the test case, so no run can be its baseline yet")
        else:
            known_dataset = remote or reusable
            changed = known_dataset is None or bool(changes_of(existing, known_dataset, plan))
            if changed and not settings.baseline_any_version:
                raise InvalidArgumentError(
                    "baseline: this call makes a new version of the test case, so no earlier run is of its version "
                    "(pass baseline_any_version=True to compare across versions)"
                )
            owner, same = str(existing.test_case_uuid), None if settings.baseline_any_version else existing.version
        proven = {u: await _prove_pinned(services, u, owner, same) for u in dict.fromkeys(pinned_uuids)}
        plan = attrs.evolve(plan, pinned=proven)
    return plan
