"""``client.evaluation_test_cases``: the runs made of a test case."""

from __future__ import annotations

from .._validation import check_positive_int, check_uuid, path_segment
from ..types import EvaluationRun, EvaluationRunsPage
from ..typing import Timeout
from ._base import AsyncResource, SyncResource, blocking

__all__ = ["AsyncEvaluationTestCases", "EvaluationTestCases"]

_TEST_CASES = "/v2/gen-ai/evaluation_test_cases"


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
        pager = self._paginate(
            f"{_TEST_CASES}/{path_segment(uuid)}/evaluation_runs",
            EvaluationRunsPage,
            items="evaluation_runs",
            key="evaluation_run_uuid",
            params=params,
            number_first_page=False,
            prefetch=1,
            timeout=timeout,
            what="runs page",
        )
        return [run async for run in pager]


class EvaluationTestCases(SyncResource[AsyncEvaluationTestCases]):
    """Evaluation test cases, blocking: the same methods as :class:`AsyncEvaluationTestCases`."""

    list_evaluation_runs = blocking(AsyncEvaluationTestCases.list_evaluation_runs)
