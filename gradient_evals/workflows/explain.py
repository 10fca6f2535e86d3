"""The answers behind a failure: which prompts a report explains, their baseline answers, and how they rank.

A report explains a prompt that failed a prompt-level check, errored, or regressed against the baseline by more
than a ``max_regression`` gate allows (the prompts ``evaluate_failed`` reruns). Such a prompt keeps its baseline
counterpart (:attr:`PromptOutcome.baseline`), taken from the baseline run's result pages already read to compare
the two runs: nothing is fetched per prompt.

**Impact**, worst first: the largest fall against the baseline beyond a gate, relative to the metric's range
(:attr:`PromptRegression.relative`, see :mod:`gradient_evals.workflows.compare`), then the number of metrics that
failed or errored on the prompt, then prompt order. Per-prompt regressions are ranked by :func:`regression_order`
everywhere (the CLI's ``runs compare`` and every report).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from ..results import AgentResult, EvaluationReport, PromptOutcome, PromptRegression, RunComparison
from ..types import EvaluationPrompt

__all__ = [
    "DEFAULT_ANSWERS_SHOWN",
    "ExplainedPrompt",
    "attach_baselines",
    "explained_prompts",
    "regression_order",
    "worst_regressions",
]

DEFAULT_ANSWERS_SHOWN = 50
"""How many explained prompts the HTML report shows with their answers, unless told otherwise."""


def _spread(comparison: RunComparison | None, metric: str) -> float | None:
    found = None if comparison is None else comparison.metrics.get(metric)
    summaries = [] if found is None else [s for s in (found.base, found.candidate) if s is not None]
    lows = [s.min for s in summaries if s.min is not None]
    highs = [s.max for s in summaries if s.max is not None]
    spread = max(highs) - min(lows) if lows and highs else 0.0
    return spread if spread > 0 and math.isfinite(spread) else None


def regression_order(regression: PromptRegression, comparison: RunComparison | None = None) -> tuple[float, str, int]:
    """The sort key of a per-prompt regression, worst first: the worsening relative to the metric's range
    (:attr:`PromptRegression.relative`; without one, relative to the spread of the metric's values in
    ``comparison``), then metric name and prompt id. One with no range at all sorts after every one with one."""
    relative = regression.relative
    if relative is None or not math.isfinite(relative):
        spread = _spread(comparison, regression.metric)
        relative = None if spread is None else regression.worsening / spread
    rank = -relative if relative is not None else math.inf
    return rank, regression.metric, regression.candidate_prompt_id or 0


def worst_regressions(report: EvaluationReport, limit: int | None = None) -> list[tuple[AgentResult, PromptRegression]]:
    """Every agent's per-prompt regressions that made a metric worse, worst first (:func:`regression_order`)."""
    rows = [
        (agent, regression)
        for agent in report.agents
        if agent.comparison is not None
        for regression in agent.comparison.regressions
        if regression.worsening > 0
    ]
    rows.sort(key=lambda row: regression_order(row[1], row[0].comparison))
    return rows if limit is None else rows[:limit]


def _beyond_gate(comparison: RunComparison | None, max_regression: Mapping[str, float]) -> list[PromptRegression]:
    if comparison is None:
        return []
    return [r for r in comparison.regressions if r.metric in max_regression and r.worsening > max_regression[r.metric]]


def _key(prompt_id: int | None, text: str | None) -> tuple[int | None, str | None]:
    return prompt_id, None if text is None else text.strip()


def attach_baselines(
    outcomes: Sequence[PromptOutcome],
    baseline_prompts: Sequence[EvaluationPrompt] | None,
    comparison: RunComparison | None,
    max_regression: Mapping[str, float],
    outcome_of: Callable[[EvaluationPrompt], PromptOutcome],
) -> list[PromptOutcome]:
    """``outcomes`` where each prompt a report explains carries its baseline counterpart, matched as the comparison
    matches prompts: by prompt id (when the input agrees), else by input text."""
    if not baseline_prompts:
        return list(outcomes)
    regressed = {_key(r.candidate_prompt_id, r.input) for r in _beyond_gate(comparison, max_regression)}
    by_id: dict[int, EvaluationPrompt] = {}
    by_text: dict[str, EvaluationPrompt] = {}
    for prompt in baseline_prompts:
        if prompt.prompt_id is not None:
            by_id.setdefault(prompt.prompt_id, prompt)
        if prompt.input is not None:
            by_text.setdefault(prompt.input.strip(), prompt)
    attached = []
    for outcome in outcomes:
        if outcome.passed and _key(outcome.prompt_id, outcome.input) not in regressed:
            attached.append(outcome)
            continue
        text = None if outcome.input is None else outcome.input.strip()
        found = None if outcome.prompt_id is None else by_id.get(outcome.prompt_id)
        if found is not None and text is not None and found.input is not None and found.input.strip() != text:
            found = None  # the same id on another row: a re-uploaded dataset
        if found is None and text is not None:
            found = by_text.get(text)
        attached.append(outcome if found is None else attrs.evolve(outcome, baseline=outcome_of(found)))
    return attached


@attrs.frozen(kw_only=True)
class ExplainedPrompt:
    """A prompt a report explains: the agent, the prompt now (with its baseline), and its regressions."""

    agent: AgentResult
    prompt: PromptOutcome
    regressions: tuple[PromptRegression, ...] = ()
    """This prompt's falls against the baseline beyond a gate, worst first."""

    @property
    def impact(self) -> float:
        """The largest of :attr:`regressions`' relative worsening (0 without one)."""
        values = [r.relative for r in self.regressions if r.relative is not None and math.isfinite(r.relative)]
        return max(values, default=0.0)


def _order(item: ExplainedPrompt) -> tuple[float, int, int]:
    broken = len(item.prompt.failures) + len(item.prompt.errors)
    return -item.impact, -broken, item.prompt.prompt_id or 0


def explained_prompts(
    report: EvaluationReport, limit: int | None = None, agents: Iterable[AgentResult] | None = None
) -> tuple[list[ExplainedPrompt], int]:
    """The prompts ``report`` explains, worst first by impact (see the module docs), at most ``limit``, and how
    many were left out."""
    items: list[ExplainedPrompt] = []
    for agent in report.agents if agents is None else agents:
        beyond: dict[tuple[int | None, str | None], list[PromptRegression]] = {}
        for regression in _beyond_gate(agent.comparison, report.max_regression):
            beyond.setdefault(_key(regression.candidate_prompt_id, regression.input), []).append(regression)
        for prompt in agent.prompts:
            found = beyond.get(_key(prompt.prompt_id, prompt.input), [])
            if prompt.passed and not found:
                continue
            ordered = tuple(sorted(found, key=lambda r: regression_order(r, agent.comparison)))
            items.append(ExplainedPrompt(agent=agent, prompt=prompt, regressions=ordered))
    items.sort(key=_order)
    if limit is None or len(items) <= limit:
        return items, 0
    return items[: max(0, limit)], len(items) - max(0, limit)
