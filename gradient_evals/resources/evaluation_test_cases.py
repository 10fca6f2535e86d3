"""``client.evaluation_test_cases``: the runs made of a test case."""

from __future__ import annotations

import attrs

from .._models import EvaluationRun, EvaluationRunsPage
from .._pagination import AsyncPager
from .._validation import check_positive_int, check_uuid, path_segment
from ._base import AsyncResource
from .evaluation_runs import Timeout

__all__ = ["AsyncEvaluationTestCases"]

_TEST_CASES = "/v2/gen-ai/evaluation_test_cases"


def _run_key(run: EvaluationRun) -> str | None:
    return run.evaluation_run_uuid


def _page_with(page: EvaluationRunsPage, runs: tuple[EvaluationRun, ...]) -> EvaluationRunsPage:
    return attrs.evolve(page, evaluation_runs=runs)


class AsyncEvaluationTestCases(AsyncResource):
    """Evaluation test cases: ``list_evaluation_runs``."""

    async def list_evaluation_runs(
        self,
        evaluation_test_case_uuid: str,
        *,
        evaluation_test_case_version: int | None = None,
        timeout: Timeout = None,
    ) -> list[EvaluationRun]:
        """Every run of a test case, or only of one version of it, as one list.

        The API answers in one response today; should it start paging, the pages are followed (with the same
        safeguards as :meth:`AsyncEvaluationRuns.iter_results`) and the list stays complete.
        """
        uuid = check_uuid(evaluation_test_case_uuid, "evaluation_test_case_uuid")
        params: dict[str, int] = {}
        if evaluation_test_case_version is not None:
            params["evaluation_test_case_version"] = check_positive_int(
                evaluation_test_case_version, "evaluation_test_case_version"
            )
        transport = self._transport
        own_url = transport.url_for(f"{_TEST_CASES}/{path_segment(uuid)}/evaluation_runs")

        async def fetch(number: int, url: str | None) -> EvaluationRunsPage:
            if url is not None and url.split("?", 1)[0] == own_url:
                return await transport.request("GET", url, cast_to=EvaluationRunsPage, timeout=timeout)
            page_params = params if number == 1 else {**params, "page": number}
            return await transport.request(
                "GET", own_url, cast_to=EvaluationRunsPage, params=page_params, timeout=timeout
            )

        pager: AsyncPager[EvaluationRunsPage, EvaluationRun] = AsyncPager(
            fetch=fetch,
            items=lambda page: page.evaluation_runs,
            with_items=_page_with,
            key=_run_key,
            same_origin=transport.same_origin,
            prefetch=1,
            what="runs page",
        )
        return [run async for run in pager]
