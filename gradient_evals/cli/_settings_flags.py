"""Which flag of ``gradient-evals evaluate`` sets which field of :class:`~gradient_evals.EvaluationSettings`.

The one place the command line maps its flags to an evaluation's settings: a single evaluation builds its settings
from :func:`given_settings`, a configuration's suites take the same dictionary as overrides of their keys (a suite
key is a field name), and error messages name the flag through :data:`SETTING_FLAGS`. A field that is no flag is
listed in :data:`NOT_ON_THE_COMMAND_LINE` with the reason; a test holds the two tables to the fields.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from ._args import pairs

__all__ = ["NOT_ON_THE_COMMAND_LINE", "SETTING_FLAGS", "given_settings"]

SETTING_FLAGS: Final[Mapping[str, str]] = {
    "dataset": "--dataset",
    "test_case": "--test-case",
    "agents": "--agent",
    "agent_deployment_names": "--deployment",
    "metrics": "--metric",
    "star_metric": "--star-metric",
    "star_threshold_pct": "--threshold-pct",
    "run_name": "--run-name",
    "baseline": "--baseline",
    "baseline_any_version": "--baseline-any-version",
    "fail_under": "--fail-under",
    "max_regression": "--max-regression",
    "pass_thresholds": "--pass-threshold",
    "require_complete": "--require-complete",
    "require_baseline": "--require-baseline",
    "require_conclusive": "--require-conclusive",
    "regression_test": "--regression-test",
    "interval": "--interval",
    "repeats": "--repeats",
    "max_runs": "--max-runs",
    "quarantine": "--quarantine",
    "quarantine_flaky": "--quarantine-flaky",
    "slice_by": "--slice-by",
    "dataset_name": "--dataset-name",
    "timeout": "--timeout",
    "poll_interval": "--poll-interval",
    "max_poll_interval": "--max-poll-interval",
    "max_cost": "--max-cost",
    "max_output_tokens_increase_pct": "--max-output-tokens-increase-pct",
}
"""Field of ``EvaluationSettings`` -> the flag that sets it. A repeatable flag (``--metric``) makes a list, and
a ``METRIC=NUMBER`` one (``--fail-under``) a table."""

NOT_ON_THE_COMMAND_LINE: Final[Mapping[str, str]] = {
    "agent_uuids": "--agent takes agent UUIDs as well as names",
    "on_progress": "the command shows the progress itself",
    "checks": "declared in the configuration file ([[suites.NAME.checks]]) or in Python",
    "pricing": "a table: the configuration file's [pricing]",
}
"""The settings no flag sets, and why."""

_TABLES: Final = frozenset({"fail_under", "max_regression", "pass_thresholds"})


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the flags actually given set, by field name (a flag left out sets nothing, not its default)."""
    given: dict[str, Any] = {}
    for field, flag in SETTING_FLAGS.items():
        value = getattr(args, _dest(flag))
        if value is None or value is False or value == []:
            continue
        if field in _TABLES:
            value = pairs(value)
        elif field == "baseline" and value.strip().lower() == "none":
            value = None
        elif field == "dataset" and not _is_uuid(value):
            value = Path(value)
        given[field] = value
    return given


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
