"""Model evaluation runs: wait for one to finish, and read its per-row results file.

The results are a gzip-compressed JSON file behind a presigned URL. It is fetched by the client's storage path
(never the API token; the same destination rules as dataset files), held in memory within ``max_bytes`` as
received and ``max_inflated_bytes`` once inflated, and checked before a single row is returned: a file that is
not gzip, not JSON, too large once inflated, or whose rows are not objects raises
:class:`ModelResultsFileError` naming what was wrong. Nothing is written to disk.
"""

from __future__ import annotations

import inspect
import json
import zlib
from collections.abc import Callable
from typing import Any, Final, Protocol

import anyio
import anyio.to_thread

from .._convert import structure
from .._deferred import ConversionError
from .._exceptions import GradientEvalsError, ObjectStorageError
from .._pacer import background_requests
from .._ratelimit import RateLimitState
from .._storage import StorageClient, redact_url
from ..types import ModelEvaluationResult, ModelEvaluationResultsDownloadUrl, ModelEvaluationRun
from ..types import ModelEvaluationRunStatus as Status
from .wait import BACKOFF_FACTOR, WaitOptions, next_poll_delay

__all__ = [
    "MAX_RESULTS_BYTES",
    "MAX_RESULTS_INFLATED_BYTES",
    "ModelResultsFileError",
    "ModelRunTimeout",
    "OnModelRunUpdate",
    "read_model_results",
    "wait_for_model_run",
]

MAX_RESULTS_BYTES: Final = 64 << 20
"""The most a results file may take as downloaded (compressed)."""
MAX_RESULTS_INFLATED_BYTES: Final = 256 << 20
"""The most a results file may take once inflated."""
_INFLATE_STEP: Final = 1 << 20

OnModelRunUpdate = Callable[[ModelEvaluationRun], Any]
"""Called with the run whenever its status or progress changes (may be async)."""


class ModelRunTimeout(GradientEvalsError, TimeoutError):
    """Waiting for a model evaluation run ran past its deadline. ``run`` is the last state seen."""

    def __init__(self, message: str, *, eval_run_uuid: str, run: ModelEvaluationRun | None = None) -> None:
        super().__init__(message)
        self.eval_run_uuid = eval_run_uuid
        self.run = run


class ModelResultsFileError(ObjectStorageError):
    """A model evaluation run's results file is not what the API documents (gzip-compressed JSON rows), or is
    larger than allowed once inflated. ``url`` is the file's URL without its signature."""


class ModelRunRetriever(Protocol):
    """Reads one model evaluation run (``client.model_evaluation_runs``)."""

    async def retrieve(self, eval_run_uuid: str) -> ModelEvaluationRun: ...


class ResultsLocator(Protocol):
    """Gives the download URL of a run's results (``client.model_evaluation_runs``)."""

    async def results_download_url(self, eval_run_uuid: str) -> ModelEvaluationResultsDownloadUrl: ...


def _progress_key(run: ModelEvaluationRun) -> tuple[object, ...]:
    progress = run.progress
    if progress is None:
        return (run.status,)
    return (run.status, progress.candidate_rows_evaluated, progress.judge_rows_evaluated, progress.total_rows)


def _is_terminal(run: ModelEvaluationRun) -> bool:
    return isinstance(run.status, Status) and run.status.is_terminal


async def wait_for_model_run(
    runs: ModelRunRetriever,
    eval_run_uuid: str,
    options: WaitOptions,
    *,
    on_progress: OnModelRunUpdate | None = None,
    rate_limit: Callable[[], RateLimitState | None] = lambda: None,
) -> ModelEvaluationRun:
    """Poll ``runs.retrieve`` until the run is terminal, calling ``on_progress`` on each change of status or
    progress; see ``AsyncModelEvaluationRuns.wait``."""
    options = options.checked()
    timeout = float(options.timeout)
    interval = float(options.poll_interval)
    ceiling = max(float(options.max_poll_interval), interval)
    last: ModelEvaluationRun | None = None
    with anyio.move_on_after(timeout):
        seen: object = object()
        while True:
            with background_requests():
                run = await runs.retrieve(eval_run_uuid)
            last = run
            if _progress_key(run) != seen:
                seen = _progress_key(run)
                if on_progress is not None and inspect.isawaitable(result := on_progress(run)):
                    await result
            if _is_terminal(run):
                return run
            await anyio.sleep(next_poll_delay(interval, rate_limit()))
            interval = min(ceiling, interval * BACKOFF_FACTOR)
    status = "" if last is None else f" (last status {getattr(last.status, 'value', last.status)})"
    raise ModelRunTimeout(
        f"model evaluation run {eval_run_uuid} did not finish within {timeout:g} s{status}",
        eval_run_uuid=eval_run_uuid,
        run=last,
    )


def _inflate(data: bytes, limit: int, label: str, where: str) -> bytes:
    def bad(why: str) -> ModelResultsFileError:
        return ModelResultsFileError(f"{label}: the file at {where} {why}", method="GET", url=where)

    if data[:2] != b"\x1f\x8b":
        raise bad("is not gzip-compressed")
    inflater = zlib.decompressobj(wbits=31)
    pieces: list[bytes] = []
    size = 0
    pending = data
    try:
        while pending or not inflater.eof:
            # max_length bounds each step, so a small file that inflates to gigabytes stops at the limit.
            piece = inflater.decompress(pending, _INFLATE_STEP)
            pending = inflater.unconsumed_tail
            size += len(piece)
            if size > limit:
                raise bad(f"is larger than {limit:,} bytes once inflated")
            pieces.append(piece)
            if not piece and not pending:
                break
    except zlib.error as exc:
        raise bad(f"is not valid gzip ({exc})") from None
    if not inflater.eof:
        raise bad("ends before its gzip stream does")
    return b"".join(pieces)


def _rows(text: bytes, label: str, where: str) -> list[dict[str, Any]]:
    def bad(why: str) -> ModelResultsFileError:
        return ModelResultsFileError(f"{label}: the file at {where} {why}", method="GET", url=where)

    try:
        data = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad(f"is not JSON ({type(exc).__name__}: {str(exc)[:120]})") from None
    # The rows as a list, or under "results" (the run's own listing names them so).
    rows = data.get("results") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise bad("holds no list of rows (a JSON array, or an object with a 'results' array)")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise bad(f"has a row that is not an object (row {number}: {type(row).__name__})")
    return rows


async def read_model_results(
    runs: ResultsLocator,
    storage: StorageClient,
    eval_run_uuid: str,
    *,
    max_bytes: int = MAX_RESULTS_BYTES,
    max_inflated_bytes: int = MAX_RESULTS_INFLATED_BYTES,
) -> tuple[ModelEvaluationResult, ...]:
    """Every per-row result of a finished run, typed; see ``AsyncModelEvaluationRuns.results``."""
    label = f"results of model evaluation run {eval_run_uuid}"
    answer = await runs.results_download_url(eval_run_uuid)
    url = await storage.check_url(answer.download_url, "results download URL")
    received = bytearray()

    async def keep(piece: bytes) -> None:
        received.extend(piece)

    await storage.download(url, keep, limit=max_bytes, label=label)
    where = redact_url(url)
    rows = await anyio.to_thread.run_sync(
        lambda: _rows(_inflate(bytes(received), max_inflated_bytes, label, where), label, where)
    )
    try:
        return tuple(structure(row, ModelEvaluationResult) for row in rows)
    except ConversionError as exc:
        raise ModelResultsFileError(f"{label}: a row is not a result: {exc}", method="GET", url=where) from None
