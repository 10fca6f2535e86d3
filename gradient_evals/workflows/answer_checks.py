"""Checks on a run's answers, as the rest of ``evaluate`` sees them: each check a pass/fail metric ``check:<name>``.

Every prompt of the run (and of its baseline) is judged by every check (:func:`gradient_evals.checks.run_checks`,
in a worker thread: a ``regex`` check waits on its worker process) and gets one more prompt-level metric result,
``check:<name>`` = ``pass`` or ``fail`` with the reason as its reasoning. Summaries, comparisons, failing prompts,
slices and every report then treat it as the pass/fail metric it is, with no code of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio.to_thread
import attrs

from .._deferred import replaced
from ..checks import Check, run_checks
from ..types import EvaluationPrompt, EvaluationRun, MetricResult, MetricResultStatus, MetricValueType, ResultsPage
from .checks_results import CheckResult

__all__ = ["CHECK_PREFIX", "CheckedPrompts", "check_prompts"]

CHECK_PREFIX = "check:"


@attrs.frozen(kw_only=True)
class CheckedPrompts:
    """A run's prompts (and its baseline's) with the checks' metric results added, and what each check found on
    the run."""

    results: tuple[CheckResult, ...]
    pages: list[ResultsPage]
    prompts: list[EvaluationPrompt]
    baseline_pages: list[ResultsPage] | None = None
    baseline_prompts: list[EvaluationPrompt] | None = None


def _result(name: str, ok: bool, reason: str) -> MetricResult:
    return MetricResult(
        metric_name=name,
        metric_value_type=MetricValueType.STRING,
        string_value="pass" if ok else "fail",
        reasoning=reason or None,
        status=MetricResultStatus.COMPLETED,
    )


def _with_checks(
    checks: Sequence[Check], prompts: Sequence[EvaluationPrompt]
) -> tuple[list[EvaluationPrompt], tuple[CheckResult, ...]]:
    results, verdicts = run_checks(checks, prompts)
    added: list[list[MetricResult]] = [[] for _ in prompts]
    for check, judged in zip(checks, verdicts, strict=True):
        name = f"{CHECK_PREFIX}{check.name}"
        passed = _result(name, True, "")  # frozen: one object serves every prompt that passed
        for extra, (ok, reason) in zip(added, judged, strict=True):
            extra.append(passed if ok else _result(name, False, reason))
    # A copy that leaves the prompt's chunks and spans unconverted when no check read them.
    checked = [
        replaced(prompt, prompt_level_metric_results=(*prompt.prompt_level_metric_results, *extra))
        for prompt, extra in zip(prompts, added, strict=True)
    ]
    return checked, results


def _run_of(pages: Sequence[ResultsPage]) -> EvaluationRun | None:
    return next((page.evaluation_run for page in pages if page.evaluation_run is not None), None)


async def check_prompts(
    checks: Sequence[Check],
    prompts: Sequence[EvaluationPrompt],
    pages: Sequence[ResultsPage],
    baseline_prompts: Sequence[EvaluationPrompt] | None = None,
    baseline_pages: Sequence[ResultsPage] | None = None,
) -> CheckedPrompts:
    """Judge every prompt, the run's and its baseline's, by every check (in a worker thread); the pages hold one
    page of them all. Without checks, everything comes back as it was."""
    if not checks:
        return CheckedPrompts(
            results=(),
            pages=list(pages),
            prompts=list(prompts),
            baseline_pages=None if baseline_pages is None else list(baseline_pages),
            baseline_prompts=None if baseline_prompts is None else list(baseline_prompts),
        )
    checked, results = await anyio.to_thread.run_sync(_with_checks, checks, prompts)
    base: list[EvaluationPrompt] | None = None
    base_pages: list[ResultsPage] | None = None
    if baseline_prompts is not None:
        judged, _ = await anyio.to_thread.run_sync(_with_checks, checks, baseline_prompts)
        base, base_pages = judged, [ResultsPage(evaluation_run=_run_of(baseline_pages or ()), prompts=tuple(judged))]
    return CheckedPrompts(
        results=results,
        pages=[ResultsPage(evaluation_run=_run_of(pages), prompts=tuple(checked))],
        prompts=checked,
        baseline_pages=base_pages,
        baseline_prompts=base,
    )
