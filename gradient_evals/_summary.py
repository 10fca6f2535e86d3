"""Summaries of a run's prompt results and comparisons of two runs, computed while the pages stream by.

What the numbers mean:

- **count** is the number of prompts where the metric has a value; **errors** the number where it errored
  (those prompts are left out of every other statistic).
- **mean / min / max** are over numeric values (NUMBER and PERCENTAGE metrics; a percentage stays on 0-100).
- **pass rate** is ``passed / (passed + failed)`` and exists only where "pass" has a meaning:

  * a STRING metric whose every value is pass/fail-like (``pass``/``fail``, ``passed``/``failed``,
    ``true``/``false``, ``yes``/``no``, ``success``/``failure``, any case);
  * a numeric metric named in ``pass_thresholds``: a prompt passes when its value is ``>=`` the threshold
    (``pass_thresholds={"correctness": 80}``).

- **score** is what quality gates compare: the mean when the metric is numeric, otherwise the pass rate in
  percent (0-100), otherwise nothing (a free-text metric cannot be gated).

A comparison matches the candidate's prompts to the base's by prompt id, falling back to the exact input text
when the ids differ (a re-uploaded dataset). A prompt *regressed* on a metric when its candidate value is lower
than its base value by more than ``tolerance`` (higher is better for every metric; a pass/fail metric counts
pass as 100 and fail as 0). Memory: a summary keeps a few numbers per metric; a comparison also keeps the
base run's metric values (a few numbers per prompt, not the prompts).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterable, Callable, Mapping
from typing import Final

import attrs

from ._export import metric_name_of
from ._models import EvaluationPrompt, EvaluationRun, MetricResult, ResultsPage

__all__ = [
    "MetricComparison",
    "MetricSummary",
    "PromptRegression",
    "RunComparison",
    "RunSummary",
    "Verdict",
    "compare_pages",
    "summarize_pages",
]

PASS_WORDS: Final = frozenset({"pass", "passed", "true", "yes", "success", "successful"})
FAIL_WORDS: Final = frozenset({"fail", "failed", "false", "no", "failure", "unsuccessful"})

OnProgress = Callable[[int, "int | None"], object]


def _pass_fail(text: str) -> bool | None:
    word = text.strip().lower()
    if word in PASS_WORDS:
        return True
    if word in FAIL_WORDS:
        return False
    return None


@attrs.frozen(kw_only=True)
class Verdict:
    """The outcome of a quality gate: ``passed``, and one line per reason it failed."""

    passed: bool
    reasons: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class MetricSummary:
    """One metric over all prompts of a run (see the module documentation for the definitions)."""

    name: str
    value_type: str | None = None
    count: int = 0
    errors: int = 0
    mean: float | None = None
    min: float | None = None
    max: float | None = None
    passed: int | None = None
    failed: int | None = None
    value_counts: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def pass_rate(self) -> float | None:
        """Share of judged prompts that passed (0-1), or ``None`` when this metric has no notion of pass."""
        if self.passed is None or self.failed is None or self.passed + self.failed == 0:
            return None
        return self.passed / (self.passed + self.failed)

    @property
    def score(self) -> float | None:
        """What gates compare: the mean, else the pass rate in percent, else ``None``."""
        if self.mean is not None:
            return self.mean
        rate = self.pass_rate
        return None if rate is None else rate * 100.0


@attrs.frozen(kw_only=True)
class RunSummary:
    """Per-metric statistics of a run's prompt results."""

    evaluation_run_uuid: str
    run: EvaluationRun | None = None
    prompt_count: int = 0
    metrics: Mapping[str, MetricSummary] = attrs.field(factory=dict)

    @property
    def error_count(self) -> int:
        """Metric results that errored, over all prompts and metrics."""
        return sum(m.errors for m in self.metrics.values())

    def metric(self, name: str) -> MetricSummary | None:
        """The summary of the metric called ``name``, if the run has it."""
        return self.metrics.get(name)

    def check(self, min_scores: Mapping[str, float]) -> Verdict:
        """Gate on minimum scores: ``{"correctness": 75}`` fails unless correctness's score is >= 75."""
        reasons: list[str] = []
        for name, floor in min_scores.items():
            metric = self.metrics.get(name)
            score = None if metric is None else metric.score
            if metric is None:
                reasons.append(f"{name}: no such metric in run {self.evaluation_run_uuid}")
            elif score is None:
                reasons.append(f"{name}: has no numeric score to compare with {floor:g}")
            elif score < floor:
                reasons.append(f"{name}: {score:.4g} is below {floor:g}")
        return Verdict(passed=not reasons, reasons=tuple(reasons))


@attrs.frozen(kw_only=True)
class PromptRegression:
    """A prompt whose candidate value of one metric is worse than its base value by more than the tolerance."""

    metric: str
    base_prompt_id: int | None
    candidate_prompt_id: int | None
    input: str | None
    base_value: float
    candidate_value: float

    @property
    def delta(self) -> float:
        """``candidate_value - base_value`` (negative: it got worse)."""
        return self.candidate_value - self.base_value


@attrs.frozen(kw_only=True)
class MetricComparison:
    """One metric in both runs: the summaries, the change in score, and how many prompts regressed."""

    name: str
    base: MetricSummary | None
    candidate: MetricSummary | None
    regressed: int = 0

    @property
    def delta(self) -> float | None:
        """Candidate score minus base score (``None`` unless both runs have a score)."""
        if self.base is None or self.candidate is None:
            return None
        b, c = self.base.score, self.candidate.score
        return None if b is None or c is None else c - b


@attrs.frozen(kw_only=True)
class RunComparison:
    """A candidate run measured against a base run, and the verdict of the gate."""

    base: RunSummary
    candidate: RunSummary
    matched: int
    unmatched_base: int
    unmatched_candidate: int
    metrics: Mapping[str, MetricComparison]
    regressions: tuple[PromptRegression, ...]
    verdict: Verdict

    @property
    def passed(self) -> bool:
        """True when the candidate passed the gate."""
        return self.verdict.passed


# -- accumulation ------------------------------------------------------------------------------------------


class _MetricStats:
    __slots__ = ("errors", "failed", "high", "low", "n_numeric", "name", "passed", "strings", "total", "value_type")

    def __init__(self, name: str) -> None:
        self.name = name
        self.value_type: str | None = None
        self.errors = 0
        self.n_numeric = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.passed = 0
        self.failed = 0
        self.strings: dict[str, int] = {}

    def add(self, result: MetricResult, threshold: float | None) -> float | None:
        """Count one prompt's result; returns its comparable value (see the module docs) or ``None``."""
        if self.value_type is None and result.metric_value_type is not None:
            self.value_type = str(getattr(result.metric_value_type, "value", result.metric_value_type))
        if result.is_error:
            self.errors += 1
            return None
        value = result.value
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            number = float(value)
            if not math.isfinite(number):
                return None
            self.n_numeric += 1
            self.total += number
            self.low = min(self.low, number)
            self.high = max(self.high, number)
            if threshold is not None:
                if number >= threshold:
                    self.passed += 1
                else:
                    self.failed += 1
            return number
        self.strings[value] = self.strings.get(value, 0) + 1
        verdict = _pass_fail(value)
        return None if verdict is None else (100.0 if verdict else 0.0)

    def summary(self, has_threshold: bool) -> MetricSummary:
        numeric = self.n_numeric > 0
        string_verdicts = [_pass_fail(s) for s in self.strings]
        pass_fail_strings = bool(self.strings) and all(v is not None for v in string_verdicts)
        passed: int | None = None
        failed: int | None = None
        if numeric and has_threshold:
            passed, failed = self.passed, self.failed
        elif pass_fail_strings and not numeric:
            passed = sum(n for s, n in self.strings.items() if _pass_fail(s))
            failed = sum(n for s, n in self.strings.items() if _pass_fail(s) is False)
        return MetricSummary(
            name=self.name,
            value_type=self.value_type,
            count=self.n_numeric + sum(self.strings.values()),
            errors=self.errors,
            mean=self.total / self.n_numeric if numeric else None,
            min=self.low if numeric else None,
            max=self.high if numeric else None,
            passed=passed,
            failed=failed,
            value_counts=dict(sorted(self.strings.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


class _RunStats:
    def __init__(self, run_uuid: str, pass_thresholds: Mapping[str, float]) -> None:
        self.run_uuid = run_uuid
        self.pass_thresholds = pass_thresholds
        self.run: EvaluationRun | None = None
        self.prompts = 0
        self.metrics: dict[str, _MetricStats] = {}

    def add(self, prompt: EvaluationPrompt) -> dict[str, float]:
        """Count one prompt; returns its comparable metric values."""
        self.prompts += 1
        values: dict[str, float] = {}
        for result in prompt.prompt_level_metric_results:
            name = metric_name_of(result)
            if name is None:
                continue
            stats = self.metrics.get(name)
            if stats is None:
                stats = self.metrics[name] = _MetricStats(name)
            value = stats.add(result, self.pass_thresholds.get(name))
            if value is not None:
                values[name] = value
        return values

    def summary(self) -> RunSummary:
        return RunSummary(
            evaluation_run_uuid=self.run_uuid,
            run=self.run,
            prompt_count=self.prompts,
            metrics={name: self.metrics[name].summary(name in self.pass_thresholds) for name in sorted(self.metrics)},
        )


async def summarize_pages(
    pages: AsyncIterable[ResultsPage],
    run_uuid: str,
    *,
    pass_thresholds: Mapping[str, float] | None = None,
    on_progress: OnProgress | None = None,
) -> RunSummary:
    """Summarize a run from its pages of results, one page at a time."""
    stats = _RunStats(run_uuid, dict(pass_thresholds or {}))
    async for page in pages:
        if page.evaluation_run is not None:
            stats.run = page.evaluation_run
        for prompt in page.prompts:
            stats.add(prompt)
        if on_progress is not None:
            on_progress(stats.prompts, page.meta.total)
    return stats.summary()


def _verdict(
    metrics: Mapping[str, MetricComparison],
    thresholds: Mapping[str, float],
    min_scores: Mapping[str, float],
    tolerance: float,
) -> Verdict:
    reasons: list[str] = []
    for name, allowed in thresholds.items():
        comparison = metrics.get(name)
        delta = None if comparison is None else comparison.delta
        if delta is None:
            reasons.append(f"{name}: not scored in both runs, cannot check a change of at least {allowed:+g}")
        elif delta < allowed:
            reasons.append(f"{name}: changed by {delta:+.4g}, the threshold allows {allowed:+g}")
    for name, floor in min_scores.items():
        comparison = metrics.get(name)
        score = None if comparison is None or comparison.candidate is None else comparison.candidate.score
        if score is None:
            reasons.append(f"{name}: the candidate has no score to compare with {floor:g}")
        elif score < floor:
            reasons.append(f"{name}: the candidate's {score:.4g} is below {floor:g}")
    if not thresholds and not min_scores:
        for name, comparison in metrics.items():
            delta = comparison.delta
            if delta is not None and delta < -tolerance:
                reasons.append(f"{name}: dropped by {-delta:.4g} (tolerance {tolerance:g})")
    return Verdict(passed=not reasons, reasons=tuple(reasons))


async def compare_pages(
    base_pages: AsyncIterable[ResultsPage],
    candidate_pages: AsyncIterable[ResultsPage],
    base_run_uuid: str,
    candidate_run_uuid: str,
    *,
    thresholds: Mapping[str, float] | None = None,
    min_scores: Mapping[str, float] | None = None,
    tolerance: float = 0.0,
    pass_thresholds: Mapping[str, float] | None = None,
    on_progress: OnProgress | None = None,
) -> RunComparison:
    """Compare two runs page by page: the base is read first, then the candidate is matched against it.

    See ``AsyncEvaluationRuns.compare`` for the meaning of the arguments.
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
        raise ValueError(f"tolerance must be a number >= 0, got {tolerance!r}")
    passes = dict(pass_thresholds or {})
    base_stats = _RunStats(base_run_uuid, passes)
    base_values: dict[int | None, dict[str, float]] = {}
    base_by_input: dict[str, int | None] = {}
    anonymous: list[tuple[str | None, dict[str, float]]] = []
    done = 0
    async for page in base_pages:
        if page.evaluation_run is not None:
            base_stats.run = page.evaluation_run
        for prompt in page.prompts:
            values = base_stats.add(prompt)
            if prompt.prompt_id is None:
                anonymous.append((prompt.input, values))
                continue
            base_values[prompt.prompt_id] = values
            if prompt.input is not None:
                base_by_input.setdefault(prompt.input, prompt.prompt_id)
        done += len(page.prompts)
        if on_progress is not None:
            on_progress(done, None)
    for text, values in anonymous:  # prompts without an id can only be matched by their input
        if text is not None and text not in base_by_input:
            key: int | None = -len(base_values) - 1
            base_values[key] = values
            base_by_input[text] = key

    candidate_stats = _RunStats(candidate_run_uuid, passes)
    matched: set[int | None] = set()
    regressions: list[PromptRegression] = []
    regressed: dict[str, int] = {}
    async for page in candidate_pages:
        if page.evaluation_run is not None:
            candidate_stats.run = page.evaluation_run
        for prompt in page.prompts:
            values = candidate_stats.add(prompt)
            key = prompt.prompt_id
            if key is None or key not in base_values or key in matched:
                key = base_by_input.get(prompt.input) if prompt.input is not None else None
                if key is None or key in matched:
                    continue
            matched.add(key)
            before = base_values[key]
            for name, value in values.items():
                old = before.get(name)
                if old is not None and value < old - tolerance:
                    regressed[name] = regressed.get(name, 0) + 1
                    regressions.append(
                        PromptRegression(
                            metric=name,
                            base_prompt_id=key if key is not None and key >= 0 else None,
                            candidate_prompt_id=prompt.prompt_id,
                            input=prompt.input,
                            base_value=old,
                            candidate_value=value,
                        )
                    )
        done += len(page.prompts)
        if on_progress is not None:
            on_progress(done, None)

    base = base_stats.summary()
    candidate = candidate_stats.summary()
    metrics = {
        name: MetricComparison(
            name=name,
            base=base.metrics.get(name),
            candidate=candidate.metrics.get(name),
            regressed=regressed.get(name, 0),
        )
        for name in sorted(set(base.metrics) | set(candidate.metrics))
    }
    regressions.sort(key=lambda r: (r.metric, r.delta))
    return RunComparison(
        base=base,
        candidate=candidate,
        matched=len(matched),
        unmatched_base=len(base_values) - len(matched),
        unmatched_candidate=candidate.prompt_count - len(matched),
        metrics=metrics,
        regressions=tuple(regressions),
        verdict=_verdict(metrics, dict(thresholds or {}), dict(min_scores or {}), float(tolerance)),
    )
