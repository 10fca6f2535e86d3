"""``client.evaluate``: from a dataset to a gated verdict across agents, as a pipeline of named steps.

1. :func:`~.evaluate_plan.plan_evaluation`: every argument, metric, star metric, the test case, the dataset,
   pinned baselines checked; nothing is uploaded, created or updated until the plan holds;
2. :func:`~.evaluate_steps.dataset_step`: the dataset uploaded, or reused when its content hash is known;
3. :func:`~.evaluate_steps.test_case_step`: created, updated (a new version, reported) or used as it is;
4. :func:`~.baselines.find_baselines`: each agent's baseline, proven on the run itself;
5. :func:`~.evaluate_steps.runs_step`: one ``create`` for every agent, its answer checked;
6. :func:`~.evaluate_steps.wait_and_compare_step`: every run waited for, read and gated, concurrently;
7. :func:`~.evaluate_steps.verdict_step`: the report.

``timeout`` bounds the whole call: a run still going at the deadline is reported as timed out; a step before
the runs exist that outlives it raises :class:`DeadlineExceeded`. Several failures at once come out as one
:class:`MultipleErrors`, never as an ``ExceptionGroup``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio

from .._exceptions import DeadlineExceeded
from ..types import StarMetric
from ..typing import Baseline, DatasetInput, OnEvaluationProgress
from ._arguments import check_evaluate_timeout
from ._concurrency import no_exception_groups
from .answer_settings import CheckInput, PricingInput
from .baselines import find_baselines, pick_baseline
from .evaluate_plan import Rerun, merged_results, plan_evaluation
from .evaluate_results import EvaluationReport
from .evaluate_steps import (
    dataset_step,
    gate_settings,
    runs_step,
    test_case_step,
    verdict_step,
    wait_and_compare_step,
)
from .history import evaluation_history
from .services import EvaluationServices, Progress
from .wait import WaitOptions

if TYPE_CHECKING:
    from ..resources.evaluation_metrics import MetricRef

__all__ = ["DEFAULT_EVALUATE_TIMEOUT", "EvaluationServices", "Rerun", "evaluate", "merged_results", "pick_baseline"]

DEFAULT_EVALUATE_TIMEOUT: Final = 3600.0


async def evaluate(
    services: EvaluationServices,
    *,
    dataset: DatasetInput,
    test_case: str,
    agent_uuids: Sequence[str] | None = None,
    agents: Sequence[str] | None = None,
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
    require_baseline: bool = False,
    slice_by: str | None = None,
    dataset_name: str | None = None,
    timeout: float = DEFAULT_EVALUATE_TIMEOUT,
    poll_interval: float = 2.0,
    max_poll_interval: float = 30.0,
    on_progress: OnEvaluationProgress | None = None,
    rerun: Rerun | None = None,
    checks: Sequence[CheckInput] | None = None,
    pricing: PricingInput | None = None,
    max_cost: float | None = None,
    max_output_tokens_increase_pct: float | None = None,
) -> EvaluationReport:
    """See ``AsyncGradientEvals.evaluate``; ``rerun`` says what an ``evaluate_failed`` run replaces."""
    WaitOptions(poll_interval=poll_interval, max_poll_interval=max_poll_interval).checked()
    with no_exception_groups():
        deadline = anyio.current_time() + check_evaluate_timeout(timeout)
        progress = Progress(on_progress)
        step = "plan"
        try:
            with anyio.fail_after(deadline - anyio.current_time()):
                with tempfile.TemporaryDirectory(prefix="gradient-evals-") as workdir:
                    plan = await plan_evaluation(
                        services,
                        workdir=Path(workdir),
                        dataset=dataset,
                        test_case=test_case,
                        agent_uuids=agent_uuids,
                        agents=agents,
                        agent_deployment_names=agent_deployment_names,
                        metrics=metrics,
                        star_metric=star_metric,
                        star_threshold_pct=star_threshold_pct,
                        run_name=run_name,
                        fail_under=fail_under,
                        max_regression=max_regression,
                        pass_thresholds=pass_thresholds,
                        baseline=baseline,
                        baseline_any_version=baseline_any_version,
                        require_complete=require_complete,
                        require_baseline=require_baseline,
                        slice_by=slice_by,
                        dataset_name=dataset_name,
                        timeout=timeout,
                        rerun=rerun,
                        checks=checks,
                        pricing=pricing,
                        max_cost=max_cost,
                        max_output_tokens_increase_pct=max_output_tokens_increase_pct,
                    )
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
                step = "runs"
                run_uuids = await runs_step(services, plan, str(current.test_case_uuid), progress)
        except TimeoutError as exc:
            if isinstance(exc, DeadlineExceeded) or anyio.current_time() < deadline:
                raise
            raise DeadlineExceeded(
                f"evaluate ran past its timeout of {timeout:g} s during the {step} step", step=step
            ) from None
        settings = gate_settings(plan, plan.slices)
        results = await wait_and_compare_step(
            services,
            plan,
            run_uuids,
            baselines,
            settings,
            deadline=deadline,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            progress=progress,
        )
        history, no_history = await evaluation_history(
            services.test_cases, str(current.test_case_uuid), deadline=deadline
        )
        report = verdict_step(
            plan,
            results,
            settings,
            test_case=current,
            dataset=chosen,
            change=change,
            history=history,
            notes=() if no_history is None else (no_history,),
        )
        await progress("report", "passed" if report.passed else "failed")
        return report
