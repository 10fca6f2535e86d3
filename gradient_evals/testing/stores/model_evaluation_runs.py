"""Model evaluation runs: ``eval_run_uuid -> record``, each progressing with time from QUEUED to its end.

A run spends its first tenth QUEUED, until 55% RUNNING_DATASET (the candidate answers the rows one by one), until
its duration is up EVALUATING_RESULTS (the judge scores them), then is SUCCESSFUL; a cancel stops it where it is.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from .._records import format_timestamp
from .model_evaluation_metrics import ModelRecord

__all__ = ["TERMINAL", "ModelRunRecord", "ModelRunStore"]

_NAMESPACE = uuid.UUID("a41f0c9e-2b7d-4e18-9c35-6d8e0f2a1b47")
_PREFIX = "MODEL_EVALUATION_RUN_"
TERMINAL = frozenset(_PREFIX + s for s in ("SUCCESSFUL", "PARTIALLY_SUCCESSFUL", "FAILED", "CANCELLED"))


@dataclass
class ModelRunRecord:
    """One run: what it was created with, when, and (once asked for) its results."""

    uuid: str
    name: str
    candidate: ModelRecord
    judge: ModelRecord
    dataset_uuid: str
    dataset_name: str
    rows: list[dict[str, str]] = field(repr=False)
    metrics: list[dict[str, Any]] = field(repr=False)
    created_ns: int
    started: float  # time.monotonic() at creation
    duration: float
    preset_uuid: str = ""
    preset_name: str = ""
    inference_config: dict[str, Any] = field(default_factory=dict)
    star_metric: dict[str, Any] | None = None
    stopped_at: float | None = None  # a cancel's time.monotonic()
    results_override: bytes | None = field(default=None, repr=False)

    def status_and_progress(self, now: float) -> tuple[str, dict[str, int]]:
        """The status at ``now`` (monotonic) and the rows done by the candidate and the judge."""
        total = len(self.rows)
        at = now if self.stopped_at is None else min(now, self.stopped_at)
        share = 1.0 if self.duration <= 0 else (at - self.started) / self.duration
        candidate = total if share >= 0.55 else max(0, int(total * (share - 0.1) / 0.45))
        judge = total if share >= 1 else max(0, int(total * (share - 0.55) / 0.45))
        if self.stopped_at is not None and share < 1:
            status = "CANCELLED"
        elif share >= 1:
            status = "SUCCESSFUL"
        elif share >= 0.55:
            status = "EVALUATING_RESULTS"
        elif share >= 0.1:
            status = "RUNNING_DATASET"
        else:
            status = "QUEUED"
        progress = {"candidate_rows_evaluated": candidate, "judge_rows_evaluated": judge, "total_rows": total}
        return _PREFIX + status, progress


class ModelRunStore:
    """Runs by uuid, in creation order."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._runs: dict[str, ModelRunRecord] = {}
        self._created = 0

    def add(self, seed: int, **fields: Any) -> ModelRunRecord:
        """Create a run from ``fields`` (see :class:`ModelRunRecord`); its uuid drawn from the seed."""
        with self.lock:
            run_uuid = str(uuid.uuid5(_NAMESPACE, f"{seed}:model-run:{self._created}"))
            self._created += 1
            record = ModelRunRecord(uuid=run_uuid, created_ns=time.time_ns(), started=time.monotonic(), **fields)
            self._runs[run_uuid] = record
            return record

    def get(self, run_uuid: str) -> ModelRunRecord | None:
        """The run, or None."""
        with self.lock:
            return self._runs.get(run_uuid)

    def all(self) -> list[ModelRunRecord]:
        """Every run, oldest first."""
        with self.lock:
            return list(self._runs.values())

    def remove(self, run_uuid: str) -> None:
        """Forget a run."""
        with self.lock:
            self._runs.pop(run_uuid, None)

    def replace_results(self, run_uuid: str, data: bytes) -> None:
        """Serve ``data`` as the run's results file instead of the real one (a test of a broken file)."""
        with self.lock:
            self._runs[run_uuid].results_override = data

    def live_presets(self) -> set[str]:
        """The presets a run not yet finished uses."""
        now = time.monotonic()
        with self.lock:
            return {
                r.preset_uuid
                for r in self._runs.values()
                if r.preset_uuid and r.status_and_progress(now)[0] not in TERMINAL
            }


def created_at(record: ModelRunRecord) -> str:
    """The run's creation time as the API writes it."""
    return format_timestamp(record.created_ns)
