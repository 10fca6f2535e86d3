"""The wait-and-compare step of ``evaluate``: every run waited for and read, each agent's group of runs gated.

An agent's repeat group (its K runs; one run without repeats) is one unit: its runs are waited for concurrently,
the finished ones are checked run by run (every repeat's answers judged by the checks) and averaged per prompt
(:func:`~.repeat_groups.average_pages`), the baseline group is read and treated the same way, the quarantined
prompts are left out, and the gates decide on that; the checks' results, tokens and cost are those of every used
run's answers (:mod:`.repeat_answers`). A group whose runs did not all finish is gated on the finished ones and
says so; with ``require_complete`` that fails it. A single run with a single baseline run is gated as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import anyio
import attrs

from .._exceptions import APIResponseValidationError, EvaluationRunTimeout
from ..types import EvaluationPrompt, EvaluationRun, EvaluationRunStatus, ResultsPage
from ._concurrency import run_all
from .answer_checks import check_prompts
from .baselines import Baselines
from .evaluate_plan import Plan, merged_results
from .evaluate_results import AgentResult, GateKind, GateResult
from .gates import GateSettings, slice_key
from .repeat_answers import GroupAnswers, group_answers
from .repeat_groups import average_pages, flaky_prompts, judged, pass_rates, spreads, without_inputs
from .repeats_results import RepeatGroup
from .report import build_agent_result, run_prompts
from .services import EvaluationServices, Progress
from .summary_results import Verdict

__all__ = ["wait_and_compare_step"]

_UNFINISHED = frozenset({EvaluationRunStatus.FAILED, EvaluationRunStatus.CANCELLED})


@attrs.frozen
class _Read:
    run_uuid: str
    run: EvaluationRun | None
    timed_out: bool
    pages: list[ResultsPage]

    @property
    def finished(self) -> bool:
        return not self.timed_out and self.run is not None and self.run.status not in _UNFINISHED

    @property
    def label(self) -> str:
        run = self.run
        return self.run_uuid if run is None else (run.agent_name or run.agent_uuid or run.agent_deployment_name or "")


async def _pages(services: EvaluationServices, run_uuid: str, progress: Progress, label: str) -> list[ResultsPage]:
    pages: list[ResultsPage] = []
    done = 0
    async for page in services.runs.iter_results(run_uuid).pages():
        pages.append(page)
        done += len(page.prompts)
        total = page.meta.total
        await progress(
            "results", f"{label}: {done}/{total or '?'} results", evaluation_run_uuid=run_uuid, done=done, total=total
        )
    return pages


@attrs.frozen(kw_only=True)
class _Waiting:
    services: EvaluationServices
    deadline: float
    poll_interval: float
    max_poll_interval: float
    progress: Progress

    async def read(self, run_uuid: str) -> _Read:
        """The run waited for until the deadline, and its results read when it finished."""
        last: EvaluationRun | None = None
        timed_out = False
        pages: list[ResultsPage] = []

        async def on_update(run: EvaluationRun) -> None:
            nonlocal last
            last = run
            await self.progress("run", f"run {run_uuid}: {run.status}", run=run, evaluation_run_uuid=run_uuid)

        with anyio.CancelScope(deadline=self.deadline) as scope:
            try:
                last = await self.services.runs.wait(
                    run_uuid,
                    timeout=max(0.001, self.deadline - anyio.current_time()),
                    poll_interval=self.poll_interval,
                    max_poll_interval=self.max_poll_interval,
                    on_update=on_update,
                )
            except EvaluationRunTimeout as exc:
                last, timed_out = exc.run or last, True
            if last is not None and str(last.evaluation_run_uuid or run_uuid) != run_uuid:
                raise APIResponseValidationError(
                    f"asked for run {run_uuid}, the answer is run {last.evaluation_run_uuid}"
                )
            read = _Read(run_uuid, last, timed_out, [])
            if read.finished:
                pages = await _pages(self.services, run_uuid, self.progress, read.label)
        if scope.cancelled_caught:
            timed_out, pages = True, []
        return _Read(run_uuid, last, timed_out, pages)

    async def baseline(
        self, baselines: Baselines, run: EvaluationRun, label: str
    ) -> tuple[str | None, list[tuple[str, list[ResultsPage]]] | None, str | None, bool]:
        """The baseline's first run, its group's pages, why there is none, and whether the deadline cut it off."""
        base_uuid, missing = baselines.for_run(run)
        read: list[tuple[str, list[ResultsPage]]] | None = None
        with anyio.CancelScope(deadline=self.deadline) as scope:
            if base_uuid is not None:
                read = []
                for member in baselines.group_of(base_uuid):
                    read.append((member, await _pages(self.services, member, self.progress, f"{label} baseline")))
        if scope.cancelled_caught:
            return None, None, missing, True
        return base_uuid, read, missing, False


async def wait_and_compare_step(
    services: EvaluationServices,
    plan: Plan,
    groups: Sequence[Sequence[str]],
    baselines: Baselines,
    settings: GateSettings,
    *,
    deadline: float,
    poll_interval: float,
    max_poll_interval: float,
    progress: Progress,
) -> list[AgentResult]:
    """Wait for every run of every agent's group, read its results (and its baseline group's), and gate the group.

    Everything happens before ``deadline`` (on the anyio clock): a run still going then, or whose results are not
    read by then, is reported as timed out; the others still are.
    """
    waiting = _Waiting(
        services=services,
        deadline=deadline,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        progress=progress,
    )
    results: dict[int, AgentResult] = {}

    async def one(position: int, uuids: Sequence[str]) -> None:
        reads: dict[str, _Read] = {}

        async def read(run_uuid: str) -> None:
            reads[run_uuid] = await waiting.read(run_uuid)

        await run_all([lambda u=u: read(u) for u in uuids])  # type: ignore[misc]
        ordered = [reads[u] for u in uuids]
        used = [r for r in ordered if r.finished]
        lead = used[0] if used else ordered[0]
        timed_out = lead.timed_out
        base_uuid, base_runs, missing = None, None, None
        if used and lead.run is not None:
            base_uuid, base_runs, missing, timed_out = await waiting.baseline(baselines, lead.run, lead.label)
        mine = [(r.run_uuid, r.pages) for r in used] if not timed_out else []
        key = None if lead.run is None else (lead.run.agent_uuid or lead.run.agent_deployment_name)
        rerun = plan.rerun
        earlier = () if rerun is None or key is None else rerun.prompts.get(key, ())
        quarantined = plan.quarantined
        answers: GroupAnswers | None = None
        base_answers: GroupAnswers | None = None
        if len(uuids) == 1 and (base_runs is None or len(base_runs) == 1):
            pages = merged_results(lead.pages if not timed_out else [], earlier)
            base_pages = None if base_runs is None else base_runs[0][1]
        else:
            earlier_uuid = None if rerun is None or key is None else rerun.replaces.get(key)
            group_pages = await _averaged(settings, mine, base_runs, (earlier_uuid, earlier), quarantined)
            mine, pages, answers, base_runs, base_pages, base_answers = group_pages
        gated = without_inputs(pages, quarantined)
        result = await build_agent_result(
            run_uuid=lead.run_uuid,
            run=lead.run,
            pages=gated,
            settings=settings,
            baseline_run_uuid=base_uuid if base_pages is not None else None,
            baseline_pages=None if base_pages is None else without_inputs(base_pages, quarantined),
            timed_out=timed_out,
            baseline_missing=missing,
            rerun_of=None if rerun is None or key is None else rerun.replaces.get(key),
            answers=answers,
            baseline_answers=base_answers,
        )
        if len(uuids) > 1 or quarantined or (base_runs is not None and len(base_runs) > 1):
            shown = await build_agent_result(
                run_uuid=lead.run_uuid, run=lead.run, pages=pages, settings=settings, answers=answers
            )
            group = _group(uuids, used, base_runs, mine, pages, plan, settings)
            result = _with_group(attrs.evolve(result, prompts=shown.prompts), group, ordered, settings)
        results[position] = result

    await run_all([lambda p=p, u=u: one(p, u) for p, u in enumerate(groups)])  # type: ignore[misc]
    return [results[p] for p in range(len(groups))]


_Runs = list[tuple[str, list[ResultsPage]]]


async def _averaged(
    settings: GateSettings,
    mine: _Runs,
    base_runs: _Runs | None,
    earlier: tuple[str | None, Sequence[EvaluationPrompt]],
    quarantined: Collection[str],
) -> tuple[_Runs, list[ResultsPage], GroupAnswers, _Runs | None, list[ResultsPage] | None, GroupAnswers | None]:
    """A group's runs (and its baseline group's) checked run by run, then averaged; what their answers show.

    Each repeat's answers are checked before the averaging: every answer is judged, and the checks' results are
    pass/fail judgements of each repeat, as the judges' are. With a rerun, the earlier run's prompts that were not
    run again are merged in (checked, and counted once).
    """
    mine = await _checked(settings, mine)
    fresh = average_pages(mine) if mine else []
    earlier_uuid, earlier_prompts = earlier
    earlier_checked = await _checked_prompts(settings, earlier_prompts)
    # As the group's prompts, the earlier ones carry each check's pass share (of their one answer).
    shares = average_pages([("", [ResultsPage(prompts=tuple(earlier_checked))])]) if earlier_checked else []
    pages = merged_results(fresh, [p for page in shares for p in page.prompts])
    answered = [(u, _prompts(p, quarantined)) for u, p in mine]
    kept = _kept(earlier_checked, fresh)
    if kept.prompts and earlier_uuid is not None:
        answered.append((earlier_uuid, _prompts([kept], quarantined)))
    answers = group_answers(settings.checks, answered, run_count=max(len(mine), 1))
    if base_runs is None:
        return mine, pages, answers, None, None, None
    base_runs = await _checked(settings, base_runs)
    base_answers = group_answers((), [(u, _prompts(p, quarantined)) for u, p in base_runs])
    return mine, pages, answers, base_runs, average_pages(base_runs), base_answers


async def _checked(settings: GateSettings, runs: Sequence[tuple[str, Sequence[ResultsPage]]]) -> _Runs:
    """Each run's prompts (each once) with the checks' ``check:<name>`` results added, run by run."""
    out = []
    for run_uuid, pages in runs:
        checked = await check_prompts(settings.checks, run_prompts(pages), pages)
        out.append((run_uuid, checked.pages))
    return out


async def _checked_prompts(settings: GateSettings, prompts: Sequence[EvaluationPrompt]) -> list[EvaluationPrompt]:
    if not prompts:
        return []
    return (await check_prompts(settings.checks, prompts, [])).prompts


def _prompts(pages: Sequence[ResultsPage], quarantined: Collection[str]) -> list[EvaluationPrompt]:
    """The prompts the gates use: each once, without the quarantined ones."""
    return run_prompts(without_inputs(pages, quarantined))


def _kept(earlier: Sequence[EvaluationPrompt], fresh: Sequence[ResultsPage]) -> ResultsPage:
    """The earlier run's prompts that no run of the group answered again (a rerun keeps them)."""
    answered = {slice_key(p.input) for page in fresh for p in page.prompts}
    return ResultsPage(prompts=tuple(p for p in earlier if slice_key(p.input) not in answered))


def _group(
    uuids: Sequence[str],
    used: Sequence[_Read],
    base_runs: Sequence[tuple[str, list[ResultsPage]]] | None,
    mine: Sequence[tuple[str, Sequence[ResultsPage]]],
    pages: Sequence[ResultsPage],
    plan: Plan,
    settings: GateSettings,
) -> RepeatGroup:
    judgements = judged(mine, settings)
    at_least, every = pass_rates(judgements, len(uuids))
    inputs = {(p.input or "").strip() for page in pages for p in page.prompts}
    return RepeatGroup(
        repeats=len(uuids),
        run_uuids=tuple(uuids),
        used=tuple(r.run_uuid for r in used),
        baseline_run_uuids=() if base_runs is None else tuple(u for u, _ in base_runs),
        spreads=spreads(mine),
        flaky=flaky_prompts(judgements, plan.quarantined) if len(uuids) > 1 else (),
        pass_at_k=at_least if len(uuids) > 1 else {},
        pass_all_k=every if len(uuids) > 1 else {},
        quarantined_inputs=tuple(sorted(inputs & plan.quarantined)),
    )


def _ending(read: _Read) -> str:
    if read.timed_out or read.run is None:
        return "timed out"
    return str(getattr(read.run.status, "value", read.run.status)).removeprefix("EVALUATION_RUN_")


def _with_group(result: AgentResult, group: RepeatGroup, reads: Sequence[_Read], settings: GateSettings) -> AgentResult:
    """The result with its group, and a gate saying which repeats the gates used when not all finished."""
    if group.complete or not group.used:
        return attrs.evolve(result, repeat_group=group)
    left = [r for r in reads if not r.finished]
    why = ", ".join(f"{r.run_uuid} {_ending(r)}" for r in left)
    message = f"{len(group.used)} of {group.repeats} repeats finished; the gates used those ({why} did not)"
    if settings.require_complete:
        message += ", and every repeat is required to finish"
    gate = GateResult(
        kind=GateKind.RUN_STATUS,
        name="every repeat finished",
        passed=not settings.require_complete,
        message=message,
    )
    reasons = result.verdict.reasons + ((message,) if not gate.passed else ())
    return attrs.evolve(
        result,
        repeat_group=group,
        gates=(*result.gates, gate),
        verdict=Verdict(passed=not reasons, reasons=reasons),
    )
