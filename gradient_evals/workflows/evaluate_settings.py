"""``EvaluationSettings``: everything one evaluation is asked to do, as one frozen value, with its defaults.

Every way into ``evaluate`` builds this value (the clients' keyword arguments, a suite of ``gradient-evals.toml``,
the command line's flags, the pytest plugin) and the plan takes it: a setting is declared once, here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from .._defaults import DEFAULT_EVALUATE_TIMEOUT
from ..types import StarMetric
from ..typing import Baseline, DatasetInput, OnEvaluationProgress
from ._arguments import (
    check_agent_uuids,
    check_allowance,
    check_checks,
    check_choice,
    check_evaluate_timeout,
    check_gates,
    check_pricing,
    check_star_metric,
    check_strings,
    check_text,
    pinned_runs,
)
from .answer_settings import CheckInput, PricingInput
from .gates import INTERVALS, REGRESSION_TESTS, Interval, RegressionTest
from .metric_names import MetricRef
from .repeats import DEFAULT_MAX_RUNS, check_max_runs, check_quarantine, check_repeats
from .wait import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, check_seconds

__all__ = ["DEFAULT_EVALUATE_TIMEOUT", "EvaluationSettings", "check_setting"]


def _by(check: Callable[..., object], **options: Any) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """A field's validator: ``check(value, field_name, **options)``, which raises ``ValueError``/``TypeError``."""

    def validate(_: object, field: attrs.Attribute[Any], value: object) -> None:
        check(value, field.name, **options)

    return validate


def _optional(check: Callable[..., object], **options: Any) -> Callable[[object, attrs.Attribute[Any], object], None]:
    return attrs.validators.optional(_by(check, **options))


@attrs.frozen(kw_only=True)
class EvaluationSettings:
    """What ``client.evaluate`` is asked to do: the dataset, the test case, the agents, the metrics and the gates.

    ```python
    settings = EvaluationSettings(dataset="evals/support.csv", test_case="support-bot", metrics=["correctness"],
                                  agents=["support-agent"], fail_under={"correctness": 75})
    report = await client.evaluate(settings)          # the same as client.evaluate(dataset=..., ...)
    nightly = attrs.evolve(settings, timeout=7200)    # a value: change a copy, not the original
    ```

    ``dataset`` and ``test_case`` are required; every other setting has its default here. Each value is checked on
    its own when the settings are made (a ``ValueError`` or ``TypeError`` naming the setting); what needs the API
    (metric and agent names, the test case, the dataset, pinned baselines) is checked when the evaluation is
    planned, before anything is uploaded, created or updated.
    """

    dataset: DatasetInput
    """A CSV path, a ``pandas.DataFrame`` or row mappings (uploaded, unless a dataset with the same content hash,
    recorded in its name, exists: then that one is reused), or the UUID of a dataset already uploaded."""
    test_case: str = attrs.field(validator=_by(check_text, what="test case name or UUID"))
    """A test case name (the test case of that exact name, updated to this dataset, ``metrics`` and ``star_metric``
    when they differ, which makes a new version; created when there is none) or a test case UUID."""
    agent_uuids: Sequence[str] | None = attrs.field(default=None, validator=_by(check_agent_uuids))
    """Agents by UUID: one run each."""
    agents: Sequence[str] | None = attrs.field(default=None, validator=_by(check_strings))
    """Agents by name or UUID: a name is looked up through ``client.agents`` (one that matches no agent or several
    raises ``AgentNameError`` listing the candidates, before anything is created)."""
    agent_deployment_names: Sequence[str] | None = attrs.field(default=None, validator=_by(check_strings))
    """Agent deployments by name: one run each. All the runs are created in one request."""
    metrics: Sequence[MetricRef] | None = None
    """The test case's metrics: names, UUIDs or catalog models. Required when the test case is created."""
    star_metric: str | StarMetric | None = attrs.field(default=None, validator=_by(check_star_metric))
    """The metric that ranks agents and decides a pass: a name, a UUID or a ``StarMetric``."""
    star_threshold_pct: int | None = None
    """The star metric's pass threshold, in percent, for a star metric given by name or UUID."""
    run_name: str | None = None
    """The name of the runs (the API's default when not given)."""
    fail_under: Mapping[str, float] | None = attrs.field(default=None, validator=_by(check_gates))
    """Score floors, ``{"correctness": 75}``: an agent below one fails (a ceiling for a metric that is better when
    lower)."""
    max_regression: Mapping[str, float] | None = attrs.field(
        default=None, validator=_by(check_gates, non_negative=True)
    )
    """Points a score may worsen by against the baseline, ``{"correctness": 3}``, in every slice too."""
    pass_thresholds: Mapping[str, float] | None = attrs.field(default=None, validator=_by(check_gates))
    """When a prompt passes a numeric metric (default: its ``fail_under`` value); a prompt that failed is a failing
    test in the JUnit report."""
    baseline: Baseline = attrs.field(default="latest", validator=_by(pinned_runs))
    """What each run is compared with: ``"latest"`` (each agent's latest SUCCESSFUL or PARTIALLY_SUCCESSFUL run of
    the same test case version), a run UUID, a mapping of agent UUID or deployment name to run UUID, or ``None``."""
    baseline_any_version: bool = False
    """Take the baseline from any version of the test case, not only the version this evaluation runs."""
    require_complete: bool = False
    """Fail a PARTIALLY_SUCCESSFUL run, or a metric that errored or was skipped on any prompt."""
    require_baseline: bool = False
    """Fail a ``max_regression`` gate that has no baseline (by default it is reported as not applied, with why)."""
    regression_test: RegressionTest = attrs.field(
        default="paired", validator=_by(check_choice, choices=REGRESSION_TESTS)
    )
    """How a ``max_regression`` gate decides: ``"paired"`` (the prompts paired by input; the 95% interval of the
    change against the allowed worsening: passed, failed or inconclusive) or ``"point"`` (the two means alone)."""
    interval: Interval = attrs.field(default="t", validator=_by(check_choice, choices=INTERVALS))
    """The interval of a numeric metric's paired change: ``"t"`` (paired t) or ``"bootstrap"`` (10,000 resamples of
    the prompts, seeded by the two run UUIDs, so the same runs always give the same interval)."""
    require_conclusive: bool = False
    """Fail a regression gate that is inconclusive (its interval straddles the allowed worsening: too few prompts
    to tell); by default it is reported as inconclusive, with the prompts that would decide, and passes."""
    repeats: int = attrs.field(default=1, validator=_by(check_repeats))
    """Runs per agent, from 1 to 10. With more than one, each prompt's values are averaged over the repeats before
    the gates pair it with the baseline (so the gates' n is the number of prompts), the report gives the spread
    within and between prompts, and a prompt whose repeats disagree on a pass/fail judgement is named flaky."""
    max_runs: int = attrs.field(default=DEFAULT_MAX_RUNS, validator=_by(check_max_runs))
    """The most runs this call may create (agents x repeats, summed over suites): more is refused before anything
    is created, so a typo in ``repeats`` cannot spend a day's budget."""
    quarantine: str | os.PathLike[str] | None = attrs.field(default=None, validator=_by(check_quarantine))
    """A file of prompt inputs, one a line: those prompts are evaluated and shown but left out of every gate (the
    report says how many). Inputs not in the dataset are named in a warning."""
    quarantine_flaky: bool = False
    """Add the flaky prompts of this evaluation to the ``quarantine`` file, for review."""
    slice_by: str | None = attrs.field(default=None, validator=_optional(check_text, what="column name"))
    """A column of the dataset kept on this side (not uploaded) and joined back to the results by prompt input
    text: the report has per-slice scores, and a slice that regressed fails the gate."""
    dataset_name: str | None = None
    """The uploaded dataset's name, before its content hash (default: the test case's name)."""
    timeout: float = attrs.field(default=DEFAULT_EVALUATE_TIMEOUT, validator=_by(check_evaluate_timeout))
    """The deadline of the whole evaluation, in seconds. Every run is waited for concurrently; a run still going at
    the deadline is reported as timed out (``report.run_failed``), not raised."""
    poll_interval: float = attrs.field(default=DEFAULT_POLL_INTERVAL, validator=_by(check_seconds))
    """Seconds between the first polls of a run's status; the gap grows up to ``max_poll_interval``."""
    max_poll_interval: float = attrs.field(default=DEFAULT_MAX_POLL_INTERVAL, validator=_by(check_seconds))
    """The longest gap between two polls of a run's status, in seconds."""
    checks: Sequence[CheckInput] | None = attrs.field(default=None, validator=_by(check_checks))
    """Checks on every prompt's answer, run locally after the run (nothing is sent): objects of
    :mod:`gradient_evals.checks` or functions ``(prompt) -> bool | (bool, reason)``. Each is a pass/fail metric
    ``check:<name>`` of every report and a gate: every prompt must pass it unless its ``min_pass_rate`` relaxes
    that; ``max_regression={"check:<name>": points}`` gates its change against the baseline (paired, McNemar)."""
    pricing: PricingInput | None = attrs.field(default=None, validator=_by(check_pricing))
    """A price table, ``{"input_per_million": 0.5, "output_per_million": 1.5, "agents": {"bot": {...}}}`` (dollars
    per million tokens, per-agent tables overriding the default): each run's cost is reported."""
    max_cost: float | None = attrs.field(default=None, validator=_by(check_allowance))
    """The most a run may cost, in dollars, at the price table's price for its agent (needs ``pricing``)."""
    max_output_tokens_increase_pct: float | None = attrs.field(default=None, validator=_by(check_allowance))
    """How much the output tokens per prompt may grow against the baseline, in percent: prompts paired by input,
    the mean of the log ratios with its 95% interval decided against ``log(1 + pct / 100)``."""
    on_progress: OnEvaluationProgress | None = attrs.field(
        default=None, eq=False, validator=attrs.validators.optional(attrs.validators.is_callable())
    )
    """Called with each step (upload, test case, each run's status changes, each page of results) as an
    ``EvaluationProgress``; a plain function or a coroutine function. Not compared: two settings that differ only
    in where progress goes ask for the same evaluation."""


def check_setting(name: str, value: object) -> None:
    """Check one setting's value on its own, as making the settings would (``ValueError``/``TypeError``)."""
    field = attrs.fields_dict(EvaluationSettings)[name]
    if field.validator is not None:
        field.validator(None, field, value)
