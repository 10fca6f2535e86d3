"""Waiting for evaluation runs: poll until a run is finished, politely, within a deadline.

Plain functions over the runs resource (any object that can ``retrieve`` a run), the step that creates the runs
and the client's rate-limit view; :class:`~gradient_evals.resources.evaluation_runs.AsyncEvaluationRuns` exposes
them as ``wait`` and ``create_and_wait``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import anyio
import attrs

from .._defaults import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL
from .._exceptions import ArgumentTypeError, EvaluationRunFailed, EvaluationRunTimeout, InvalidArgumentError
from .._pacer import background_requests
from .._ratelimit import RateLimitState
from ..types import EvaluationRun
from ..typing import OnUpdate
from ._resources import RunRetriever

__all__ = [
    "DEFAULT_MAX_POLL_INTERVAL",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_WAIT_TIMEOUT",
    "WaitOptions",
    "check_seconds",
    "create_and_wait_for_runs",
    "next_poll_delay",
    "wait_for_run",
    "wait_options",
]

DEFAULT_WAIT_TIMEOUT: Final = 600.0
BACKOFF_FACTOR: Final = 1.5
MAX_CONCURRENT_WAITS: Final = 8
"""Runs polled at once by ``create_and_wait`` (each poll is one request; the rate limit is shared)."""


@attrs.frozen(kw_only=True)
class WaitOptions:
    """How to wait for runs: the overall deadline, the polling pace, status callbacks, failure handling.

    The one declaration of these options below the public methods (``wait``, ``create_and_wait``), which spell
    them out as keyword arguments so editors and type checkers show them.
    """

    timeout: float = DEFAULT_WAIT_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL
    on_update: OnUpdate | None = None
    raise_on_failure: bool = False

    def checked(self) -> WaitOptions:
        """These options, refused with a ``TypeError``/``ValueError`` unless every number of seconds is positive."""
        check_seconds(self.timeout, "timeout")
        check_seconds(self.poll_interval, "poll_interval")
        check_seconds(self.max_poll_interval, "max_poll_interval")
        return self


def wait_options(
    timeout: float, poll_interval: float, max_poll_interval: float, on_update: OnUpdate | None, raise_on_failure: bool
) -> WaitOptions:
    """The options of the public ``wait``/``create_and_wait`` methods, in their order, as one value."""
    return WaitOptions(
        timeout=timeout,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        on_update=on_update,
        raise_on_failure=raise_on_failure,
    )


def check_seconds(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ArgumentTypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def next_poll_delay(interval: float, rate_limit: RateLimitState | None) -> float:
    """How long to wait before the next poll: ``interval``, or the pacer's spacing when that is longer.

    The client's pacer spreads background requests over the time to the rate limit's reset once the budget
    runs low (``client.rate_limit.spacing``); a poll waits at least that long, so waiting never starves the
    client's other calls and the poll itself is not held again.
    """
    if rate_limit is None:
        return interval
    return max(interval, rate_limit.spacing)


async def _notify(on_update: OnUpdate | None, run: EvaluationRun) -> None:
    if on_update is None:
        return
    result = on_update(run)
    if inspect.isawaitable(result):
        await result


def _failure_message(run: EvaluationRun) -> str:
    status = getattr(run.status, "value", run.status)
    message = f"evaluation run {run.evaluation_run_uuid} ended {status}"
    if run.error_description:
        message += f": {run.error_description}"
    return message


async def wait_for_run(
    runs: RunRetriever,
    run_uuid: str,
    options: WaitOptions = WaitOptions(),
    *,
    rate_limit: Callable[[], RateLimitState | None] = lambda: None,
) -> EvaluationRun:
    """Poll ``runs.retrieve(run_uuid)`` until the run is terminal; see ``AsyncEvaluationRuns.wait``."""
    options = options.checked()
    timeout, on_update = float(options.timeout), options.on_update
    interval = float(options.poll_interval)
    ceiling = max(float(options.max_poll_interval), interval)
    last: EvaluationRun | None = None
    final: EvaluationRun | None = None
    with anyio.move_on_after(timeout):
        last_status: object = object()
        while True:
            with background_requests():  # polls leave the rate limit's reserve to interactive calls
                run = await runs.retrieve(run_uuid)
            last = run
            if run.status != last_status:
                last_status = run.status
                await _notify(on_update, run)
            if run.is_terminal:
                final = run
                break
            await anyio.sleep(next_poll_delay(interval, rate_limit()))
            interval = min(ceiling, interval * BACKOFF_FACTOR)
    if final is None:
        seen = "" if last is None else f" (last status {getattr(last.status, 'value', last.status)})"
        raise EvaluationRunTimeout(
            f"evaluation run {run_uuid} did not finish within {timeout:g} s{seen}", run_uuid=run_uuid, run=last
        )
    if options.raise_on_failure and final.is_failed:
        raise EvaluationRunFailed(_failure_message(final), run=final)
    return final


async def create_and_wait_for_runs(
    runs: RunRetriever,
    create: Callable[[], Awaitable[Sequence[str]]],
    options: WaitOptions = WaitOptions(),
    *,
    rate_limit: Callable[[], RateLimitState | None] = lambda: None,
    max_concurrency: int = MAX_CONCURRENT_WAITS,
) -> list[EvaluationRun]:
    """Create runs, then wait for all of them concurrently; the final runs come back in creation order.

    The first error (a timeout, a failed run with ``raise_on_failure``, an API error) cancels the other waits
    and is raised as is, not wrapped in an exception group.
    """
    # Checked before creating anything: a bad argument must not leave runs behind.
    timeout = float(options.checked().timeout)
    started = anyio.current_time()
    uuids = list(await create())
    results: list[EvaluationRun | None] = [None] * len(uuids)
    errors: list[BaseException] = []
    limiter = anyio.CapacityLimiter(max(1, max_concurrency))

    async def wait_one(index: int, run_uuid: str) -> None:
        try:
            async with limiter:
                left = timeout - (anyio.current_time() - started)
                if left <= 0:
                    raise EvaluationRunTimeout(
                        f"evaluation run {run_uuid} did not finish within {timeout:g} s", run_uuid=run_uuid
                    )
                results[index] = await wait_for_run(
                    runs, run_uuid, attrs.evolve(options, timeout=left), rate_limit=rate_limit
                )
        except Exception as exc:
            errors.append(exc)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for index, run_uuid in enumerate(uuids):
            group.start_soon(wait_one, index, run_uuid)
    if errors:
        raise errors[0]
    return [run for run in results if run is not None]
