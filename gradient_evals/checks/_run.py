"""Running checks over a run's prompts: each prompt judged by each check, and a pass rate per check.

Pure (no request, no file): a ``regex`` check sends every answer of the run to one worker process at once
(:mod:`._regex`); every other check judges in this thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..types import EvaluationPrompt
from ..workflows.checks_results import CheckFailure, CheckResult
from ._base import NO_ANSWER, Check, CheckError
from ._prompt import Custom
from ._text import Regex

__all__ = ["CheckFailure", "CheckResult", "as_checks", "judge_all", "run_checks"]


def as_checks(items: Iterable[Check | Callable[[EvaluationPrompt], Any]] | None) -> tuple[Check, ...]:
    """The checks given to ``evaluate``: check objects, or plain functions (taken as :class:`Custom`). Raises
    :class:`CheckError` for anything else and for a name used twice."""
    if items is None:
        return ()
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise CheckError(f"checks must be a list of checks, got {items!r}", key="checks")
    checks: list[Check] = []
    for item in items:
        if isinstance(item, Check):
            checks.append(item)
        elif callable(item):
            checks.append(Custom(item))
        else:
            raise CheckError(f"expected a check from gradient_evals.checks or a function, got {item!r}", key="checks")
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            raise CheckError(f"two checks are called {check.name!r}: give one a name=", key="name")
        seen.add(check.name)
    return tuple(checks)


def judge_all(check: Check, prompts: Sequence[EvaluationPrompt]) -> list[tuple[bool, str]]:
    """``(passed, reason)`` for each prompt, in order."""
    if not isinstance(check, Regex):
        return [check.check(prompt) for prompt in prompts]
    from ._regex import search_all

    answered = [i for i, prompt in enumerate(prompts) if prompt.output is not None]
    verdicts: list[tuple[bool, str]] = [(False, NO_ANSWER)] * len(prompts)
    found = search_all(check.value, 0, [str(prompts[i].output) for i in answered], check.timeout)
    for index, match in zip(answered, found, strict=True):
        verdicts[index] = check.verdict(match)
    return verdicts


def run_checks(
    checks: Sequence[Check], prompts: Sequence[EvaluationPrompt]
) -> tuple[tuple[CheckResult, ...], list[list[tuple[bool, str]]]]:
    """Every check over every prompt: a :class:`CheckResult` per check, and the verdicts per check and prompt."""
    results = []
    verdicts = []
    for check in checks:
        judged = judge_all(check, prompts)
        failures = tuple(
            CheckFailure(prompt_id=prompt.prompt_id, input=prompt.input, output=prompt.output, reason=reason)
            for prompt, (ok, reason) in zip(prompts, judged, strict=True)
            if not ok
        )
        results.append(
            CheckResult(
                name=check.name,
                kind=check.kind,
                required_pass_rate=check.required_pass_rate,
                total=len(prompts),
                failures=failures,
            )
        )
        verdicts.append(judged)
    return tuple(results), verdicts
