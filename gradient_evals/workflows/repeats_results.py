"""What repeats add to an agent's result: the group of runs, the spreads, the flaky prompts, pass@K and pass^K.

Data only; :mod:`gradient_evals.workflows.repeat_groups` computes it and the reports render it.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = ["FlakyPrompt", "MetricSpread", "RepeatGroup", "RepeatJudgement"]


@attrs.frozen(kw_only=True)
class MetricSpread:
    """How one metric's values spread over a repeat group (points of the metric's scale; a pass/fail metric's as
    its pass percentage)."""

    metric: str
    within: float | None
    """The spread of one prompt's values over the repeats (the judge's and the agent's noise): the square root of
    the mean of the prompts' variances; ``None`` with fewer than 2 repeats."""
    between: float | None
    """The spread of the prompts' averaged values (how much prompts differ from each other)."""
    prompts: int
    """The prompts it was measured on."""


@attrs.frozen(kw_only=True)
class RepeatJudgement:
    """One repeat's answer to a prompt and how it was judged on a metric."""

    evaluation_run_uuid: str
    output: str | None
    value: float | str | None
    """The metric's value (``None``: the metric errored or was skipped in that repeat)."""
    passed: bool | None
    """Whether it passed (``None``: no judgement)."""


@attrs.frozen(kw_only=True)
class FlakyPrompt:
    """A prompt whose repeats disagree on a pass/fail judgement."""

    input: str | None
    metric: str
    passes: int
    """Repeats that passed."""
    runs: int
    """Repeats that were judged."""
    judgements: tuple[RepeatJudgement, ...]
    """Each repeat's answer and value, in the order of the repeats."""
    quarantined: bool = False

    @property
    def flip_rate(self) -> float:
        """The share of the judgements that disagree with the prompt's majority: 0 (never) to 0.5 (an even split)."""
        return 0.0 if not self.runs else min(self.passes, self.runs - self.passes) / self.runs


@attrs.frozen(kw_only=True)
class RepeatGroup:
    """An agent's repeat group: its K runs, the ones whose results the gates used, and what the repeats showed."""

    repeats: int
    """K: the runs asked for."""
    run_uuids: tuple[str, ...]
    """Every run of the group, in the order of the repeats."""
    used: tuple[str, ...]
    """The runs that finished: their values, averaged per prompt, are what the gates decided on."""
    baseline_run_uuids: tuple[str, ...] = ()
    """The baseline group's runs (averaged the same way)."""
    spreads: Mapping[str, MetricSpread] = attrs.field(factory=dict)
    flaky: tuple[FlakyPrompt, ...] = ()
    """The flaky prompts, the highest flip rate first."""
    pass_at_k: Mapping[str, float] = attrs.field(factory=dict)
    """Per pass/fail metric, the share of prompts that passed in at least one repeat (0-1)."""
    pass_all_k: Mapping[str, float] = attrs.field(factory=dict)
    """Per pass/fail metric, the share of prompts that passed in every repeat (0-1)."""
    quarantined_inputs: tuple[str, ...] = ()
    """The inputs of the quarantined prompts that were evaluated and left out of every gate."""

    @property
    def quarantined(self) -> int:
        """How many prompts were evaluated and left out of every gate (the quarantine file's)."""
        return len(self.quarantined_inputs)

    @property
    def complete(self) -> bool:
        """True when every run of the group finished."""
        return len(self.used) == len(self.run_uuids)
