"""Creating runs when the answer may be lost: find the runs a create made instead of guessing.

A create that times out, is cut off, or meets a 5xx may or may not have started its runs. Rather than leave the
caller to look, :func:`create_runs` lists the test case's runs and decides what it can prove:

- A run is *in time* when its ``queued_at`` falls between the moment the request was sent and the moment the
  listing came back (with :data:`CLOCK_TOLERANCE` either side) by this machine's clock or by the server's, as its
  ``Date`` header showed it. A clock may be wrong, so every reading is tried.
- With the name the SDK generated (:func:`generated_run_name`, unique), the runs bearing it are this request's
  when every one of them is in time and they match the requested agent UUIDs and deployment names one to one.
  Any other run bearing that name (queued long before, say) makes the outcome unknown.
- With the caller's own name nothing can be proven: another process may create runs of that name at the same
  moment, and nothing in a run tells the two apart. Runs of that name that are in time (or carry no time) make
  the outcome unknown; runs of it queued at other times (yesterday's run of a nightly name) are not this
  request's and are set aside.

Proven: the runs are returned as the create's answer (logged at WARNING). No run, even after :data:`RECHECKS`
looks a little later, in a listing read to its end: the create did nothing, so it is sent once more if the
caller allowed it. Anything else, a listing that could not be read to its end (it failed, looped, or passed
:data:`MAX_PAGES` pages or :data:`LOOK_TIME` seconds) included: :class:`RunCreationUnknownError` carries the
candidates seen.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Final, Literal

import anyio

from .._exceptions import APIError, APIResponseValidationError, PaginationError, RunCreationUnknownError
from .._retry import RetryPolicy, may_have_been_processed
from .._validation import check_uuid
from ..types import CreatedEvaluationRuns, EvaluationRun, EvaluationRunsPage
from ._resources import ClockReadings, RunCreation

__all__ = [
    "CLOCK_TOLERANCE",
    "LOOK_TIME",
    "MAX_CANDIDATES",
    "MAX_PAGES",
    "RECHECKS",
    "RunPages",
    "create_runs",
    "created_run_uuids",
    "generated_run_name",
]

log = logging.getLogger("gradient_evals")

CLOCK_TOLERANCE: Final = 2.0
"""Seconds a run may seem to lie outside its request's time: the ``Date`` header's resolution and rounding."""
RECHECKS: Final = 2
"""Further looks at the run list when the first found fewer runs than asked for (the server may still be writing)."""
MAX_PAGES: Final = 100
"""Pages of the run list one look reads at most; a longer list is not read to its end (the outcome is unknown)."""
LOOK_TIME: Final = 120.0
"""Seconds the looks after one lost answer may take together, pauses included; past them the outcome is unknown."""
MAX_CANDIDATES: Final = 100
"""Candidate runs kept for :class:`RunCreationUnknownError`; more than that are counted, not kept."""

RunPages = Callable[[], contextlib.AbstractAsyncContextManager[AsyncIterator[EvaluationRunsPage]]]
"""Opens the test case's run list: ``async with list_pages() as pages: async for page in pages``."""
Outcome = Literal["found", "none", "partial", "unproven", "incomplete"]


def generated_run_name() -> str:
    """A run name no other request uses: ``run-<UTC yyyymmdd-HHMMSS>-<8 hex digits>``.

    ``create`` without a ``run_name`` sends one of these, so that the runs it made can be found for certain
    when its answer is lost.
    """
    return f"run-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"


def created_run_uuids(created: CreatedEvaluationRuns, path: str) -> list[str]:
    """The UUIDs a create (``POST path``) returned, checked: a server's bad id must not read as the caller's bad
    argument."""
    uuids = list(created.evaluation_run_uuids or [])
    for value in uuids:
        try:
            check_uuid(value, "evaluation_run_uuid")
        except (TypeError, ValueError):
            shown = repr(value)
            raise APIResponseValidationError(
                f"POST {path} created runs but returned {shown[:60]}{'...' if len(shown) > 60 else ''} as a run "
                "id, which is not a UUID; the runs may exist on the server, so look for them before creating again",
                method="POST",
                url=path,
            ) from None
    return uuids


async def create_runs(
    request: RunCreation,
    clocks: ClockReadings,
    *,
    test_case_uuid: str,
    run_name: str,
    named_by_caller: bool,
    agent_uuids: Sequence[str],
    agent_deployment_names: Sequence[str],
    recover: bool,
    retry: RetryPolicy,
    wall: Callable[[], float] = time.time,
) -> CreatedEvaluationRuns:
    """Send a create; when its outcome is unknown, find its runs, or send it once more where that is safe.

    ``request`` sends the create and opens its test case's run list; ``clocks`` gives the readings of the server's
    clock to try (seconds from ``wall``, 0 among them); ``retry.backoff(n)`` is the pause before the n-th
    further look.
    """
    recheck_pause = retry.backoff
    finder = _Finder(
        request.list_pages,
        test_case_uuid=test_case_uuid,
        run_name=run_name,
        named_by_caller=named_by_caller,
        targets=[("agent", uuid) for uuid in agent_uuids] + [("deployment", name) for name in agent_deployment_names],
        clock_offsets=clocks.clock_offsets,
        wall=wall,
    )
    sent_at = wall()
    try:
        return await request.send()
    except APIError as exc:
        if not may_have_been_processed(exc):
            raise
        failure: APIError = exc
    outcome, runs = await finder.settle(sent_at, recheck_pause)
    if outcome == "found":
        return finder.recovered(runs, failure)
    if outcome == "none" and recover:
        log.warning(
            "creating runs of test case %s: no answer came back (%s) and no run named %r appeared; the create "
            "did nothing, so it is sent once more",
            test_case_uuid,
            _short(failure),
            run_name,
        )
        try:
            return await request.send()
        except APIError as exc:
            if not may_have_been_processed(exc):
                raise
            failure = exc
        outcome, runs = await finder.settle(sent_at, recheck_pause, rechecks=0)
        if outcome == "found":
            return finder.recovered(runs, failure)
    raise finder.unknown(outcome, runs, failure)


class _Finder:
    """Looks for the runs of one create request in its test case's run list."""

    def __init__(
        self,
        list_pages: RunPages,
        *,
        test_case_uuid: str,
        run_name: str,
        named_by_caller: bool,
        targets: list[tuple[str, str]],
        clock_offsets: Callable[[], Sequence[float]],
        wall: Callable[[], float],
    ) -> None:
        self._list_pages = list_pages
        self.test_case_uuid = test_case_uuid
        self.run_name = run_name
        self.named_by_caller = named_by_caller
        self.targets = targets
        self._clock_offsets = clock_offsets
        self._wall = wall
        self.more = 0  # runs bearing the name seen beyond MAX_CANDIDATES
        self.why_incomplete = ""
        self.listing_failure: BaseException | None = None

    async def settle(
        self, sent_at: float, pause: Callable[[int], float], *, rechecks: int = RECHECKS
    ) -> tuple[Outcome, list[EvaluationRun]]:
        """Look, and look again while fewer runs than asked for appeared; within :data:`LOOK_TIME` in all."""
        outcome: Outcome = "incomplete"
        runs: list[EvaluationRun] = []
        with anyio.move_on_after(LOOK_TIME) as scope:
            for attempt in range(rechecks + 1):
                if attempt:
                    await anyio.sleep(pause(attempt))
                outcome, found = await self._look(sent_at)
                runs = found or runs if outcome == "incomplete" else found
                if outcome not in ("none", "partial"):
                    break
        if scope.cancelled_caught:
            outcome, self.why_incomplete = "incomplete", f"looking took longer than {LOOK_TIME:g} s"
        return outcome, runs

    async def _look(self, sent_at: float) -> tuple[Outcome, list[EvaluationRun]]:
        """The runs that may be this request's, and what they amount to."""
        named: list[tuple[EvaluationRun, bool | None]] = []
        self.more = 0
        complete = False
        try:
            async with self._list_pages() as listing:
                pages = 0
                async for page in listing:
                    for run in page.evaluation_runs:
                        if run.run_name != self.run_name:
                            continue
                        in_time = self._in_time(run, sent_at, self._wall())
                        if self.named_by_caller and in_time is False:
                            continue  # a run of the caller's name queued at another time: another request's
                        if len(named) < MAX_CANDIDATES:
                            named.append((run, in_time))
                        else:
                            self.more += 1
                    pages += 1
                    if pages >= MAX_PAGES:
                        self.why_incomplete = f"the run list went on past {MAX_PAGES} pages"
                        break
                else:
                    complete = True
        except (APIError, PaginationError) as exc:
            self.listing_failure = exc
            self.why_incomplete = f"listing the test case's runs to find out failed too ({_short(exc)})"
        # With the SDK's unique name, every run bearing it is this request's or a server's error: all are kept.
        candidates = [run for run, _ in named]
        if not complete:
            return "incomplete", candidates
        if not candidates:
            return "none", []
        if self.named_by_caller or self.more or any(in_time is not True for _, in_time in named):
            return "unproven", candidates
        matched = self._match(candidates)
        if matched is None:
            return "unproven", candidates
        return ("found" if len(matched) == len(self.targets) else "partial"), matched

    def _in_time(self, run: EvaluationRun, sent_at: float, looked_at: float) -> bool | None:
        """Whether the run was queued while this request was out, by some reading of the clocks (None: no time)."""
        if run.queued_at is None:
            return None
        try:
            queued = run.queued_at.timestamp()
        except (OverflowError, OSError, ValueError):
            return None
        return any(
            sent_at + offset - CLOCK_TOLERANCE <= queued <= looked_at + offset + CLOCK_TOLERANCE
            for offset in {0.0, *self._clock_offsets()}
        )

    def _match(self, runs: list[EvaluationRun]) -> list[EvaluationRun] | None:
        """``runs`` in the order of the request's targets, or None when some run is not one of them."""
        wanted = Counter(self.targets)
        by_target: dict[tuple[str, str], list[EvaluationRun]] = {}
        for run in runs:
            target = _target_of(run, wanted)
            if target is None:
                return None
            wanted[target] -= 1
            by_target.setdefault(target, []).append(run)
        ordered: list[EvaluationRun] = []
        for target in self.targets:
            if by_target.get(target):
                ordered.append(by_target[target].pop(0))
        return ordered

    def recovered(self, runs: list[EvaluationRun], failure: APIError) -> CreatedEvaluationRuns:
        uuids = [run.evaluation_run_uuid for run in runs if run.evaluation_run_uuid]
        log.warning(
            "creating runs of test case %s: no answer came back (%s); recovered it from the test case's run "
            "list: %d run(s) named %r",
            self.test_case_uuid,
            _short(failure),
            len(uuids),
            self.run_name,
        )
        return CreatedEvaluationRuns(evaluation_run_uuids=uuids)

    def unknown(self, outcome: Outcome, runs: list[EvaluationRun], failure: APIError) -> RunCreationUnknownError:
        wanted = len(self.targets)
        if outcome == "none":
            found = "no run with this name appeared, and recover=False forbade sending it again"
        elif outcome == "partial":
            found = f"only {len(runs)} of the {wanted} runs it asked for appeared"
        elif outcome == "incomplete":
            found = f"{self.why_incomplete}; {len(runs)} run(s) with this name were seen by then"
        elif self.named_by_caller:
            found = (
                f"{len(runs)} run(s) with this name were queued while it was out; the name was chosen by the caller "
                "and may be another process's too, so nothing proves they are this request's"
            )
        else:
            found = f"{len(runs)} run(s) with this name do not match the {wanted} it asked for, one to one and in time"
        if self.more:
            found += f" ({self.more} more with this name were not kept)"
        error = RunCreationUnknownError(
            f"creating runs of test case {self.test_case_uuid} (run_name={self.run_name!r}) may have succeeded "
            f"on the server, but no usable answer came back ({failure}), and {found}; the runs that may be its "
            "own are in .candidates (or list them with client.evaluation_test_cases.list_evaluation_runs()): "
            "do not simply create again",
            test_case_uuid=self.test_case_uuid,
            run_name=self.run_name,
            cause=failure,
            candidates=runs,
        )
        error.__cause__ = self.listing_failure if outcome == "incomplete" and self.listing_failure else failure
        return error


def _target_of(run: EvaluationRun, wanted: Counter[tuple[str, str]]) -> tuple[str, str] | None:
    """Which requested agent or deployment a run was made for (one not yet taken by another run)."""
    if run.agent_deployment_name is not None and wanted[("deployment", run.agent_deployment_name)] > 0:
        return ("deployment", run.agent_deployment_name)
    if run.agent_uuid is not None and wanted[("agent", run.agent_uuid)] > 0:
        return ("agent", run.agent_uuid)
    return None


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
