"""Summaries of a run's prompt results and comparisons of two runs, computed while the pages stream by.

What the numbers mean:

- **count** is the number of prompts where the metric has a value; **errors** the number where it errored
  (those prompts are left out of every other statistic).
- **mean / min / max** are over numeric values (NUMBER and PERCENTAGE metrics; a percentage stays on 0-100).
- **pass rate** is ``passed / (passed + failed)`` and exists only where "pass" has a meaning:

  * a STRING metric whose every value is pass/fail-like (``pass``/``fail``, ``passed``/``failed``,
    ``true``/``false``, ``yes``/``no``, ``success``/``failure``, any case);
  * a numeric metric named in ``pass_thresholds``: a prompt passes when its value is ``>=`` the threshold
    (``pass_thresholds={"correctness": 80}``), or ``<=`` it for an *inverted* metric.

- **score** is what quality gates compare: the mean when the metric is numeric, otherwise the pass rate in
  percent (0-100), otherwise nothing (a free-text metric cannot be gated).

- **inverted** metrics (the catalog's ``inverted``: a hallucination rate, a toxicity score) are better when lower.
  Their mean, min and max are the values as scored; what changes is every judgement of better or worse: the pass
  threshold is a ceiling, a gate's minimum score is a maximum, and in a comparison a rise is a regression. Which
  metrics are inverted comes from the metric catalog (matched by metric UUID, else by name ignoring case) or from
  the names given as ``inverted=``; a metric found in neither is taken as higher-is-better.

A comparison matches the candidate's prompts to the base's by prompt id, falling back to the exact input text
when the ids differ (a re-uploaded dataset). A prompt *regressed* on a metric when its candidate value is worse
than its base value by more than the metric's tolerance (a pass/fail metric counts pass as 100 and fail as 0).
Memory: a summary keeps a few numbers per metric; a comparison also keeps the base run's metric values (a few
numbers per prompt, not the prompts).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterable, Collection, Iterable, Mapping
from typing import Final

from .._exceptions import ArgumentTypeError
from .._validation import check_metric_bounds
from ..types import EvaluationMetric, EvaluationPrompt, EvaluationRun, MetricResult, MetricValueType, ResultsPage
from ..typing import OnProgress
from ._pages import run_pages
from ._resources import MetricCatalog, RunResults
from .records import metric_name_of
from .summary_results import MetricSummary, RunSummary

__all__ = ["MetricLookup", "RunStats", "inverted_metrics", "summarize_pages", "summarize_run"]


async def inverted_metrics(
    metrics: MetricCatalog | None, inverted: Collection[str] | None
) -> tuple[Iterable[EvaluationMetric], Collection[str]]:
    """How a workflow learns which metrics are inverted: the names the caller gave, else the catalog."""
    if inverted is not None or metrics is None:
        return (), inverted or ()
    return await metrics.catalog(), ()


PASS_WORDS: Final = frozenset({"pass", "passed", "true", "yes", "success", "successful"})
FAIL_WORDS: Final = frozenset({"fail", "failed", "false", "no", "failure", "unsuccessful"})


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class MetricLookup:
    """What is known of a run's metrics beyond their results: whether lower is better, and their range.

    Built from the metric catalog (``client.evaluation_metrics.catalog()``) and/or names given as inverted;
    a result is matched by its metric UUID, else by its name ignoring case.
    """

    def __init__(self, catalog: Iterable[EvaluationMetric] = (), inverted: Iterable[str] = ()) -> None:
        self._by_uuid: dict[str, tuple[bool, float | None]] = {}
        self._by_name: dict[str, tuple[bool, float | None]] = {}
        for metric in catalog:
            info = (bool(metric.inverted), _span(metric))
            if metric.metric_uuid:
                self._by_uuid[metric.metric_uuid.lower()] = info
            if metric.metric_name:
                self._by_name.setdefault(_key(metric.metric_name), info)
        if isinstance(inverted, str):
            raise ArgumentTypeError("inverted must be a list of metric names, not one string")
        for name in inverted:
            if not isinstance(name, str):
                raise ArgumentTypeError(f"inverted must hold metric names, got {type(name).__name__}")
            for table, key in ((self._by_uuid, name.strip().lower()), (self._by_name, _key(name))):
                table[key] = (True, table.get(key, (True, None))[1])

    def info(self, result: MetricResult, name: str) -> tuple[bool, float | None]:
        """``(inverted, range span)`` of the metric of ``result`` (filed under ``name``)."""
        if result.metric_uuid:
            found = self._by_uuid.get(result.metric_uuid.lower())
            if found is not None:
                return found
        found = self._by_name.get(_key(result.metric_name or name)) or self._by_uuid.get(name.lower())
        if found is not None:
            return found
        return False, (100.0 if result.metric_value_type == MetricValueType.PERCENTAGE else None)


def _span(metric: EvaluationMetric) -> float | None:
    low, high = metric.range_min, metric.range_max
    if low is not None and high is not None and math.isfinite(high - low) and high > low:
        return high - low
    return 100.0 if metric.metric_value_type == MetricValueType.PERCENTAGE else None


def _pass_fail(text: str) -> bool | None:
    word = text.strip().lower()
    if word in PASS_WORDS:
        return True
    if word in FAIL_WORDS:
        return False
    return None


class _MetricStats:
    __slots__ = (
        "errors",
        "failed",
        "high",
        "inverted",
        "low",
        "n_numeric",
        "name",
        "passed",
        "span",
        "strings",
        "total",
        "value_type",
    )

    def __init__(self, name: str, inverted: bool = False, span: float | None = None) -> None:
        self.name = name
        self.inverted = inverted
        self.span = span
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
                return number  # not counted, but seen: a comparison leaves it out of the pairing and says so
            self.n_numeric += 1
            self.total += number
            self.low = min(self.low, number)
            self.high = max(self.high, number)
            if threshold is not None:
                if (number <= threshold) if self.inverted else (number >= threshold):
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
            inverted=self.inverted,
            value_counts=dict(sorted(self.strings.items(), key=lambda kv: (-kv[1], kv[0]))),
        )


class RunStats:
    def __init__(self, run_uuid: str, pass_thresholds: Mapping[str, float], lookup: MetricLookup | None = None) -> None:
        self.run_uuid = run_uuid
        self.pass_thresholds = pass_thresholds
        self.lookup = lookup or MetricLookup()
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
                stats = self.metrics[name] = _MetricStats(name, *self.lookup.info(result, name))
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
    metrics: Iterable[EvaluationMetric] = (),
    inverted: Iterable[str] = (),
    on_progress: OnProgress | None = None,
) -> RunSummary:
    """Summarize a run from its pages of results, one page at a time.

    ``metrics`` is the metric catalog (or part of it) and ``inverted`` more names of lower-is-better metrics.
    """
    stats = RunStats(run_uuid, check_metric_bounds(pass_thresholds, "pass_thresholds"), MetricLookup(metrics, inverted))
    async for page in pages:
        if page.evaluation_run is not None:
            stats.run = page.evaluation_run
        for prompt in page.prompts:
            stats.add(prompt)
        if on_progress is not None:
            on_progress(stats.prompts, page.meta.total)
    return stats.summary()


async def summarize_run(
    runs: RunResults,
    metrics: MetricCatalog | None,
    run_uuid: str,
    *,
    pass_thresholds: Mapping[str, float] | None,
    per_page: int | None,
    on_progress: OnProgress | None,
    inverted: Collection[str] | None = None,
) -> RunSummary:
    """Summarize a run by streaming its pages (see ``AsyncEvaluationRuns.summarize``).

    The catalog is read (unless ``inverted`` names the inverted metrics) once the arguments are known to be good.
    """
    passes = check_metric_bounds(pass_thresholds, "pass_thresholds")
    catalog, named = await inverted_metrics(metrics, inverted)
    async with run_pages(runs, run_uuid, per_page) as pages:
        return await summarize_pages(
            pages, run_uuid, pass_thresholds=passes, metrics=catalog, inverted=named, on_progress=on_progress
        )
