"""What checks found on a run: per check, its pass rate and the prompts that failed it (data only).

Computed by :func:`gradient_evals.checks.run_checks`; the public home is :mod:`gradient_evals.results` (and
:mod:`gradient_evals.checks`).
"""

from __future__ import annotations

import attrs

__all__ = ["CheckFailure", "CheckResult"]


@attrs.frozen(kw_only=True)
class CheckFailure:
    """One prompt that failed a check: which prompt, its answer, and why."""

    prompt_id: int | None = None
    input: str | None = None
    output: str | None = None
    reason: str = ""


@attrs.frozen(kw_only=True)
class CheckResult:
    """One check over one run: how many prompts it judged, which failed, and whether enough passed."""

    name: str
    kind: str
    required_pass_rate: float = 100.0
    """The percentage of prompts that must pass (100 unless the check's ``min_pass_rate`` relaxes it)."""
    total: int = 0
    failures: tuple[CheckFailure, ...] = ()

    @property
    def metric(self) -> str:
        """The name of the check as a metric of the reports: ``check:<name>``."""
        return f"check:{self.name}"

    @property
    def passed_count(self) -> int:
        """Prompts that passed."""
        return self.total - len(self.failures)

    @property
    def pass_rate(self) -> float | None:
        """The percentage of prompts that passed (``None`` when there were no prompts)."""
        return None if self.total == 0 else 100.0 * self.passed_count / self.total

    @property
    def passed(self) -> bool:
        """True when at least ``required_pass_rate`` percent of the prompts passed; never with no prompts."""
        rate = self.pass_rate
        return rate is not None and rate >= self.required_pass_rate - 1e-9
