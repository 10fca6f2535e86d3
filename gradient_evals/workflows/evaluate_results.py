"""What ``client.evaluate`` computes: per-agent results, gates, slices, the leaderboard and the overall verdict.

An :class:`EvaluationReport` carries every UUID involved (dataset, test case and version, runs, baselines), so a
result can be reproduced and linked. It is data only: :mod:`gradient_evals.reports` renders it as JUnit XML,
Markdown or a self-contained HTML page. The public home of these classes is :mod:`gradient_evals.results`.

Scores follow :mod:`gradient_evals.workflows.summary`: a metric's score is its mean, or its pass rate in percent.
A metric named in ``inverted_metrics`` is better when lower, in every gate, delta and ranking of the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from ..statistics import PairedComparison
from ..types.evaluation_runs import EvaluationRun, EvaluationRunStatus
from .checks_results import CheckResult
from .compare_results import RunComparison
from .repeats_results import FlakyPrompt, RepeatGroup
from .summary_results import MetricSummary, RunSummary, Verdict
from .usage_results import Pricing, RunCost, RunTokenUsage

__all__ = [
    "AgentResult",
    "EvaluationProgress",
    "EvaluationReport",
    "GateKind",
    "GateResult",
    "LeaderboardEntry",
    "PromptOutcome",
    "SliceResult",
]


class GateKind(StrEnum):
    """What a gate checks."""

    RUN_STATUS = "run_status"
    """The run finished (not FAILED, CANCELLED or timed out), and completely when ``require_complete``."""
    COMPLETE = "complete"
    """Every metric has a result on every prompt (only with ``require_complete``)."""
    FAIL_UNDER = "fail_under"
    """A metric's score is at least the floor (at most, for an inverted metric)."""
    MAX_REGRESSION = "max_regression"
    """A metric's score got worse than the baseline's by at most the allowed points."""
    SLICE_REGRESSION = "slice_regression"
    """The same, within one slice of the dataset (``slice_by``)."""
    CHECK = "check"
    """A check on the answers passed on enough prompts (every prompt, unless its ``min_pass_rate`` relaxes it)."""
    MAX_COST = "max_cost"
    """The run's tokens cost at most this many dollars at the price table's price."""
    OUTPUT_TOKENS_INCREASE = "max_output_tokens_increase_pct"
    """Output tokens per prompt grew by at most this percentage against the baseline (paired, mean log ratio)."""


@attrs.frozen(kw_only=True)
class GateResult:
    """One gate checked on one agent's run: what it compared, and whether it passed."""

    kind: GateKind | str
    name: str
    """A short human name, ``correctness >= 80``."""
    passed: bool
    metric: str | None = None
    threshold: float | None = None
    actual: float | None = None
    message: str = ""
    """Why it failed, or why it was not applied (empty when it passed)."""
    applied: bool = True
    """False when the gate could not be checked (``max_regression`` without a baseline): ``message`` says why.
    A gate not applied does not fail the verdict, unless a baseline was required (then ``passed`` is False)."""
    statistics: PairedComparison | None = None
    """For a regression gate: the paired comparison that decided it (change, interval, p, n, method)."""
    outcome: str = attrs.field()
    """``"passed"``, ``"failed"``, ``"inconclusive"`` (the interval straddles the allowed worsening: it fails the
    verdict only with ``require_conclusive``) or ``"not_applied"``."""

    @outcome.default
    def _outcome_of_passed(self) -> str:
        if not self.applied:
            return "not_applied"
        return "passed" if self.passed else "failed"

    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"``, ``"inconclusive"`` or ``"not applied"``: what a report shows."""
        if self.outcome == "inconclusive":
            return "inconclusive"
        if not self.applied and self.passed:
            return "not applied"
        return "passed" if self.passed else "failed"


@attrs.frozen(kw_only=True)
class PromptOutcome:
    """One prompt of one agent's run: its text, its metric values, and why it failed, if it did.

    A prompt *fails* on a metric with a pass notion (a pass/fail metric that said fail, or a numeric metric
    worse than its pass threshold); an errored metric is listed in ``errors`` and a skipped one in ``skipped``:
    neither counts as a pass or as a zero.
    """

    prompt_id: int | None = None
    input: str | None = None
    output: str | None = None
    ground_truth: str | None = None
    slice: str | None = None
    """The value of the ``slice_by`` column for this prompt, joined by input text (``None``: no slice)."""
    values: Mapping[str, float | str] = attrs.field(factory=dict)
    errors: Mapping[str, str] = attrs.field(factory=dict)
    """Metric name -> the error description, for metrics that errored on this prompt."""
    skipped: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    """One line per metric this prompt failed, ``correctness: 42 is below 80``."""
    reasoning: Mapping[str, str] = attrs.field(factory=dict)
    """Metric name -> the judge's reasoning for its value, where the API gives one."""
    baseline: PromptOutcome | None = None
    """The same prompt in the baseline run (matched by prompt id, else by input text), kept for the prompts a
    report explains: those that failed, errored or regressed beyond a gate."""

    @property
    def passed(self) -> bool:
        """True when no metric failed or errored on this prompt."""
        return not self.failures and not self.errors


@attrs.frozen(kw_only=True)
class SliceResult:
    """The prompts of one agent's run that share a value of the ``slice_by`` column."""

    name: str
    prompt_count: int = 0
    failed_prompts: int = 0
    metrics: Mapping[str, MetricSummary] = attrs.field(factory=dict)
    baseline_metrics: Mapping[str, MetricSummary] = attrs.field(factory=dict)
    """The same slice of the baseline run (empty without a baseline)."""
    regressed: tuple[str, ...] = ()
    """Metrics whose score in this slice got worse than the baseline's by more than ``max_regression`` allows."""

    def delta(self, metric: str) -> float | None:
        """This slice's score of ``metric`` minus the baseline slice's (``None`` unless both have one)."""
        mine, base = self.metrics.get(metric), self.baseline_metrics.get(metric)
        if mine is None or base is None or mine.score is None or base.score is None:
            return None
        return mine.score - base.score


@attrs.frozen(kw_only=True)
class AgentResult:
    """One agent's run: its summary, its comparison with the baseline, its gates and its verdict."""

    evaluation_run_uuid: str
    agent_uuid: str | None = None
    agent_name: str | None = None
    agent_deployment_name: str | None = None
    run: EvaluationRun | None = None
    """The run as last seen (finished, unless ``timed_out``)."""
    summary: RunSummary | None = None
    """Per-metric statistics (``None`` when the run produced no results: FAILED, CANCELLED or timed out)."""
    baseline_run_uuid: str | None = None
    comparison: RunComparison | None = None
    verdict: Verdict = attrs.field(factory=lambda: Verdict(passed=True))
    gates: tuple[GateResult, ...] = ()
    prompts: tuple[PromptOutcome, ...] = ()
    slices: tuple[SliceResult, ...] = ()
    errored: Mapping[str, int] = attrs.field(factory=dict)
    """Metric name -> prompts on which it errored."""
    skipped: Mapping[str, int] = attrs.field(factory=dict)
    """Metric name -> prompts on which it was skipped."""
    timed_out: bool = False
    rerun_of: str | None = None
    """For ``evaluate_failed``: the earlier run whose results this run's results were merged over."""
    repeat_group: RepeatGroup | None = None
    """With ``repeats`` above 1 (or a quarantine): the group of runs, their spreads, flaky prompts, pass@K and
    pass^K; the other fields then describe the group (``evaluation_run_uuid`` is its first finished run)."""
    checks: tuple[CheckResult, ...] = ()
    """Each check on the answers: its pass rate and the prompts that failed it (also a ``check:<name>`` metric);
    for a repeat group, over every used run's answers."""
    tokens: RunTokenUsage | None = None
    """The run's input and output tokens (``None`` when the run produced no results); for a repeat group, every
    used run's answers together."""
    baseline_tokens: RunTokenUsage | None = None
    cost: RunCost | None = None
    """What the run's tokens cost, with a price table that prices this agent; for a repeat group, all its used
    runs (``max_cost`` compares it per run)."""
    wall_time: float | None = None
    """Seconds from the run being queued to its finishing, when the API gave both times."""

    @property
    def label(self) -> str:
        """The agent's name, else its deployment name, else its UUID, else the run's UUID."""
        return self.agent_name or self.agent_deployment_name or self.agent_uuid or self.evaluation_run_uuid

    @property
    def status(self) -> EvaluationRunStatus | str | None:
        """The run's last status."""
        return None if self.run is None else self.run.status

    @property
    def partial(self) -> bool:
        """True when the run finished PARTIALLY_SUCCESSFUL: some prompts have no results."""
        return self.status == EvaluationRunStatus.PARTIALLY_SUCCESSFUL

    @property
    def run_failed(self) -> bool:
        """True when the run FAILED, was CANCELLED, or did not finish before the deadline."""
        return self.timed_out or self.status in (EvaluationRunStatus.FAILED, EvaluationRunStatus.CANCELLED)

    @property
    def failed_prompts(self) -> int:
        """Prompts that failed or errored on any metric."""
        return sum(not p.passed for p in self.prompts)

    @property
    def passed(self) -> bool:
        """True when every gate passed."""
        return self.verdict.passed

    @property
    def repeats(self) -> int:
        """K: the runs of this agent's group (1 without repeats)."""
        return 1 if self.repeat_group is None else self.repeat_group.repeats

    @property
    def flaky(self) -> tuple[FlakyPrompt, ...]:
        """The prompts whose repeats disagree on a pass/fail judgement, the highest flip rate first."""
        return () if self.repeat_group is None else self.repeat_group.flaky

    @property
    def pass_at_k(self) -> Mapping[str, float]:
        """Per pass/fail metric, the share of prompts that passed in at least one repeat (0-1; with repeats)."""
        return {} if self.repeat_group is None else self.repeat_group.pass_at_k

    @property
    def pass_all_k(self) -> Mapping[str, float]:
        """Per pass/fail metric, the share of prompts that passed in every repeat (0-1; with repeats)."""
        return {} if self.repeat_group is None else self.repeat_group.pass_all_k


@attrs.frozen(kw_only=True)
class EvaluationProgress:
    """A step of ``client.evaluate``, for ``on_progress``: what happened, in one line, and where it stands.

    ``stage`` is one of ``plan`` (how many runs will be created), ``dataset``, ``test_case``, ``baseline``,
    ``runs``, ``run`` (a run's status changed:
    ``run`` is set), ``results`` (a page of results arrived: ``done``/``total`` prompts) and ``report``.
    """

    stage: str
    message: str
    run: EvaluationRun | None = None
    evaluation_run_uuid: str | None = None
    done: int | None = None
    total: int | None = None


@attrs.frozen(kw_only=True)
class LeaderboardEntry:
    """An agent's place when the agents are ranked on the star metric (best first)."""

    rank: int
    label: str
    evaluation_run_uuid: str
    score: float | None
    """The star metric's score (``None``: no score; such agents rank last)."""
    delta: float | None = None
    """The change of that score against the agent's baseline."""
    passed: bool = True


@attrs.frozen(kw_only=True)
class EvaluationReport:
    """The outcome of ``client.evaluate``: every agent's run, gates and verdict, and how to reproduce them."""

    test_case_uuid: str
    agents: tuple[AgentResult, ...]
    verdict: Verdict
    test_case_name: str | None = None
    test_case_version: int | None = None
    dataset_uuid: str | None = None
    dataset_name: str | None = None
    dataset_reused: bool = False
    """True when an identical dataset (same content hash) already existed and was used instead of uploading."""
    run_name: str | None = None
    metrics: tuple[str, ...] = ()
    star_metric: str | None = None
    inverted_metrics: tuple[str, ...] = ()
    """Metrics that are better when lower, from the metric catalog."""
    fail_under: Mapping[str, float] = attrs.field(factory=dict)
    max_regression: Mapping[str, float] = attrs.field(factory=dict)
    require_complete: bool = False
    slice_by: str | None = None
    leaderboard: tuple[LeaderboardEntry, ...] = ()
    created_at: datetime | None = None
    require_baseline: bool = False
    """True when a missing baseline failed the regression gates rather than leaving them not applied."""
    regression_test: str = "paired"
    """How the regression gates were decided: ``"paired"`` (on the prompts paired by input) or ``"point"``."""
    interval: str = "t"
    """The interval of a numeric metric's paired change: ``"t"`` or ``"bootstrap"``."""
    require_conclusive: bool = False
    """True when an inconclusive regression gate failed the verdict."""
    test_case_change: str | None = None
    """Set when this call made a new version of the test case: which version, and what changed. Runs of
    earlier versions are not comparable with it."""
    notes: tuple[str, ...] = ()
    """Plain remarks on the evaluation (``evaluate_failed`` found nothing to rerun, for instance)."""
    history: tuple[EvaluationRun, ...] = ()
    """Finished runs of the test case, this evaluation's included, newest first (at most 10 per agent): what the
    reports draw the star metric's trend from."""
    agent_versions: Mapping[str, str] = attrs.field(factory=dict)
    """``agent_version_hash -> version name`` of the agents' versions, read to label the trend's runs (a hash
    missing here is shown by its first 8 characters)."""
    checks: tuple[str, ...] = ()
    """The names of the checks run on the answers (each a ``check:<name>`` metric of every agent)."""
    pricing: Pricing | None = None
    max_cost: float | None = None
    max_output_tokens_increase_pct: float | None = None

    @property
    def cost(self) -> float | None:
        """The evaluation's cost in dollars: every priced run's together (``None`` when no run was priced)."""
        costs = [agent.cost.total for agent in self.agents if agent.cost is not None]
        return sum(costs) if costs else None

    @property
    def gates_not_applied(self) -> tuple[tuple[AgentResult, GateResult], ...]:
        """Every gate asked for that could not be checked, with its agent; ``gate.message`` says why."""
        return tuple((a, g) for a in self.agents for g in a.gates if g.status == "not applied")

    @property
    def passed(self) -> bool:
        """True when every agent's run finished and passed every gate."""
        return self.verdict.passed

    @property
    def run_failed(self) -> bool:
        """True when any run FAILED, was CANCELLED or timed out."""
        return any(agent.run_failed for agent in self.agents)

    @property
    def run_uuids(self) -> tuple[str, ...]:
        """The runs this evaluation made, one per agent."""
        return tuple(agent.evaluation_run_uuid for agent in self.agents)

    @property
    def baseline_run_uuids(self) -> tuple[str, ...]:
        """The runs the agents were compared with."""
        return tuple(a.baseline_run_uuid for a in self.agents if a.baseline_run_uuid is not None)

    def agent(self, key: str) -> AgentResult:
        """The result of the agent with this UUID, name, deployment name or run UUID; ``KeyError`` otherwise."""
        for agent in self.agents:
            if key in (agent.agent_uuid, agent.agent_name, agent.agent_deployment_name, agent.evaluation_run_uuid):
                return agent
        raise KeyError(key)

    def is_inverted(self, metric: str) -> bool:
        """True when ``metric`` is better when lower."""
        return metric in self.inverted_metrics
