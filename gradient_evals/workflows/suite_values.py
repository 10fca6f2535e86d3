"""How a suite's values are read from TOML: one reader per value shape, each returning the value as ``evaluate``
takes it (a table of gates as a dict, the word "none" as no baseline) or raising ``ValueError``. The setting's own
check (:func:`~.evaluate_settings.check_setting`) follows in :mod:`.suite_config`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from .._exceptions import InvalidArgumentError
from ._arguments import is_uuid

__all__ = ["SHAPES", "read_flag"]


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"expected a non-empty string, got {value!r}")
    return value.strip()


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidArgumentError(f"expected a non-empty list of strings, got {value!r}")
    items = tuple(_text(item) for item in value)
    if len(set(items)) != len(items):
        raise InvalidArgumentError(f"lists the same value twice: {list(items)!r}")
    return items


def read_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"expected true or false, got {value!r}")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgumentError(f"expected a number, got {value!r}")
    return float(value)


def _positive(value: object) -> float:
    number = _number(value)
    if number <= 0:
        raise InvalidArgumentError(f"expected a positive number of seconds, got {value!r}")
    return number


def _percentage(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidArgumentError(f"expected a whole percentage from 0 to 100, got {value!r}")
    return value


def _gates(value: object) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise InvalidArgumentError(f"expected a table of metric = number, e.g. {{ correctness = 80 }}, got {value!r}")
    return {_text(metric): _number(number) for metric, number in value.items()}


def _baseline(value: object) -> str | dict[str, str] | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    if isinstance(value, str) and (value.strip() == "latest" or is_uuid(value)):
        return value.strip()
    if isinstance(value, dict) and value and all(isinstance(v, str) and is_uuid(v) for v in value.values()):
        return {_text(k): str(v).strip() for k, v in value.items()}
    raise InvalidArgumentError(f'expected "latest", "none", a run UUID or a table of agent = run UUID, got {value!r}')


SHAPES: Final[Mapping[str, Callable[[object], Any]]] = {
    "dataset": _text,
    "test_case": _text,
    "agents": _texts,
    "agent_deployment_names": _texts,
    "metrics": _texts,
    "star_metric": _text,
    "star_threshold_pct": _percentage,
    "run_name": _text,
    "dataset_name": _text,
    "baseline": _baseline,
    "baseline_any_version": read_flag,
    "fail_under": _gates,
    "max_regression": _gates,
    "pass_thresholds": _gates,
    "require_complete": read_flag,
    "require_baseline": read_flag,
    "require_conclusive": read_flag,
    "slice_by": _text,
    "quarantine": _text,
    "quarantine_flaky": read_flag,
    "timeout": _positive,
    "poll_interval": _positive,
}
"""How a key's value is read where TOML needs its own reading (a table of gates, the word "none" for no baseline);
a key not listed here is taken as the file gives it. Either way the setting's own check follows."""
