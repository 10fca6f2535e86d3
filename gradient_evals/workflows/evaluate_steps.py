"""The steps of ``evaluate`` after the plan: dataset, test case, baselines, runs, wait and compare, verdict.

Each step is a function of the :class:`~.evaluate_plan.Plan` and what the steps before it returned, so each can
be read and tested on its own. Answers are checked before they are acted on: a value the server sent that fails
a check is an :class:`APIResponseValidationError` naming the answer.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence

import attrs

from .._exceptions import APIResponseValidationError, GradientEvalsError
from ..types import EvaluationRun, EvaluationTestCase
from ._arguments import is_uuid
from ._concurrency import run_all
from .evaluate_plan import Plan, changes_of
from .evaluate_results import AgentResult, EvaluationReport
from .gates import GateSettings
from .recover import generated_run_name
from .repeats import repeat_name
from .report import build_report
from .services import EvaluationServices, Progress

log = logging.getLogger("gradient_evals")

__all__ = [
    "DatasetChoice",
    "dataset_step",
    "gate_settings",
    "runs_step",
    "test_case_step",
    "verdict_step",
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


async def runs_step(
    services: EvaluationServices, plan: Plan, test_case_uuid: str, progress: Progress
) -> list[list[str]]:
    """Each agent's runs (one per repeat, in the order of the agents): one ``create`` for every agent per repeat.

    With ``repeats`` above 1 the K creates are sent at once (paced by the client's one rate budget), each under its
    own name, ``<stem>-r<i>of<K>``: the stem is generated for the group (the run name given, when there is one,
    followed by a random token), so no other request uses the names and the create's recovery can prove its runs
    when an answer is lost. Each answer must name exactly one distinct run UUID per agent.
    """
    count = plan.settings.repeats
    if count == 1:
        return [[uuid] for uuid in await _create(services, plan, test_case_uuid, plan.run_name, progress, unique=False)]
    # A token of its own even under a given name: tonight's group must not share its names with last night's.
    stem = generated_run_name() if plan.run_name is None else f"{plan.run_name}-{secrets.token_hex(4)}"
    created: dict[int, list[str]] = {}

    async def one(index: int) -> None:
        name = repeat_name(stem, index, count)
        created[index] = await _create(services, plan, test_case_uuid, name, progress, unique=True)

    try:
        # A create cancelled in flight may still start runs that nobody then knows of: every create runs to its end.
        await run_all([lambda i=i: one(i) for i in range(1, count + 1)], cancel_siblings=False)  # type: ignore[misc]
    except GradientEvalsError as exc:
        made = [u for index in sorted(created) for u in created[index]]
        if made:
            started = f"the other repeats of {stem} started {len(made)} runs: {', '.join(made)}"
            exc.add_note(started)
            log.warning("a create of the repeats failed; %s", started)
        raise
    everything = [u for index in sorted(created) for u in created[index]]
    if len(set(everything)) != len(everything):
        raise APIResponseValidationError("two creates of this evaluation's repeats name the same run")
    await progress("runs", f"started {count} repeats of {plan.agent_count} agents under the name {stem}")
    return [[created[index][agent] for index in range(1, count + 1)] for agent in range(plan.agent_count)]


async def _create(
    services: EvaluationServices, plan: Plan, test_case_uuid: str, name: str | None, progress: Progress, *, unique: bool
) -> list[str]:
    created = await services.runs.create(
        test_case_uuid=test_case_uuid,
        agent_uuids=list(plan.agents) or None,
        agent_deployment_names=list(plan.deployments) or None,
        run_name=name,
        name_is_unique=unique,
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
    label = "" if name is None else f" named {name}"
    await progress("runs", f"started {len(uuids)} run{'s' if len(uuids) != 1 else ''}{label}: {', '.join(uuids)}")
    return uuids


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
