"""Repeats: the settings that ask for K runs per agent, and the names those runs carry.

A repeat group is the K runs of one agent made by one evaluation. Each run's name carries its place in the group,
``<stem>-r<i>of<K>`` (``run-20260101-120000-1a2b3c4d-r2of3``), so a later evaluation finds the whole group again
from the run names alone; a run whose name carries no repeat is a group of one.
"""

from __future__ import annotations

import os
import re
from typing import Final

import attrs

from .._exceptions import RepeatsError

__all__ = [
    "DEFAULT_MAX_RUNS",
    "MAX_REPEATS",
    "RepeatName",
    "check_max_runs",
    "check_planned_runs",
    "check_quarantine",
    "check_repeats",
    "repeat_name",
    "repeat_of",
]

MAX_REPEATS: Final = 10
"""The most runs per agent one evaluation may ask for."""
DEFAULT_MAX_RUNS: Final = 100
"""The most runs one call creates unless ``max_runs`` is raised: a typo in ``repeats`` cannot spend a day's budget."""

_REPEAT: Final = re.compile(r"^(?P<stem>.*)-r(?P<index>[1-9][0-9]?)of(?P<count>[1-9][0-9]?)$")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_repeats(value: object, name: str = "repeats") -> int:
    """``value`` when it is a whole number from 1 to :data:`MAX_REPEATS`; else a :class:`RepeatsError`."""
    if not _whole(value) or not 1 <= value <= MAX_REPEATS:  # type: ignore[operator]
        raise RepeatsError(f"{name}: runs per agent must be a whole number from 1 to {MAX_REPEATS}, got {value!r}")
    return value  # type: ignore[return-value]


def check_max_runs(value: object, name: str = "max_runs") -> int:
    """``value`` when it is a whole number of at least 1; else a :class:`RepeatsError`."""
    if not _whole(value) or value < 1:  # type: ignore[operator]
        raise RepeatsError(f"{name}: the most runs one call may create must be a whole number >= 1, got {value!r}")
    return value  # type: ignore[return-value]


def check_quarantine(value: object, name: str = "quarantine") -> None:
    """``None`` or a path (a string or ``os.PathLike``); the file itself is read when the evaluation is planned."""
    if value is not None and (not isinstance(value, str | os.PathLike) or not str(value).strip()):
        raise RepeatsError(f"{name}: expected the path of a file of prompt inputs, one a line, got {value!r}")


def check_planned_runs(planned: int, max_runs: int, what: str) -> None:
    """Refuse a call that would create more runs than ``max_runs`` allows (``what`` says how they add up)."""
    if planned > max_runs:
        raise RepeatsError(
            f"max_runs: this call would create {planned} runs ({what}), more than max_runs={max_runs}; "
            "raise max_runs to allow it"
        )


@attrs.frozen
class RepeatName:
    """Where a run stands in its repeat group, read from its name: the group's stem, its place and the group size."""

    stem: str
    index: int
    count: int


def repeat_name(stem: str, index: int, count: int) -> str:
    """The name of the ``index``-th of ``count`` repeats (from 1): ``<stem>-r<index>of<count>``."""
    return f"{stem}-r{index}of{count}"


def repeat_of(run_name: str | None) -> RepeatName | None:
    """The repeat a run's name carries, or ``None`` for a name without one (a group of one)."""
    if run_name is None:
        return None
    found = _REPEAT.match(run_name)
    if found is None:
        return None
    index, count = int(found["index"]), int(found["count"])
    if not 1 <= index <= count <= MAX_REPEATS:
        return None
    return RepeatName(found["stem"], index, count)
