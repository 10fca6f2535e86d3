"""Checks of ``client.evaluate``'s arguments, made before anything is created."""

from __future__ import annotations

import math
import uuid as uuid_module
from collections.abc import Mapping, Sequence

from ..types import (
    EvaluationMetric,
)

__all__ = ["check_evaluate_timeout", "check_gates", "is_uuid", "names_in_catalog"]


def is_uuid(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        uuid_module.UUID(text.strip())
    except ValueError:
        return False
    return True


def check_gates(value: Mapping[str, float] | None, name: str, *, non_negative: bool = False) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of metric name to number, e.g. {{'correctness': 80}}")
    out: dict[str, float] = {}
    for metric, number in value.items():
        if not isinstance(metric, str) or not metric.strip():
            raise ValueError(f"{name}: metric names must be non-empty strings, got {metric!r}")
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise ValueError(f"{name}[{metric!r}] must be a finite number, got {number!r}")
        if non_negative and number < 0:
            raise ValueError(f"{name}[{metric!r}] is a number of points a score may worsen by: >= 0, got {number}")
        out[metric.strip()] = float(number)
    return out


def check_evaluate_timeout(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {value!r}")
    return float(value)


def names_in_catalog(
    gates: dict[str, float], catalog: Sequence[EvaluationMetric], argument: str
) -> dict[str, float]:
    """Gate keys as the results spell the metric (the catalog's name), whatever case or UUID the caller used."""
    by_key = {" ".join(m.metric_name.split()).casefold(): m.metric_name for m in catalog if m.metric_name}
    by_uuid = {m.metric_uuid: m.metric_name for m in catalog if m.metric_uuid and m.metric_name}
    out: dict[str, float] = {}
    for key, value in gates.items():
        name = by_uuid.get(key) or by_key.get(" ".join(key.split()).casefold())
        if name is None:
            known = ", ".join(sorted(by_key.values())[:20])
            raise ValueError(f"{argument}: no metric is called {key!r} (known metrics: {known})")
        out[name] = value
    return out


# -- the dataset ----------------------------------------------------------------------------------------------


