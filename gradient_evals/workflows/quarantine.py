"""The quarantine file: prompt inputs, one a line, evaluated and shown but left out of every gate.

Read when the evaluation is planned (a file that does not exist or is not UTF-8 is a :class:`RepeatsError`;
inputs that are not in the dataset are a warning), and added to with ``quarantine_flaky``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import anyio.to_thread

from .._exceptions import RepeatsError
from .._local_files import LocalFileError, read_bounded_text
from .evaluate_data import QUERY_COLUMN, rows_of
from .gates import slice_key

if TYPE_CHECKING:
    from .services import EvaluationServices

__all__ = ["MAX_QUARANTINE_BYTES", "planned_quarantine", "read_quarantine", "write_quarantine"]

log = logging.getLogger("gradient_evals")

MAX_QUARANTINE_BYTES: Final = 4 * 1024 * 1024
"""The largest quarantine file read: prompt inputs, one a line."""


def read_quarantine(path: str | os.PathLike[str]) -> frozenset[str]:
    """The prompt inputs of a quarantine file, one a line (blank lines and surrounding whitespace ignored)."""
    try:
        text = read_bounded_text(path, MAX_QUARANTINE_BYTES, encoding="utf-8-sig")
    except LocalFileError as exc:
        raise RepeatsError(f"quarantine: {exc.describe(repr(str(Path(path))))}") from None
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
