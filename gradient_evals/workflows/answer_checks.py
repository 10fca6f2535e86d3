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
    """A run's pages with the checks' metric results added, and what each check found."""

    pages: list[ResultsPage]
    results: tuple[CheckResult, ...]
    verdicts: dict[str, list[tuple[str | None, bool]]]
    """Check name -> ``(input text, passed)`` per prompt, in the run's order: what a paired comparison pairs."""


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
) -> tuple[list[EvaluationPrompt], tuple[CheckResult, ...], dict[str, list[tuple[str | None, bool]]]]:
    results, verdicts = run_checks(checks, prompts)
    added: list[list[MetricResult]] = [[] for _ in prompts]
    by_check: dict[str, list[tuple[str | None, bool]]] = {}
    for check, judged in zip(checks, verdicts, strict=True):
        name = f"{CHECK_PREFIX}{check.name}"
        by_check[check.name] = [(p.input, ok) for p, (ok, _) in zip(prompts, judged, strict=True)]
        passed = _result(name, True, "")  # frozen: one object serves every prompt that passed
        for extra, (ok, reason) in zip(added, judged, strict=True):
            extra.append(passed if ok else _result(name, False, reason))
    # A copy that leaves the prompt's chunks and spans unconverted when no check read them.
    checked = [
        replaced(prompt, prompt_level_metric_results=(*prompt.prompt_level_metric_results, *extra))
        for prompt, extra in zip(prompts, added, strict=True)
    ]
    return checked, results, by_check


async def check_prompts(
    checks: Sequence[Check], prompts: Sequence[EvaluationPrompt], run: EvaluationRun | None
) -> CheckedPrompts:
    """Judge every prompt by every check (see the module documentation); the pages hold one page of them all."""
    if not checks:
        return CheckedPrompts(pages=[ResultsPage(evaluation_run=run, prompts=tuple(prompts))], results=(), verdicts={})
    checked, results, verdicts = await anyio.to_thread.run_sync(_with_checks, checks, prompts)
    return CheckedPrompts(
        pages=[ResultsPage(evaluation_run=run, prompts=tuple(checked))], results=results, verdicts=verdicts
    )
