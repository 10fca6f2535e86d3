"""``client.evaluation_runs``: start runs of a test case, read runs and their per-prompt results."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any, Literal

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from .._pagination import AsyncPageStream
from .._validation import check_name, check_name_list, check_uuid, check_uuid_list, path_segment
from ..results import RunComparison, RunSummary
from ..types import CreatedEvaluationRuns, EvaluationRun
from ..types.evaluation_test_cases import EvaluationRunsPage
from ..typing import ExportFormat, OnProgress, OnUpdate, Timeout
from ..workflows.compare import compare_runs
from ..workflows.export import export_run
from ..workflows.records import records_of_run, to_pandas
from ..workflows.recover import create_runs, created_run_uuids, generated_run_name
from ..workflows.summary import summarize_run
from ..workflows.wait import (
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    create_and_wait_for_runs,
    wait_for_run,
    wait_options,
)
from ._base import SyncResource, blocking, blocking_iterator
from ._run_results import RESULTS_PAGE_SIZE, RUNS_PATH, AsyncRunResults
from .evaluation_metrics import CatalogUser

__all__ = ["AsyncEvaluationRuns", "EvaluationRuns", "RESULTS_PAGE_SIZE"]

_RUNS = RUNS_PATH
_TEST_CASES = "/v2/gen-ai/evaluation_test_cases"


class AsyncEvaluationRuns(CatalogUser, AsyncRunResults):
    """Evaluation runs: ``create``, ``retrieve``, the results (``list_results``, ``iter_results``,
    ``stream_results``, ``retrieve_results``, from :class:`AsyncRunResults`), and the workflows ``wait``,
    ``create_and_wait``, ``export``, ``summarize``, ``compare``."""

    async def create(
        self,
        *,
        test_case_uuid: str,
        agent_uuids: list[str] | None = None,
        agent_deployment_names: list[str] | None = None,
        run_name: str | None = None,
        recover: bool = True,
        name_is_unique: bool = False,
        timeout: Timeout = None,
    ) -> CreatedEvaluationRuns:
        """Run a test case against agents (by UUID) and/or agent deployments (by name): one run each.

        Without ``run_name`` the runs are named ``run-<UTC yyyymmdd-HHMMSS>-<8 hex digits>``, a name no other request
        uses, so that they can be found for certain if the answer is lost.

        Not idempotent: the request is retried only when the server cannot have acted on it (it could not be reached, or
        answered 429). When the outcome is unknown (a timeout after sending, a 5xx, a cut-off answer), the test case's
        runs are listed to find the ones this request made: proven (the generated name, every run bearing it queued
        while the request was out, one per agent and deployment), they are returned as if the server had answered
        (logged at WARNING); none, after a short re-check, and the create is sent once more (only with ``recover=True``,
        the default); otherwise :class:`RunCreationUnknownError` is raised with the runs that may be this request's in
        ``.candidates``. Runs of a caller's ``run_name`` are never proven (another process may use it too), unless
        ``name_is_unique=True`` says no other request uses it (``evaluate`` names its repeats so: a stem with a
        random token, then the repeat). ``ValueError``/``TypeError`` are raised before sending anything when an
        argument is malformed or neither agents nor deployments are given.
        """
        body: dict[str, object] = {"test_case_uuid": check_uuid(test_case_uuid, "test_case_uuid")}
        if agent_uuids is not None:
            body["agent_uuids"] = check_uuid_list(agent_uuids, "agent_uuids")
        if agent_deployment_names is not None:
            body["agent_deployment_names"] = check_name_list(agent_deployment_names, "agent_deployment_names")
        if not body.get("agent_uuids") and not body.get("agent_deployment_names"):
            raise InvalidArgumentError(
                "give at least one agent UUID (agent_uuids) or deployment name (agent_deployment_names)"
            )
        if not isinstance(recover, bool):
            raise ArgumentTypeError(f"recover must be True or False, got {type(recover).__name__}")
        if not isinstance(name_is_unique, bool):
            raise ArgumentTypeError(f"name_is_unique must be True or False, got {type(name_is_unique).__name__}")
        name = generated_run_name() if run_name is None else check_name(run_name, "run_name")
        body["run_name"] = name
        test_case = str(body["test_case_uuid"])
        return await create_runs(
            _CreateRequest(self, body, timeout),
            self._transport.pacer,
            test_case_uuid=test_case,
            run_name=name,
            named_by_caller=run_name is not None and not name_is_unique,
            agent_uuids=agent_uuids or (),
            agent_deployment_names=agent_deployment_names or (),
            recover=recover,
            retry=self._transport.retry,
        )

    async def retrieve(self, evaluation_run_uuid: str, *, timeout: Timeout = None) -> EvaluationRun:
        """One evaluation run: its status, timing and run-level metric results."""
        path = f"{_RUNS}/{path_segment(check_uuid(evaluation_run_uuid, 'evaluation_run_uuid'))}"
        return await self._get(path, EvaluationRun, key="evaluation_run", timeout=timeout)

    # -- workflows: waiting, exporting, summarizing, comparing -----------------------------------------------

    async def wait(
        self,
        evaluation_run_uuid: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_update: OnUpdate | None = None,
        raise_on_failure: bool = False,
    ) -> EvaluationRun:
        """Poll a run until it finishes (SUCCESSFUL, PARTIALLY_SUCCESSFUL, FAILED or CANCELLED) and return it.

        Here ``timeout`` is the **overall deadline** in seconds for the whole wait, not the per-request timeout the
        other methods take (each poll still uses the client's). Polls start ``poll_interval`` seconds apart and grow
        1.5x each time up to ``max_poll_interval``; when the rate limit is nearly spent, they are spaced as the client's
        pacer spreads background requests (``client.rate_limit.spacing``), and a poll the budget cannot allow before the
        deadline raises :class:`RateLimitError` saying how long it would have waited. ``on_update(run)`` is called
        whenever the status changes, the first poll included; it may be a plain or a coroutine function (with the
        blocking client it runs on the client's event-loop thread, so it must not call the blocking client).

        Raises :class:`EvaluationRunTimeout` (a ``TimeoutError``) at the deadline, with ``.run`` the last state seen;
        with ``raise_on_failure=True``, :class:`EvaluationRunFailed` for a FAILED or CANCELLED run. API errors that
        outlast the client's retries propagate.
        """
        options = wait_options(timeout, poll_interval, max_poll_interval, on_update, raise_on_failure)
        run_uuid = check_uuid(evaluation_run_uuid, "evaluation_run_uuid")
        return await wait_for_run(self, run_uuid, options, rate_limit=self._transport.pacer.state)

    async def create_and_wait(
        self,
        *,
        test_case_uuid: str,
        agent_uuids: list[str] | None = None,
        agent_deployment_names: list[str] | None = None,
        run_name: str | None = None,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_update: OnUpdate | None = None,
        raise_on_failure: bool = False,
    ) -> list[EvaluationRun]:
        """Start one run per agent/deployment (one ``create`` request), wait for all of them, return them.

        The runs come back finished, in the order the server listed the created UUIDs. ``timeout`` is the overall
        deadline of the whole call; the other arguments are those of :meth:`wait`, and ``on_update`` receives every
        run's status changes. The first timeout or failure cancels the other waits and is raised (the runs keep going on
        the server).
        """

        async def create() -> list[str]:
            created = await self.create(
                test_case_uuid=test_case_uuid,
                agent_uuids=agent_uuids,
                agent_deployment_names=agent_deployment_names,
                run_name=run_name,
            )
            return created_run_uuids(created, _RUNS)

        options = wait_options(timeout, poll_interval, max_poll_interval, on_update, raise_on_failure)
        return await create_and_wait_for_runs(self, create, options, rate_limit=self._transport.pacer.state)

    async def to_records(self, evaluation_run_uuid: str, *, per_page: int | None = None) -> list[dict[str, Any]]:
        """Every prompt result of a run as a flat ``dict`` (held in memory: for big runs prefer :meth:`export`).

        Keys: ``evaluation_run_uuid``, ``prompt_id``, ``trace_id``, ``input``, ``output``, ``ground_truth``,
        ``input_tokens``, ``output_tokens``, then ``metric:<name>`` (the value) for each prompt-level metric and
        ``metric_error:<name>`` where that metric errored.
        """
        return await records_of_run(self, check_uuid(evaluation_run_uuid, "evaluation_run_uuid"), per_page=per_page)

    async def to_pandas(self, evaluation_run_uuid: str, *, per_page: int | None = None) -> Any:
        """A ``pandas.DataFrame`` of :meth:`to_records`, one row per prompt.

        Needs pandas (``pip install 'gradient-evals[pandas]'``); raises ``ImportError`` saying so otherwise, before any
        request is sent.
        """
        to_pandas([])  # fail fast when pandas is missing
        return to_pandas(await self.to_records(evaluation_run_uuid, per_page=per_page))

    async def export(
        self,
        evaluation_run_uuid: str,
        path: str | os.PathLike[str],
        *,
        format: ExportFormat | None = None,
        per_page: int | None = None,
        on_progress: OnProgress | None = None,
    ) -> int:
        """Write every prompt result of a run to ``path`` as JSON Lines or CSV; returns the prompts written.

        Without ``format`` the extension decides: ``.csv`` is CSV, anything else JSON Lines; a ``format`` that
        contradicts the extension raises ``ValueError`` before any request, as does a directory or a missing folder at
        ``path`` (:class:`ExportError`). CSV cells that a spreadsheet would run as formulas get a leading ``'``; text
        that UTF-8 cannot hold (lone surrogates) is written as ``\\uXXXX`` escapes. Streams: one page is held in memory
        at a time, and the file appears at ``path`` only once complete. Records are those of :meth:`to_records`. A CSV
        file takes its metric columns from the first page; a metric first seen later goes into its ``extra_metrics``
        column as JSON. ``on_progress(done, total)`` is called after each page.
        """
        run_uuid = check_uuid(evaluation_run_uuid, "evaluation_run_uuid")
        return await export_run(self, run_uuid, path, format=format, per_page=per_page, on_progress=on_progress)

    async def summarize(
        self,
        evaluation_run_uuid: str,
        *,
        pass_thresholds: Mapping[str, float] | None = None,
        per_page: int | None = None,
        on_progress: OnProgress | None = None,
        inverted: Collection[str] | None = None,
    ) -> RunSummary:
        """Per-metric count, errors, mean/min/max and pass rate over a run's prompts, in constant memory.

        A metric has a pass rate when its values are pass/fail-like strings (``"pass"``/``"fail"``,
        ``"true"``/``"false"``...), or when it is numeric and named in ``pass_thresholds`` (a prompt passes at a value
        ``>=`` the threshold: ``pass_thresholds={"correctness": 80}``; ``<=`` for an inverted metric). Errored results
        are counted in ``errors`` and left out of the other statistics.

        Which metrics are *inverted* (lower is better) comes from the client's metric catalog, read once per client
        (``client.evaluation_metrics.catalog()``); ``inverted=["latency"]`` names them instead and skips the catalog
        (``inverted=()``: none is).
        """
        return await summarize_run(
            self,
            self._metrics,
            check_uuid(evaluation_run_uuid, "evaluation_run_uuid"),
            pass_thresholds=pass_thresholds,
            per_page=per_page,
            on_progress=on_progress,
            inverted=inverted,
        )

    async def compare(
        self,
        base_run_uuid: str,
        candidate_run_uuid: str,
        *,
        thresholds: Mapping[str, float] | None = None,
        min_scores: Mapping[str, float] | None = None,
        tolerance: float = 0.0,
        pass_thresholds: Mapping[str, float] | None = None,
        per_page: int | None = None,
        on_progress: OnProgress | None = None,
        tolerances: Mapping[str, float] | None = None,
        inverted: Collection[str] | None = None,
        regression_test: Literal["paired", "point"] = "paired",
        require_conclusive: bool = False,
    ) -> RunComparison:
        """Compare a candidate run with a base run, prompt by prompt and metric by metric.

        Prompts are matched by prompt id, or by identical input text where the ids differ. For every metric the result
        holds both summaries and the change of its score (the mean; the pass rate in percent for pass/fail metrics).
        Higher is better, except for *inverted* metrics (a hallucination rate), where lower is: a prompt *regressed* on
        a metric when its candidate value is worse than its base value by more than the metric's tolerance
        (``tolerances={"faithfulness": 0.02}``, else ``tolerance``). Which metrics are inverted comes from the client's
        metric catalog (read once per client), or from ``inverted=[names]``, which skips the catalog.

        The verdict (``result.verdict.passed`` and ``.reasons``):

        - ``thresholds={"correctness": -2.0}``: the score may change by at least this much, i.e. correctness
          may drop by at most 2 points (``0.0``: must not drop; ``+1.0``: must improve by 1); for an inverted
          metric the change counted is the improvement (a fall);
        - ``min_scores={"correctness": 75}``: the candidate's score must be at least 75 (at most, for an
          inverted metric);
        - with neither, no metric's score may worsen by more than its tolerance.

        A worsening is decided as ``evaluate``'s ``max_regression`` gate decides it: on the prompts both runs
        scored, paired, against what is allowed (the tolerance, or a non-positive threshold). It fails when the
        change is confidently worse than allowed; when the prompts cannot tell, the verdict passes with a note in
        ``result.verdict.notes`` (``require_conclusive=True`` fails it instead). ``regression_test="point"``
        compares the two scores alone, as does a positive threshold. Each metric's statistics are in
        ``result.metrics[name].statistics``.

        Per-prompt regressions are reported in ``result.regressions``, worst first relative to each metric's range
        (:attr:`PromptRegression.relative`), but do not decide the verdict. A NaN bound or tolerance raises
        ``ValueError`` before anything is sent.
        """
        return await compare_runs(
            self,
            self._metrics,
            check_uuid(base_run_uuid, "base_run_uuid"),
            check_uuid(candidate_run_uuid, "candidate_run_uuid"),
            thresholds=thresholds,
            min_scores=min_scores,
            tolerance=tolerance,
            tolerances=tolerances,
            pass_thresholds=pass_thresholds,
            per_page=per_page,
            on_progress=on_progress,
            inverted=inverted,
            regression_test=regression_test,
            require_conclusive=require_conclusive,
        )


class _CreateRequest:
    """One create request, as its recovery sends and checks it (``workflows._resources.RunCreation``): the POST,
    and the list of its test case's runs."""

    def __init__(self, runs: AsyncEvaluationRuns, body: dict[str, object], timeout: Timeout) -> None:
        self._runs = runs
        self._body = body
        self._timeout = timeout
        self._runs_of_test_case = runs._paginate(
            f"{_TEST_CASES}/{path_segment(str(body['test_case_uuid']))}/evaluation_runs",
            EvaluationRunsPage,
            items="evaluation_runs",
            key="evaluation_run_uuid",
            number_first_page=False,
            prefetch=1,
            timeout=timeout,
            what="runs page",
        )

    async def send(self) -> CreatedEvaluationRuns:
        return await self._runs._post(_RUNS, CreatedEvaluationRuns, body=self._body, timeout=self._timeout)

    def list_pages(self) -> AsyncPageStream[EvaluationRunsPage]:
        return self._runs_of_test_case.pages()


class EvaluationRuns(SyncResource[AsyncEvaluationRuns]):
    """Evaluation runs, blocking: the same methods as :class:`AsyncEvaluationRuns`."""

    create = blocking(AsyncEvaluationRuns.create)
    retrieve = blocking(AsyncEvaluationRuns.retrieve)
    list_results = blocking(AsyncEvaluationRuns.list_results)
    retrieve_results = blocking(AsyncEvaluationRuns.retrieve_results)
    iter_results = blocking_iterator(AsyncEvaluationRuns.iter_results)
    stream_results = blocking_iterator(AsyncEvaluationRuns.stream_results)
    wait = blocking(AsyncEvaluationRuns.wait)
    create_and_wait = blocking(AsyncEvaluationRuns.create_and_wait)
    to_records = blocking(AsyncEvaluationRuns.to_records)
    to_pandas = blocking(AsyncEvaluationRuns.to_pandas)
    export = blocking(AsyncEvaluationRuns.export)
    summarize = blocking(AsyncEvaluationRuns.summarize)
    compare = blocking(AsyncEvaluationRuns.compare)
