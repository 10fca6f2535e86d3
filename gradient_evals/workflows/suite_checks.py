"""The parts of a suite configuration about answers: ``[[suites.NAME.checks]]`` (and ``[[defaults.checks]]``),
the ``[pricing]`` table (with ``[pricing.agents.NAME]``), read into what ``evaluate`` takes.

A problem is a :class:`~.suite_config.ConfigError` naming the file, the suite, the check (its position and name)
and the key: ``gradient-evals.toml: suite 'faq', key 'checks[2].value': check 'regex([a)': the regular
expression does not compile: ...``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..checks import Check, CheckError, check_from_table
from .answer_checks import CHECK_PREFIX
from .usage import PricingError, pricing_from
from .usage_results import Pricing

__all__ = ["check_regressions", "joined", "read_checks", "read_pricing"]

ErrorFactory = Callable[[str, str | None], Exception]
"""How to raise a configuration error: ``(message, key)``."""


def read_checks(value: object, base: Path, error: ErrorFactory) -> tuple[Check, ...]:
    """The checks of an array of tables ``checks``; schema files are relative to ``base``."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise error(f"expected an array of tables ([[suites.NAME.checks]]), got {value!r}", "checks")
    checks = []
    for position, table in enumerate(value, start=1):
        label = table.get("name") or f"{table.get('kind')} #{position}"
        try:
            checks.append(check_from_table(table, base=base))
        except CheckError as exc:
            raise error(f"check {label!r}: {exc}", f"checks[{position}].{exc.key or 'kind'}") from None
    return tuple(checks)


def joined(defaults: Sequence[Check], own: Sequence[Check], error: ErrorFactory) -> tuple[Check, ...]:
    """The defaults' checks, then the suite's own; a name used twice is an error."""
    seen: set[str] = set()
    for check in (*defaults, *own):
        if check.name in seen:
            raise error(f"two checks are called {check.name!r}: give one a name", "checks")
        seen.add(check.name)
    return (*defaults, *own)


def check_regressions(max_regression: Mapping[str, float], checks: Sequence[Check], error: ErrorFactory) -> None:
    """Every ``check:<name>`` key of ``max_regression`` names a check of the suite."""
    names = {f"{CHECK_PREFIX}{check.name}" for check in checks}
    for key in max_regression:
        if key.startswith(CHECK_PREFIX) and key not in names:
            known = ", ".join(sorted(names)) or "the suite has no checks"
            raise error(f"{key!r} names no check of this suite ({known})", "max_regression")


def read_pricing(value: Any, error: ErrorFactory) -> Pricing | None:
    """The ``[pricing]`` table."""
    try:
        return pricing_from(value)
    except PricingError as exc:
        raise error(str(exc).removeprefix(f"{exc.key}: "), exc.key) from None
