"""Creating runs when the answer may be lost: find the runs a create made instead of guessing.

A create that times out, is cut off, or meets a 5xx may or may not have started its runs. Rather than leave the
caller to look, :func:`create_runs` lists the test case's runs and picks out the ones this request made:

- the same run name, which is certain when the SDK chose it (:func:`generated_run_name`: unique), and must
  match unambiguously when the caller chose it;
- one run per requested agent UUID and deployment name, no more and no fewer;
- for a caller's name, queued no earlier than the request was sent by the server's clock (its ``Date``
  header), less :data:`CLOCK_TOLERANCE`.

Found: they are returned as the create's answer (logged at WARNING). None, even after :data:`RECHECKS` looks a
little later: the create did nothing, so it is sent once more if the caller allowed it. Anything else: the
runs cannot be told apart, and :class:`RunCreationUnknownError` carries the candidates.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Final, Literal

import anyio

from .._exceptions import APIError, APIResponseValidationError, RunCreationUnknownError
from .._retry import may_have_been_processed
from .._validation import check_uuid
from ..types import CreatedEvaluationRuns, EvaluationRun

__all__ = ["CLOCK_TOLERANCE", "RECHECKS", "create_runs", "created_run_uuids", "generated_run_name"]

log = logging.getLogger("gradient_evals")

CLOCK_TOLERANCE: Final = 2.0
"""Seconds a run may seem to predate its request: the ``Date`` header's resolution and the server's rounding."""
RECHECKS: Final = 2
"""Further looks at the run list when the first found nothing (the server may still be writing the runs)."""

Outcome = Literal["found", "none", "partial", "ambiguous"]


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
    send: Callable[[], Awaitable[CreatedEvaluationRuns]],
    list_runs: Callable[[], Awaitable[list[EvaluationRun]]],
    *,
    test_case_uuid: str,
    run_name: str,
    named_by_caller: bool,
    agent_uuids: Sequence[str],
    agent_deployment_names: Sequence[str],
    recover: bool,
    server_time: Callable[[], float],
    recheck_pause: Callable[[int], float],
) -> CreatedEvaluationRuns:
    """Send a create; when its outcome is unknown, find its runs, or send it once more where that is safe.

    ``send`` makes the request, ``list_runs`` lists the test case's runs, ``server_time`` reads the server's
    clock (epoch seconds) and ``recheck_pause(n)`` is the pause before the n-th further look.
    """
    finder = _Finder(
        list_runs,
        test_case_uuid=test_case_uuid,
        run_name=run_name,
        named_by_caller=named_by_caller,
        targets=[("agent", uuid) for uuid in agent_uuids]
        + [("deployment", name) for name in agent_deployment_names],
    )
    sent_at = server_time()
    try:
        return await send()
    except APIError as exc:
        if not may_have_been_processed(exc):
            raise
        failure: APIError = exc
    outcome, runs = await finder.look(sent_at, failure)
    for attempt in range(1, RECHECKS + 1):
        if outcome not in ("none", "partial"):
            break
        await anyio.sleep(recheck_pause(attempt))
        outcome, runs = await finder.look(sent_at, failure)
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
            return await send()
        except APIError as exc:
            if not may_have_been_processed(exc):
                raise
            failure = exc
        outcome, runs = await finder.look(sent_at, failure)
        if outcome == "found":
            return finder.recovered(runs, failure)
    raise finder.unknown(outcome, runs, failure)


class _Finder:
    """Looks for the runs of one create request in its test case's run list."""

    def __init__(
        self,
        list_runs: Callable[[], Awaitable[list[EvaluationRun]]],
        *,
        test_case_uuid: str,
        run_name: str,
        named_by_caller: bool,
        targets: list[tuple[str, str]],
    ) -> None:
        self._list_runs = list_runs
        self.test_case_uuid = test_case_uuid
        self.run_name = run_name
        self.named_by_caller = named_by_caller
        self.targets = targets

    async def look(self, sent_at: float, failure: APIError) -> tuple[Outcome, list[EvaluationRun]]:
        """The runs that may be this request's, and what they amount to."""
        try:
            runs = await self._list_runs()
        except APIError as exc:
            raise self._error(
                f"and listing the test case's runs to find out failed too ({_short(exc)})", (), failure
            ) from exc
        earliest = sent_at - CLOCK_TOLERANCE
        # A name the SDK generated is unique: every run bearing it is this request's, whatever the clocks say.
        candidates = [
            run
            for run in runs
            if run.run_name == self.run_name and (not self.named_by_caller or _not_before(run.queued_at, earliest))
        ]
        if not candidates:
            return "none", candidates
        matched = self._match(candidates)
        if matched is None:
            return "ambiguous", candidates
        return ("found" if len(matched) == len(self.targets) else "partial"), matched

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
        else:
            found = f"{len(runs)} runs with this name do not match the {wanted} it asked for one to one"
        return self._error(
            f"and {found}; the runs that may be its own are in .candidates (or list them with "
            "client.evaluation_test_cases.list_evaluation_runs()): do not simply create again",
            runs,
            failure,
        )

    def _error(self, what: str, runs: Sequence[EvaluationRun], failure: APIError) -> RunCreationUnknownError:
        error = RunCreationUnknownError(
            f"creating runs of test case {self.test_case_uuid} (run_name={self.run_name!r}) may have succeeded "
            f"on the server, but no usable answer came back ({failure}), {what}",
            test_case_uuid=self.test_case_uuid,
            run_name=self.run_name,
            cause=failure,
            candidates=runs,
        )
        error.__cause__ = failure
        return error


def _target_of(run: EvaluationRun, wanted: Counter[tuple[str, str]]) -> tuple[str, str] | None:
    """Which requested agent or deployment a run was made for (one not yet taken by another run)."""
    if run.agent_deployment_name is not None and wanted[("deployment", run.agent_deployment_name)] > 0:
        return ("deployment", run.agent_deployment_name)
    if run.agent_uuid is not None and wanted[("agent", run.agent_uuid)] > 0:
        return ("agent", run.agent_uuid)
    return None


def _not_before(when: datetime | None, earliest: float) -> bool:
    # A run without a time cannot be ruled out.
    return when is None or when.timestamp() >= earliest


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
