"""A repeat group's answers, judged and counted run by run: the checks on every repeat's answers, and every run's
tokens.

With ``repeats=K`` the gates see each prompt's values averaged over the repeats (:mod:`.repeat_groups`), but the
answers themselves are not averaged: each repeat answered anew. So, from every used run's prompts:

- a check's :class:`CheckResult` counts every judged answer (prompts x runs), each failure naming the run whose
  answer failed. The runs' prompts already carry the checks' ``check:<name>`` results (added run by run before
  the averaging, which turns them into a pass percentage per prompt, and in which the flaky prompts see them);
  this reads them back rather than judging again;
- the group's tokens add up every run's answers (totals; means per answer), so its cost is what all its runs cost;
- each prompt's output tokens are averaged over the repeats, for the paired output-token gate.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import attrs

from ..checks import Check
from ..types import EvaluationPrompt
from .answer_checks import CHECK_PREFIX
from .checks_results import CheckFailure, CheckResult
from .compare_paired import by_occurrence, slice_key
from .usage import token_usage
from .usage_results import RunTokenUsage

__all__ = ["GroupAnswers", "group_answers", "output_token_count"]

_Runs = Sequence[tuple[str, Sequence[EvaluationPrompt]]]


@attrs.frozen(kw_only=True)
class GroupAnswers:
    """What a group's answers show over its used runs: the checks, the tokens, and each prompt's output tokens."""

    runs: int
    """The runs whose answers these are (the cost gate's divisor)."""
    checks: tuple[CheckResult, ...] = ()
    tokens: RunTokenUsage
    output_tokens: tuple[tuple[str | None, float | None], ...] = ()
    """Each prompt's input (whitespace stripped) and its output tokens averaged over the repeats that counted them
    (``None`` when none did)."""


def output_token_count(prompt: EvaluationPrompt) -> int | None:
    """The prompt's output token count when the API sent a usable one (a positive integer)."""
    count = prompt.output_tokens
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    return None


def _check_results(checks: Sequence[Check], runs: _Runs, run_count: int) -> tuple[CheckResult, ...]:
    results = []
    for check in checks:
        metric = f"{CHECK_PREFIX}{check.name}"
        total = 0
        failures = []
        for run_uuid, prompts in runs:
            for prompt in prompts:
                verdict = next((r for r in prompt.prompt_level_metric_results if r.metric_name == metric), None)
                if verdict is None:
                    continue
                total += 1
                if verdict.string_value != "pass":
                    failures.append(
                        CheckFailure(
                            prompt_id=prompt.prompt_id,
                            input=prompt.input,
                            output=prompt.output,
                            reason=verdict.reasoning or "",
                            evaluation_run_uuid=run_uuid,
                        )
                    )
        results.append(
            CheckResult(
                name=check.name,
                kind=check.kind,
                required_pass_rate=check.required_pass_rate,
                total=total,
                runs=run_count,
                failures=tuple(failures),
            )
        )
    return tuple(results)


def _mean_output_tokens(runs: _Runs) -> tuple[tuple[str | None, float | None], ...]:
    counted: dict[tuple[str | None, int], list[int]] = {}
    for _, prompts in runs:
        for slot, prompt in by_occurrence(prompts, lambda prompt, _: slice_key(prompt.input)):
            counts = counted.setdefault(slot, [])
            count = output_token_count(prompt)
            if count is not None:
                counts.append(count)
    return tuple((key, statistics.fmean(c) if c else None) for (key, _), c in counted.items())


def group_answers(checks: Sequence[Check], runs: _Runs, *, run_count: int | None = None) -> GroupAnswers:
    """The checks, tokens and per-prompt output tokens of ``runs`` (each run's prompts, each prompt once, already
    carrying the checks' results); ``run_count``: the runs to divide the cost by, when not ``len(runs)``."""
    count = len(runs) if run_count is None else run_count
    return GroupAnswers(
        runs=count,
        checks=_check_results(checks, runs, count),
        tokens=token_usage(prompt for _, prompts in runs for prompt in prompts),
        output_tokens=_mean_output_tokens(runs),
    )
