"""Checks of ``client.evaluate``'s arguments, made before anything is created."""

from __future__ import annotations

import math
import uuid as uuid_module
from collections.abc import Mapping, Sequence

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from ..checks import as_checks
from ..statistics import StatisticsInputError
from ..types import EvaluationMetric, StarMetric
from .usage import pricing_from

__all__ = [
    "check_agent_uuids",
    "check_allowance",
    "check_checks",
    "check_pricing",
    "check_evaluate_timeout",
    "check_gates",
    "check_star_metric",
    "check_strings",
    "check_text",
    "is_uuid",
    "names_in_catalog",
    "pinned_runs",
]


def is_uuid(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        uuid_module.UUID(text.strip())
    except ValueError:
        return False
    return True


def check_choice(value: object, name: str, *, choices: Sequence[str]) -> str:
    """``value`` when it is one of ``choices``; else a :class:`StatisticsInputError` naming the setting."""
    if not isinstance(value, str) or value not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise StatisticsInputError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_gates(value: Mapping[str, float] | None, name: str, *, non_negative: bool = False) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name} must be a mapping of metric name to number, e.g. {{'correctness': 80}}")
    out: dict[str, float] = {}
    for metric, number in value.items():
        if not isinstance(metric, str) or not metric.strip():
            raise InvalidArgumentError(f"{name}: metric names must be non-empty strings, got {metric!r}")
        # A margin (non_negative) is what the paired statistics decide against: its errors are theirs.
        error = StatisticsInputError if non_negative else ValueError
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise error(f"{name}[{metric!r}] must be a finite number, got {number!r}")
        if non_negative and number < 0:
            raise error(f"{name}[{metric!r}] is a number of points a score may worsen by: >= 0, got {number}")
        out[metric.strip()] = float(number)
    return out


def check_evaluate_timeout(value: float, name: str = "timeout") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def names_in_catalog(gates: dict[str, float], catalog: Sequence[EvaluationMetric], argument: str) -> dict[str, float]:
    """Gate keys as the results spell the metric (the catalog's name), whatever case or UUID the caller used."""
    by_key = {" ".join(m.metric_name.split()).casefold(): m.metric_name for m in catalog if m.metric_name}
    by_uuid = {m.metric_uuid: m.metric_name for m in catalog if m.metric_uuid and m.metric_name}
    out: dict[str, float] = {}
    for key, value in gates.items():
        name = by_uuid.get(key) or by_key.get(" ".join(key.split()).casefold())
        if name is None:
            known = ", ".join(sorted(by_key.values())[:20])
            raise InvalidArgumentError(f"{argument}: no metric is called {key!r} (known metrics: {known})")
        out[name] = value
    return out


def check_text(value: object, name: str, *, what: str = "non-empty string") -> None:
    """A name: a non-empty string (``what`` says what it names, in the message)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a {what}")


def check_strings(value: object, name: str) -> None:
    """``None``, or a list (not a single string) of strings."""
    if value is not None and (isinstance(value, str) or not all(isinstance(v, str) for v in value)):  # type: ignore[attr-defined]
        raise ArgumentTypeError(f"{name} must be a list of strings")


def check_agent_uuids(value: object, name: str) -> None:
    """``None``, or a list of agent UUIDs."""
    check_strings(value, name)
    for agent in value or ():  # type: ignore[attr-defined]
        if not is_uuid(agent):
            raise InvalidArgumentError(f"{name}: {agent!r} is not a UUID")


def check_star_metric(value: object, name: str) -> None:
    """``None``, a ``StarMetric``, or a metric name or UUID."""
    if value is not None and not isinstance(value, StarMetric) and (not isinstance(value, str) or not value.strip()):
        raise ArgumentTypeError(f"{name} must be a metric name, a metric UUID or a StarMetric")


def pinned_runs(baseline: object, name: str = "baseline") -> list[str]:
    """The run UUIDs a baseline pins (none for ``"latest"`` or ``None``); a malformed baseline is refused."""
    if baseline is None or baseline == "latest":
        return []
    if isinstance(baseline, str):
        if not is_uuid(baseline):
            raise InvalidArgumentError(f"{name} must be 'latest', a run UUID or None, got {baseline!r}")
        return [baseline.strip()]
    if not isinstance(baseline, Mapping):
        raise ArgumentTypeError(f"{name} must be 'latest', a run UUID, a mapping of agent to run UUID, or None")
    for key, value in baseline.items():
        if not isinstance(key, str) or not is_uuid(value):
            raise InvalidArgumentError(f"{name}[{key!r}] must be a run UUID, got {value!r}")
    return [str(v).strip() for v in baseline.values()]


def check_checks(value: object, name: str) -> None:
    """Checks on the answers: a list of checks or functions, no name twice (a ``CheckError``)."""
    if value is not None:
        as_checks(value)  # type: ignore[arg-type]


def check_pricing(value: object, name: str) -> None:
    """A price table (a ``PricingError`` naming the key)."""
    pricing_from(value)  # type: ignore[arg-type]


def check_allowance(value: object, name: str) -> None:
    """``None`` or a finite number >= 0."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidArgumentError(f"{name} must be a finite number >= 0, got {value!r}")
