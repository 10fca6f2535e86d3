"""``client.evaluation_runs``: start runs of a test case, read runs and their per-prompt results."""

from __future__ import annotations

from typing import TypeAlias

import attrs
import httpx

from .._exceptions import APIError, RunCreationUnknownError
from .._models import CreatedEvaluationRuns, EvaluationPrompt, EvaluationRun, ResultsPage
from .._pagination import DEFAULT_PREFETCH, AsyncPager
from .._transport import may_have_been_processed
from .._validation import (
    check_name,
    check_name_list,
    check_positive_int,
    check_prompt_id,
    check_uuid,
    check_uuid_list,
    path_segment,
)
from ._base import AsyncResource

__all__ = ["AsyncEvaluationRuns", "AsyncResultsIterator"]

AsyncResultsIterator: TypeAlias = AsyncPager[ResultsPage, EvaluationPrompt]
"""What :meth:`AsyncEvaluationRuns.iter_results` returns: prompts with ``async for``, pages with ``.pages()``."""

Timeout: TypeAlias = float | httpx.Timeout | None

_RUNS = "/v2/gen-ai/evaluation_runs"


def _prompt_key(prompt: EvaluationPrompt) -> int | None:
    return prompt.prompt_id


def _page_with(page: ResultsPage, prompts: tuple[EvaluationPrompt, ...]) -> ResultsPage:
    return attrs.evolve(page, prompts=prompts)


class AsyncEvaluationRuns(AsyncResource):
    """Evaluation runs: ``create``, ``retrieve``, ``list_results``, ``iter_results``, ``retrieve_results``."""

    async def create(
        self,
        *,
        test_case_uuid: str,
        agent_uuids: list[str] | None = None,
        agent_deployment_names: list[str] | None = None,
        run_name: str | None = None,
        timeout: Timeout = None,
    ) -> CreatedEvaluationRuns:
        """Run a test case against agents (by UUID) and/or agent deployments (by name): one run each.

        Not idempotent: the request is retried only when the server cannot have acted on it (it could not be
        reached, or answered 429). When the outcome is unknown (a timeout after sending, a 5xx, a cut-off
        answer) :class:`RunCreationUnknownError` is raised: the runs may exist; check with
        ``client.evaluation_test_cases.list_evaluation_runs(test_case_uuid)`` before creating again.

        Raises ``ValueError``/``TypeError`` before sending anything when an argument is malformed or when
        neither agents nor deployment names are given.
        """
        body: dict[str, object] = {"test_case_uuid": check_uuid(test_case_uuid, "test_case_uuid")}
        if agent_uuids is not None:
            body["agent_uuids"] = check_uuid_list(agent_uuids, "agent_uuids")
        if agent_deployment_names is not None:
            body["agent_deployment_names"] = check_name_list(agent_deployment_names, "agent_deployment_names")
        if not body.get("agent_uuids") and not body.get("agent_deployment_names"):
            raise ValueError("give at least one agent UUID (agent_uuids) or deployment name (agent_deployment_names)")
        if run_name is not None:
            body["run_name"] = check_name(run_name, "run_name")
        transport = self._transport
        try:
            return await transport.request(
                "POST",
                transport.url_for(_RUNS),
                cast_to=CreatedEvaluationRuns,
                json_body=body,
                timeout=timeout,
                idempotent=False,
            )
        except APIError as exc:
            if not may_have_been_processed(exc):
                raise
            raise RunCreationUnknownError(
                f"creating runs of test case {body['test_case_uuid']} (run_name={run_name!r}) may have "
                f"succeeded on the server, but no usable answer came back ({exc}); do not simply retry: "
                "list the test case's runs with client.evaluation_test_cases.list_evaluation_runs() "
                "and look for this run name first",
                test_case_uuid=str(body["test_case_uuid"]),
                run_name=run_name,
                cause=exc,
            ) from exc

    async def retrieve(self, evaluation_run_uuid: str, *, timeout: Timeout = None) -> EvaluationRun:
        """One evaluation run: its status, timing and run-level metric results."""
        path = f"{_RUNS}/{path_segment(check_uuid(evaluation_run_uuid, 'evaluation_run_uuid'))}"
        transport = self._transport
        return await transport.request(
            "GET", transport.url_for(path), cast_to=EvaluationRun, key="evaluation_run", timeout=timeout
        )

    async def list_results(
        self,
        evaluation_run_uuid: str,
        *,
        page: int | None = None,
        per_page: int | None = None,
        timeout: Timeout = None,
    ) -> ResultsPage:
        """One page of a run's prompt results (``page`` from 1; the server's default size unless ``per_page``).

        To read every prompt, use :meth:`iter_results`, which pages for you.
        """
        path = self._results_path(evaluation_run_uuid)
        params: dict[str, int] = {}
        if page is not None:
            params["page"] = check_positive_int(page, "page")
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        transport = self._transport
        return await transport.request(
            "GET", transport.url_for(path), cast_to=ResultsPage, params=params, timeout=timeout
        )

    def iter_results(
        self,
        evaluation_run_uuid: str,
        *,
        per_page: int = 100,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
    ) -> AsyncResultsIterator:
        """Every prompt result of a run, in order, fetched lazily page by page.

        ``async for prompt in client.evaluation_runs.iter_results(uuid)`` yields prompts;
        ``.pages()`` yields whole :class:`ResultsPage` objects instead. Once the first page tells how many
        pages there are, up to ``prefetch`` pages are fetched concurrently (``prefetch=1`` is strictly
        sequential); each page is retried on its own. A prompt id already yielded is never yielded again.
        """
        path = self._results_path(evaluation_run_uuid)
        check_positive_int(per_page, "per_page")
        check_positive_int(prefetch, "prefetch")
        transport = self._transport
        own_url = transport.url_for(path)

        async def fetch(number: int, url: str | None) -> ResultsPage:
            if url is not None and url.split("?", 1)[0] == own_url:
                return await transport.request("GET", url, cast_to=ResultsPage, timeout=timeout)
            return await transport.request(
                "GET",
                own_url,
                cast_to=ResultsPage,
                params={"page": number, "per_page": per_page},
                timeout=timeout,
            )

        return AsyncPager(
            fetch=fetch,
            items=lambda page: page.prompts,
            with_items=_page_with,
            key=_prompt_key,
            same_origin=transport.same_origin,
            prefetch=prefetch,
            what="results page",
        )

    async def retrieve_results(
        self, evaluation_run_uuid: str, prompt_id: int, *, timeout: Timeout = None
    ) -> EvaluationPrompt:
        """The results of one prompt of a run."""
        path = f"{self._results_path(evaluation_run_uuid)}/{path_segment(check_prompt_id(prompt_id))}"
        transport = self._transport
        return await transport.request(
            "GET", transport.url_for(path), cast_to=EvaluationPrompt, key="prompt", timeout=timeout
        )

    @staticmethod
    def _results_path(evaluation_run_uuid: str) -> str:
        return f"{_RUNS}/{path_segment(check_uuid(evaluation_run_uuid, 'evaluation_run_uuid'))}/results"
