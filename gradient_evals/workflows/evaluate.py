"""``client.evaluate``: from a dataset to a gated verdict across agents, as a pipeline of named steps.

1. :func:`~.evaluate_plan.plan_evaluation`: every argument, metric, star metric, the test case, the dataset,
   pinned baselines checked; nothing is uploaded, created or updated until the plan holds;
2. :func:`~.evaluate_steps.dataset_step`: the dataset uploaded, or reused when its content hash is known;
3. :func:`~.evaluate_steps.test_case_step`: created, updated (a new version, reported) or used as it is;
4. :func:`~.baselines.find_baselines`: each agent's baseline, proven on the run itself;
5. :func:`~.evaluate_steps.runs_step`: one ``create`` for every agent (per repeat), its answer checked;
6. :func:`~.evaluate_groups.wait_and_compare_step`: every run waited for and read, concurrently; each agent's
   group of runs averaged per prompt and gated;
7. :func:`~.evaluate_steps.verdict_step`: the report (and, with ``quarantine_flaky``, its flaky prompts added to
   the quarantine file).

``timeout`` bounds the whole call: a run still going at the deadline is reported as timed out; a step before
the runs exist that outlives it raises :class:`DeadlineExceeded`. Several failures at once come out as one
:class:`MultipleErrors`, never as an ``ExceptionGroup``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import anyio
import anyio.to_thread
import attrs

from .._exceptions import DeadlineExceeded
from ._concurrency import no_exception_groups
from .agent_versions import version_names
from .baselines import find_baselines, pick_baseline
from .evaluate_groups import wait_and_compare_step
from .evaluate_plan import Rerun, merged_results, plan_evaluation
from .evaluate_results import EvaluationReport
from .evaluate_settings import DEFAULT_EVALUATE_TIMEOUT, EvaluationSettings
from .evaluate_steps import (
    dataset_step,
    gate_settings,
    runs_step,
    test_case_step,
    verdict_step,
)
from .history import evaluation_history
from .quarantine import write_quarantine
from .services import EvaluationServices, Progress

__all__ = [
    "DEFAULT_EVALUATE_TIMEOUT",
    "EvaluationServices",
    "EvaluationSettings",
    "Rerun",
    "check_evaluation",
    "evaluate",
    "merged_results",
    "pick_baseline",
]


async def check_evaluation(services: EvaluationServices, settings: EvaluationSettings) -> None:
    """Every check :func:`evaluate` makes before it uploads, creates or updates anything (its plan), and nothing
    more: raises what ``evaluate`` would raise for these settings before its first write."""
    with no_exception_groups(), tempfile.TemporaryDirectory(prefix="gradient-evals-") as workdir:
        await plan_evaluation(services, settings, workdir=Path(workdir))


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _planned(runs: int, agents: int, settings: EvaluationSettings) -> str:
    """What the plan says it will create, e.g. ``6 runs will be created (2 agents x 3 repeats; at most 100)``."""
    return (
        f"{_counted(runs, 'run')} will be created ({_counted(agents, 'agent')} x "
        f"{_counted(settings.repeats, 'repeat')}; at most {settings.max_runs})"
    )


async def evaluate(
    services: EvaluationServices, settings: EvaluationSettings, *, rerun: Rerun | None = None
) -> EvaluationReport:
    """See ``AsyncGradientEvals.evaluate``; ``rerun`` says what an ``evaluate_failed`` run replaces."""
    with no_exception_groups():
        deadline = anyio.current_time() + float(settings.timeout)  # each setting was checked as the value was made
        progress = Progress(settings.on_progress)
        step = "plan"
        try:
            with anyio.fail_after(deadline - anyio.current_time()):
                with tempfile.TemporaryDirectory(prefix="gradient-evals-") as workdir:
                    plan = await plan_evaluation(services, settings, workdir=Path(workdir), rerun=rerun)
                    await progress("plan", _planned(plan.planned_runs, plan.agent_count, settings))
                    step = "dataset"
                    chosen = await dataset_step(services, plan, progress)
                step = "test case"
                current, change = await test_case_step(services, plan, chosen.uuid, progress)
                step = "baselines"
                baselines = await find_baselines(
                    services,
                    current,
                    baseline=plan.baseline,
                    any_version=plan.baseline_any_version,
                    agents=plan.agents,
                    deployments=plan.deployments,
                    exclude=(),
                    progress=progress,
                )
                if rerun is not None:  # the baselines of the runs replaced, with their repeat groups
                    baselines = attrs.evolve(baselines, groups={**baselines.groups, **rerun.baseline_groups})
                step = "runs"
                groups = await runs_step(services, plan, str(current.test_case_uuid), progress)
        except TimeoutError as exc:
            if isinstance(exc, DeadlineExceeded) or anyio.current_time() < deadline:
                raise
            raise DeadlineExceeded(
                f"evaluate ran past its timeout of {settings.timeout:g} s during the {step} step", step=step
            ) from None
        gates = gate_settings(plan, plan.slices)
        results = await wait_and_compare_step(
            services,
            plan,
            groups,
            baselines,
            gates,
            deadline=deadline,
            poll_interval=settings.poll_interval,
            max_poll_interval=settings.max_poll_interval,
            progress=progress,
        )
        history, no_history = await evaluation_history(
            services.test_cases, str(current.test_case_uuid), deadline=deadline
        )
        # The trend labels each run with its agent version: a nicety, so bounded by the deadline and never fatal.
        versions = (
            {}
            if services.versions is None
            else await version_names(
                services.versions,
                [r.agent_uuid for r in history],
                seconds=max(0.0, min(30.0, deadline - anyio.current_time())),
            )
        )
        report = verdict_step(
            plan,
            results,
            gates,
            test_case=current,
            dataset=chosen,
            change=change,
            history=history,
            agent_versions=versions,
            notes=(*plan.warnings, *(() if no_history is None else (no_history,))),
        )
        if settings.quarantine_flaky and settings.quarantine is not None:
            flaky = [f.input for agent in report.agents for f in agent.flaky if f.input and not f.quarantined]
            added = await anyio.to_thread.run_sync(write_quarantine, settings.quarantine, flaky)
            note = f"quarantine: {len(added)} flaky prompts added to {os.fspath(settings.quarantine)} for review"
            report = attrs.evolve(report, notes=(*report.notes, note))
        await progress("report", "passed" if report.passed else "failed")
        return report
