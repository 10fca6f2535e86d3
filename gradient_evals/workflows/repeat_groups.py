"""A repeat group as one unit: its runs' values averaged per prompt, their spreads, and the prompts that flip.

- **Averaged per prompt**: the K runs' prompts are matched by input text (as pairing matches them); a numeric
  metric's value is the mean of its finite values over the repeats, a pass/fail metric's the percentage of the
  repeats that passed (a number from 0 to 100, so the gates compare pass shares with the paired t). A metric that
  errored or was skipped in some repeats is averaged over the others; in all of them, it stays as it was. The
  gates then see one value per prompt: their n is the number of prompts, and because an average of K values
  spreads less, the worsening they can detect shrinks with K.
- **Spreads**: within a prompt (over its repeats: the judge's and the agent's noise) and between prompts.
- **Flaky**: a prompt whose judgements on a pass/fail metric (or a numeric metric with a pass threshold)
  disagree across the repeats; pass@K and pass^K count the prompts that passed at least once and every time.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Hashable, Sequence

import attrs

from ..types import EvaluationPrompt, MetricResult, MetricResultStatus, MetricValueType, ResultsPage
from .compare_paired import by_occurrence, input_key, slice_key
from .gates import GateSettings
from .records import metric_name_of
from .repeats_results import FlakyPrompt, MetricSpread, RepeatJudgement
from .report import run_prompts
from .summary import FAIL_WORDS, PASS_WORDS

__all__ = ["average_pages", "flaky_prompts", "judged", "pass_rates", "spreads", "without_inputs"]

_Prompts = dict[Hashable, list[tuple[str, EvaluationPrompt]]]


def _by_prompt(runs: Sequence[tuple[str, Sequence[ResultsPage]]]) -> _Prompts:
    """Each prompt's key -> its (run UUID, prompt) in every run that has it, in the order of the runs."""
    matched: _Prompts = {}
    for run_uuid, pages in runs:
        for slot, prompt in by_occurrence(run_prompts(pages), lambda prompt, at: input_key(prompt.input, at)):
            matched.setdefault(slot, []).append((run_uuid, prompt))
    return matched


def _number(result: MetricResult) -> float | None:
    """A finite number the result can be averaged as: its value, or 100/0 for a pass/fail word."""
    if result.is_error or result.status == MetricResultStatus.SKIPPED:
        return None
    value = result.value
    if isinstance(value, str):
        word = value.strip().lower()
        return 100.0 if word in PASS_WORDS else 0.0 if word in FAIL_WORDS else None
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)


def _averaged(results: Sequence[MetricResult]) -> MetricResult:
    numbers = [n for n in map(_number, results) if n is not None]
    if not numbers:
        return results[0]
    words = any(isinstance(r.value, str) for r in results if _number(r) is not None)
    return MetricResult(
        metric_name=results[0].metric_name,
        metric_uuid=results[0].metric_uuid,
        metric_value_type=MetricValueType.PERCENTAGE if words else MetricValueType.NUMBER,
        number_value=statistics.fmean(numbers),
        status=MetricResultStatus.COMPLETED,
        reasoning=f"averaged over {len(numbers)} repeats",
    )


def average_pages(runs: Sequence[tuple[str, Sequence[ResultsPage]]]) -> list[ResultsPage]:
    """One page with each prompt's values averaged over the runs (see the module documentation): of one run too,
    so that a group of one compares with a group of several (a pass/fail word becomes 100 or 0)."""
    merged = []
    for found in _by_prompt(runs).values():
        by_metric: dict[str, list[MetricResult]] = {}
        for _, prompt in found:
            for result in prompt.prompt_level_metric_results:
                name = metric_name_of(result)
                if name is not None:
                    by_metric.setdefault(name, []).append(result)
        template = found[0][1]
        results = tuple(_averaged(rs) for rs in by_metric.values())
        merged.append(attrs.evolve(template, prompt_level_metric_results=results))
    run = next((page.evaluation_run for _, pages in runs for page in pages if page.evaluation_run), None)
    return [ResultsPage(evaluation_run=run, prompts=tuple(merged))]


def without_inputs(pages: Sequence[ResultsPage], inputs: Collection[str]) -> list[ResultsPage]:
    """The pages without the prompts whose input (whitespace stripped) is one of ``inputs``."""
    if not inputs:
        return list(pages)
    return [
        attrs.evolve(page, prompts=tuple(p for p in page.prompts if slice_key(p.input) not in inputs)) for page in pages
    ]


def spreads(runs: Sequence[tuple[str, Sequence[ResultsPage]]]) -> dict[str, MetricSpread]:
    """Each metric's spread within prompts (over the repeats) and between prompts (their averages)."""
    values: dict[str, list[list[float]]] = {}
    for found in _by_prompt(runs).values():
        per_metric: dict[str, list[float]] = {}
        for _, prompt in found:
            for result in prompt.prompt_level_metric_results:
                name, number = metric_name_of(result), _number(result)
                if name is not None and number is not None:
                    per_metric.setdefault(name, []).append(number)
        for name, numbers in per_metric.items():
            values.setdefault(name, []).append(numbers)
    out = {}
    for name, prompts in values.items():
        repeated = [p for p in prompts if len(p) >= 2]
        within = math.sqrt(statistics.fmean(statistics.variance(p) for p in repeated)) if repeated else None
        means = [statistics.fmean(p) for p in prompts]
        between = statistics.stdev(means) if len(means) >= 2 else None
        out[name] = MetricSpread(metric=name, within=within, between=between, prompts=len(prompts))
    return out


def _passed(result: MetricResult, name: str, settings: GateSettings) -> bool | None:
    """The judgement of one result: passed, failed, or ``None`` (errored, skipped, or a number without a threshold)."""
    if result.is_error or result.status == MetricResultStatus.SKIPPED:
        return None
    value = result.value
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in PASS_WORDS else False if word in FAIL_WORDS else None
    threshold = settings.prompt_threshold(name)
    if value is None or isinstance(value, bool) or threshold is None or not math.isfinite(value):
        return None
    return not settings.worse(name, float(value), threshold)


def judged(
    runs: Sequence[tuple[str, Sequence[ResultsPage]]], settings: GateSettings
) -> dict[str, list[tuple[str | None, list[RepeatJudgement]]]]:
    """Per judged metric (pass/fail, or numeric with a pass threshold), each prompt's judgements over the runs."""
    out: dict[str, list[tuple[str | None, list[RepeatJudgement]]]] = {}
    for found in _by_prompt(runs).values():
        per_metric: dict[str, list[RepeatJudgement]] = {}
        for run_uuid, prompt in found:
            for result in prompt.prompt_level_metric_results:
                name = metric_name_of(result)
                if name is None:
                    continue
                verdict = _passed(result, name, settings)
                judgement = RepeatJudgement(
                    evaluation_run_uuid=run_uuid, output=prompt.output, value=result.value, passed=verdict
                )
                per_metric.setdefault(name, []).append(judgement)
        for name, judgements in per_metric.items():
            if any(j.passed is not None for j in judgements):
                out.setdefault(name, []).append((found[0][1].input, judgements))
    return out


def flaky_prompts(
    judgements: dict[str, list[tuple[str | None, list[RepeatJudgement]]]], quarantined: Collection[str] = ()
) -> tuple[FlakyPrompt, ...]:
    """The prompts whose judgements disagree, the highest flip rate first (then by input, for a stable order)."""
    flaky = []
    for metric, prompts in judgements.items():
        for text, repeats in prompts:
            verdicts = [j.passed for j in repeats if j.passed is not None]
            passes = sum(verdicts)
            if 0 < passes < len(verdicts):
                flaky.append(
                    FlakyPrompt(
                        input=text,
                        metric=metric,
                        passes=passes,
                        runs=len(verdicts),
                        judgements=tuple(repeats),
                        quarantined=slice_key(text) in quarantined,
                    )
                )
    return tuple(sorted(flaky, key=lambda f: (-f.flip_rate, f.metric, f.input or "")))


def pass_rates(
    judgements: dict[str, list[tuple[str | None, list[RepeatJudgement]]]], repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Per judged metric, pass@K (passed in at least one repeat) and pass^K (passed in all ``repeats``), 0-1.

    A repeat without a judgement (the metric errored, or the run did not finish) is not a pass.
    """
    at_least, every = {}, {}
    for metric, prompts in judgements.items():
        if not prompts:
            continue
        at_least[metric] = sum(any(j.passed for j in r) for _, r in prompts) / len(prompts)
        every[metric] = sum(sum(bool(j.passed) for j in r) >= repeats for _, r in prompts) / len(prompts)
    return at_least, every
