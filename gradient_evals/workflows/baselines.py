"""Baselines of ``client.evaluate``: which earlier run each agent is compared with, proven on the run itself.

A listing is only a lead: the run chosen from it is retrieved, and used only when the run itself says it is a
finished run of this test case (and of this version, unless any version was asked for). A pinned baseline is
proven the same way by the plan, before anything is created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

import attrs

from .._exceptions import APIResponseValidationError, NotFoundError
from ..types import EvaluationRun, EvaluationRunStatus, EvaluationTestCase
from ._arguments import is_uuid
from .repeats import repeat_of

if TYPE_CHECKING:
    from ..typing import Baseline
    from .services import EvaluationServices, Progress

__all__ = ["FINISHED_STATUSES", "Baselines", "find_baselines", "pick_baseline", "proven_baseline"]

FINISHED_STATUSES: Final = frozenset({EvaluationRunStatus.SUCCESSFUL, EvaluationRunStatus.PARTIALLY_SUCCESSFUL})
_BASELINE_STATUSES: Final = FINISHED_STATUSES
_CANDIDATES: Final = 3
"""Listed runs tried per agent before the baseline is reported as missing (each try is one request)."""


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


@attrs.frozen(kw_only=True)
class Baselines:
    """Each agent's baseline run (by agent UUID or deployment name), or why it has none."""

    runs: Mapping[str, str] = attrs.field(factory=dict)
    missing: Mapping[str, str] = attrs.field(factory=dict)
    pinned_for_all: str | None = None
    none_reason: str = "no baseline was asked for"
    groups: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    """A baseline run -> every run of its repeat group, in the order of the repeats (absent: a group of one)."""

    def group_of(self, run_uuid: str) -> tuple[str, ...]:
        """Every run of the baseline's repeat group (the run alone when it is a group of one)."""
        return self.groups.get(run_uuid, (run_uuid,))

    def for_run(self, run: EvaluationRun) -> tuple[str | None, str | None]:
        """The baseline of this run's agent and, when there is none, why."""
        if self.pinned_for_all is not None:
            return self.pinned_for_all, None
        for key in (run.agent_uuid, run.agent_deployment_name, run.agent_name):
            if key is not None and key in self.runs:
                return self.runs[key], None
        for key in (run.agent_uuid, run.agent_deployment_name):
            if key is not None and key in self.missing:
                return None, self.missing[key]
        return None, self.none_reason


def proven_baseline(run: EvaluationRun, test_case: EvaluationTestCase, any_version: bool) -> str | None:
    """Why ``run`` cannot be a baseline of ``test_case`` (``None``: it can), from the run's own fields."""
    if run.status not in FINISHED_STATUSES:
        return f"run {run.evaluation_run_uuid} has not finished successfully"
    if str(run.test_case_uuid) != str(test_case.test_case_uuid):
        return f"run {run.evaluation_run_uuid} is a run of another test case ({run.test_case_uuid})"
    if not any_version and run.test_case_version != test_case.version:
        return f"run {run.evaluation_run_uuid} is of version {run.test_case_version}, not {test_case.version}"
    return None


async def find_baselines(
    services: EvaluationServices,
    test_case: EvaluationTestCase,
    *,
    baseline: Baseline | None,
    any_version: bool,
    agents: Sequence[str],
    deployments: Sequence[str],
    exclude: Sequence[str],
    progress: Progress,
) -> Baselines:
    """Each agent's baseline: pinned (proven by the plan), or its latest complete repeat group of this test case
    version (every run of the group finished; a run without a repeat in its name is a group of one)."""
    if baseline is None:
        return Baselines()
    if isinstance(baseline, str) and baseline != "latest":
        return Baselines(pinned_for_all=baseline.strip())
    if isinstance(baseline, Mapping):
        runs = {k: str(v).strip() for k, v in baseline.items()}
        return Baselines(runs=runs, none_reason="no baseline run was given for this agent")
    version = None if any_version else test_case.version
    what = "of this test case" if version is None else f"of version {version}"
    listed = await services.test_cases.list_evaluation_runs(
        str(test_case.test_case_uuid), evaluation_test_case_version=version
    )
    await progress("baseline", f"{len(listed)} earlier runs {what} of the test case")
    found: dict[str, str] = {}
    missing: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    skip = set(exclude)
    for key, is_uuid_key in [(a, True) for a in agents] + [(d, False) for d in deployments]:
        candidates = sorted(
            (
                r
                for r in listed
                if r.status in FINISHED_STATUSES
                and r.evaluation_run_uuid is not None
                and str(r.evaluation_run_uuid) not in skip
                and (r.agent_uuid if is_uuid_key else r.agent_deployment_name) == key
                # a listed field that contradicts us rules the run out; a missing one is checked on the run
                and (r.test_case_uuid is None or str(r.test_case_uuid) == str(test_case.test_case_uuid))
                and (version is None or r.test_case_version is None or r.test_case_version == version)
            ),
            key=_run_time,
            reverse=True,
        )
        reason = f"no finished run {what} to compare with"
        members: dict[str, tuple[str, ...]] = {}
        taken: set[str] = set()
        complete = []
        for candidate in candidates:  # the latest run of each complete group, the latest group first
            group = _group(candidate, listed, is_uuid_key)
            if group is None:
                reason = f"no complete repeat group {what} to compare with"
            elif not taken & set(group):
                complete.append(candidate)
                members[str(candidate.evaluation_run_uuid)] = group
                taken.update(group)
        for candidate in complete[:_CANDIDATES]:
            for uuid in members[str(candidate.evaluation_run_uuid)]:  # each is read by its id: never a stray path
                if not is_uuid(uuid):
                    raise APIResponseValidationError(
                        f"the test case's runs listing has a run whose id is not a UUID: {uuid[:80]!r}"
                    )
            try:
                run = await services.runs.retrieve(str(candidate.evaluation_run_uuid))
            except NotFoundError:
                continue
            if str(run.evaluation_run_uuid) != str(candidate.evaluation_run_uuid):
                raise APIResponseValidationError(
                    f"asked for run {candidate.evaluation_run_uuid}, the answer is run {run.evaluation_run_uuid}"
                )
            problem = proven_baseline(run, test_case, any_version)
            if problem is None:
                found[key] = str(run.evaluation_run_uuid)
                groups[found[key]] = members[found[key]]
                break
            reason = f"no finished run {what} to compare with (the latest listed one was not: {problem})"
        else:
            missing[key] = reason
    return Baselines(runs=found, missing=missing, groups={k: v for k, v in groups.items() if len(v) > 1})


def _group(run: EvaluationRun, listed: Sequence[EvaluationRun], by_uuid: bool) -> tuple[str, ...] | None:
    """The finished runs of ``run``'s repeat group (found by the names the SDK gave its repeats, among ``listed``),
    in the order of the repeats; ``None`` when the group is not complete. A run whose name carries no repeat is a
    group of one."""
    mine = repeat_of(run.run_name)
    if mine is None:
        return (str(run.evaluation_run_uuid),)
    agent = run.agent_uuid if by_uuid else run.agent_deployment_name
    places: dict[int, str] = {}
    for other in listed:
        theirs = repeat_of(other.run_name)
        if (
            theirs is not None
            and (theirs.stem, theirs.count) == (mine.stem, mine.count)
            and (other.agent_uuid if by_uuid else other.agent_deployment_name) == agent
            and other.test_case_version == run.test_case_version
            and other.status in FINISHED_STATUSES
            and other.evaluation_run_uuid is not None
        ):
            places.setdefault(theirs.index, str(other.evaluation_run_uuid))
    if len(places) != mine.count:
        return None
    return tuple(places[i] for i in sorted(places))
