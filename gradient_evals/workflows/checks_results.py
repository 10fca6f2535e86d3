"""What checks found on a run: per check, its pass rate and the prompts that failed it (data only).

Computed by :func:`gradient_evals.checks.run_checks`; the public home is :mod:`gradient_evals.results` (and
:mod:`gradient_evals.checks`).
"""

from __future__ import annotations

import attrs

__all__ = ["CheckFailure", "CheckResult"]


@attrs.frozen(kw_only=True)
class CheckFailure:
    """One prompt that failed a check: which prompt, its answer, and why; with repeats, which run gave the answer."""

    prompt_id: int | None = None
    input: str | None = None
    output: str | None = None
    reason: str = ""
    evaluation_run_uuid: str | None = None
    """The run whose answer failed, when the check judged the answers of a repeat group (``None`` for one run)."""


@attrs.frozen(kw_only=True)
class CheckResult:
    """One check over one run, or over every answer of a repeat group: how many answers it judged, which failed,
    and whether enough passed."""

    name: str
    kind: str
    required_pass_rate: float = 100.0
    """The percentage of prompts that must pass (100 unless the check's ``min_pass_rate`` relaxes it)."""
    total: int = 0
    """The answers judged: one per prompt of a run; with repeats, every used run's answers (prompts x runs)."""
    runs: int = 1
    """The runs whose answers were judged (the used repeats of a group)."""
    failures: tuple[CheckFailure, ...] = ()

    @property
    def metric(self) -> str:
        """The name of the check as a metric of the reports: ``check:<name>``."""
        return f"check:{self.name}"

    @property
    def passed_count(self) -> int:
        """Answers that passed (prompts, for one run)."""
        return self.total - len(self.failures)

    @property
    def pass_rate(self) -> float | None:
        """The percentage of the judged answers that passed (``None`` when there were none)."""
        return None if self.total == 0 else 100.0 * self.passed_count / self.total

    @property
    def passed(self) -> bool:
        """True when at least ``required_pass_rate`` percent of the prompts passed; never with no prompts."""
        rate = self.pass_rate
        return rate is not None and rate >= self.required_pass_rate - 1e-9
