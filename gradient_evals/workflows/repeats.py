"""Repeats: the settings that ask for K runs per agent, the names those runs carry, and the quarantine file.

A repeat group is the K runs of one agent made by one evaluation. Each run's name carries its place in the group,
``<stem>-r<i>of<K>`` (``run-20260101-120000-1a2b3c4d-r2of3``), so a later evaluation finds the whole group again
from the run names alone; a run whose name carries no repeat is a group of one.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio.to_thread
import attrs

from .._exceptions import RepeatsError
from .evaluate_data import QUERY_COLUMN, rows_of
from .gates import slice_key

if TYPE_CHECKING:
    from .services import EvaluationServices

__all__ = [
    "DEFAULT_MAX_RUNS",
    "MAX_QUARANTINE_BYTES",
    "MAX_REPEATS",
    "RepeatName",
    "check_max_runs",
    "check_planned_runs",
    "check_quarantine",
    "check_repeats",
    "planned_quarantine",
    "read_quarantine",
    "repeat_name",
    "repeat_of",
    "write_quarantine",
]

MAX_REPEATS: Final = 10
"""The most runs per agent one evaluation may ask for."""
DEFAULT_MAX_RUNS: Final = 100
"""The most runs one call creates unless ``max_runs`` is raised: a typo in ``repeats`` cannot spend a day's budget."""
MAX_QUARANTINE_BYTES: Final = 4 * 1024 * 1024
"""The largest quarantine file read: prompt inputs, one a line."""

log = logging.getLogger("gradient_evals")

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


def read_quarantine(path: str | os.PathLike[str]) -> frozenset[str]:
    """The prompt inputs of a quarantine file, one a line (blank lines and surrounding whitespace ignored)."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_QUARANTINE_BYTES + 1)
    except FileNotFoundError:
        raise RepeatsError(f"quarantine: no file at {str(file)!r}") from None
    except OSError as exc:
        raise RepeatsError(f"quarantine: cannot read {str(file)!r}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_QUARANTINE_BYTES:
        raise RepeatsError(f"quarantine: {str(file)!r} is larger than {MAX_QUARANTINE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RepeatsError(f"quarantine: {str(file)!r} is not UTF-8 (byte {exc.start})") from None
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def write_quarantine(path: str | os.PathLike[str], inputs: Iterable[str]) -> list[str]:
    """Add ``inputs`` (one a line; a line break inside one becomes a space) to the quarantine file; the new ones."""
    file = Path(path)
    known = read_quarantine(file) if file.exists() else frozenset()
    added = [line for line in dict.fromkeys(" ".join(i.split()) for i in inputs) if line and line not in known]
    if added:
        with file.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{line}\n" for line in added)
    return added


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


async def planned_quarantine(
    services: EvaluationServices, path: str | os.PathLike[str] | None, local: Path | None, remote: str | None
) -> tuple[frozenset[str], tuple[str, ...]]:
    """The quarantined inputs (as prompts are matched: whitespace stripped), and a warning naming those that are
    not in the dataset (the local file ``local`` or the uploaded dataset ``remote``)."""
    if path is None:
        return frozenset(), ()
    listed = await anyio.to_thread.run_sync(read_quarantine, path)
    if local is not None:
        _, rows = await anyio.to_thread.run_sync(rows_of, local)
        present = {slice_key(str(row.get(QUERY_COLUMN) or "")) for row in rows}
    else:
        assert remote is not None
        present = {slice_key(row.get(QUERY_COLUMN, "")) for row in await services.datasets.read(remote)}
    absent = sorted(i for i in listed if i not in present)
    if not absent:
        return listed, ()
    shown = ", ".join(repr(i[:80]) for i in absent[:10]) + (f" and {len(absent) - 10} more" if len(absent) > 10 else "")
    warning = f"quarantine: {len(absent)} of its prompts are not in the dataset: {shown}"
    log.warning("%s", warning)
    return listed, (warning,)
