"""``client.evaluation_test_cases``: create, read, update and list test cases, and list the runs made of one."""

from __future__ import annotations

import builtins
import math
import uuid as _uuid
from collections.abc import Iterable
from typing import Any

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from .._validation import check_name, check_positive_int, check_uuid, optional_fields, path_segment
from ..types import (
    EvaluationRun,
    EvaluationRunsPage,
    EvaluationTestCase,
    EvaluationTestCasesList,
    StarMetric,
    UpdatedEvaluationTestCase,
)
from ..typing import Timeout
from ..workflows.history import HistoryRow, history_of_test_case
from ..workflows.test_cases import resolve_test_case
from ._base import SyncResource, blocking
from .evaluation_metrics import CatalogUser, MetricRef, match_metric

__all__ = ["AsyncEvaluationTestCases", "EvaluationTestCases"]

_TEST_CASES = "/v2/gen-ai/evaluation_test_cases"


def _check_star_metric(star: Any) -> StarMetric:
    """Check a star metric's shape before anything is resolved or sent."""
    if not isinstance(star, StarMetric):
        raise ArgumentTypeError(
            "star_metric must be a StarMetric, e.g. StarMetric(name='Correctness', success_threshold_pct=80), "
            f"got {type(star).__name__}"
        )
    if star.metric_uuid is None and (star.name is None or not str(star.name).strip()):
        raise InvalidArgumentError("star_metric needs a metric: give its name or its metric_uuid")
    threshold, pct = star.success_threshold, star.success_threshold_pct
    if threshold is not None and pct is not None:
        raise InvalidArgumentError("star_metric: give success_threshold or success_threshold_pct, not both")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold)
    ):
        raise InvalidArgumentError(f"star_metric.success_threshold must be a finite number, got {threshold!r}")
    if pct is not None:
        if isinstance(pct, bool) or not isinstance(pct, int):
            raise ArgumentTypeError(f"star_metric.success_threshold_pct must be an int from 0 to 100, got {pct!r}")
        if not 0 <= pct <= 100:
            raise InvalidArgumentError(f"star_metric.success_threshold_pct must be from 0 to 100, got {pct}")
    return star


def _metric_refs(metrics: Any, argument: str) -> list[MetricRef]:
    if isinstance(metrics, str | bytes) or not isinstance(metrics, Iterable):
        raise ArgumentTypeError(f"{argument} must be a list of metric names, UUIDs or EvaluationMetric objects")
    refs = list(metrics)
    if not refs:
        raise InvalidArgumentError(f"{argument} must name at least one metric")
    return refs


class AsyncEvaluationTestCases(CatalogUser):
    """Evaluation test cases: ``create``, ``retrieve``, ``update``, ``list``, ``list_by_workspace``,
    ``list_evaluation_runs``.

    Wherever metrics are taken (``metrics=``, ``StarMetric(name=...)``) a metric may be an
    :class:`~gradient_evals.types.EvaluationMetric`, its UUID or its name; names are resolved through the
    client's metric catalog (see :class:`~gradient_evals.resources.evaluation_metrics.AsyncEvaluationMetrics`).
    """

    async def create(
        self,
        *,
        name: str,
        dataset_uuid: str,
        metrics: Iterable[MetricRef],
        star_metric: StarMetric | None = None,
        description: str | None = None,
        workspace_uuid: str | None = None,
        agent_workspace_name: str | None = None,
        timeout: Timeout = None,
    ) -> str:
        """Create a test case and return its UUID.

        ``metrics`` are the metrics to score (names, UUIDs or catalog models); ``star_metric`` the one that
        decides whether a run passes, with ``success_threshold`` (a value of the metric) or
        ``success_threshold_pct`` (0-100), not both. Every argument is checked and every metric name resolved
        before the test case is sent; a name unknown to the catalog raises ``ValueError`` with the close
        matches. Not retried once sent (a second request would make a second test case).
        """
        body: dict[str, Any] = {
            "name": check_name(name, "name"),
            "dataset_uuid": check_uuid(dataset_uuid, "dataset_uuid"),
        }
        optional_fields(
            body,
            description=(description, check_name),
            workspace_uuid=(workspace_uuid, check_uuid),
            agent_workspace_name=(agent_workspace_name, check_name),
        )
        refs = _metric_refs(metrics, "metrics")
        star = None if star_metric is None else _check_star_metric(star_metric)
        body["metrics"] = await self._metrics.resolve_all(refs, argument="metrics", timeout=timeout)
        if star is not None:
            body["star_metric"] = await self._star_body(star, timeout)
        return await self._post(_TEST_CASES, str, body=body, key="test_case_uuid", timeout=timeout)

    async def retrieve(
        self,
        test_case_uuid: str,
        *,
        evaluation_test_case_version: int | None = None,
        timeout: Timeout = None,
    ) -> EvaluationTestCase:
        """A test case: its latest version, or the version asked for."""
        params: dict[str, int] = {}
        if evaluation_test_case_version is not None:
            params["evaluation_test_case_version"] = check_positive_int(
                evaluation_test_case_version, "evaluation_test_case_version"
            )
        path = f"{_TEST_CASES}/{path_segment(check_uuid(test_case_uuid, 'test_case_uuid'))}"
        return await self._get(path, EvaluationTestCase, key="evaluation_test_case", params=params, timeout=timeout)

    async def update(
        self,
        test_case_uuid: str,
        *,
        name: str | None = None,
        description: str | None = None,
        dataset_uuid: str | None = None,
        metrics: Iterable[MetricRef] | None = None,
        star_metric: StarMetric | None = None,
        timeout: Timeout = None,
    ) -> UpdatedEvaluationTestCase:
        """Change a test case, which makes a new version of it; returns the test case's UUID and that version.

        Takes metrics in the same shapes as :meth:`create` (the API wants them wrapped differently on update;
        the SDK does that). Only the arguments given are sent; ``ValueError`` when nothing is to change. Runs
        of earlier versions stay listed under their version
        (``list_evaluation_runs(uuid, evaluation_test_case_version=n)``).
        """
        uuid = check_uuid(test_case_uuid, "test_case_uuid")
        body = optional_fields(
            {"test_case_uuid": uuid},
            name=(name, check_name),
            description=(description, check_name),
            dataset_uuid=(dataset_uuid, check_uuid),
        )
        refs = None if metrics is None else _metric_refs(metrics, "metrics")
        star = None if star_metric is None else _check_star_metric(star_metric)
        if len(body) == 1 and refs is None and star is None:
            raise InvalidArgumentError(
                "nothing to update: give name, description, dataset_uuid, metrics or star_metric"
            )
        if refs is not None:
            body["metrics"] = {"metric_uuids": await self._metrics.resolve_all(refs, timeout=timeout)}
        if star is not None:
            body["star_metric"] = await self._star_body(star, timeout)
        path = f"{_TEST_CASES}/{path_segment(uuid)}"
        return await self._put(path, UpdatedEvaluationTestCase, body=body, timeout=timeout)

    async def list(self, *, timeout: Timeout = None) -> tuple[EvaluationTestCase, ...]:
        """Every test case of the account (the API answers in one response)."""
        listing = await self._get(_TEST_CASES, EvaluationTestCasesList, timeout=timeout)
        return listing.evaluation_test_cases

    async def list_by_workspace(
        self, workspace_uuid: str, *, timeout: Timeout = None
    ) -> tuple[EvaluationTestCase, ...]:
        """The test cases of one workspace."""
        workspace = path_segment(check_uuid(workspace_uuid, "workspace_uuid"))
        path = f"/v2/gen-ai/workspaces/{workspace}/evaluation_test_cases"
        listing = await self._get(path, EvaluationTestCasesList, timeout=timeout)
        return listing.evaluation_test_cases

    async def list_evaluation_runs(
        self,
        evaluation_test_case_uuid: str,
        *,
        evaluation_test_case_version: int | None = None,
        timeout: Timeout = None,
    ) -> builtins.list[EvaluationRun]:
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

    async def list_history(
        self, test_case: str, *, agent: str | None = None, limit: int | None = None
    ) -> builtins.list[HistoryRow]:
        """The finished runs of a test case (its name or UUID), newest first, as :class:`HistoryRow` values: agent,
        version, status, star metric and each metric's run-level value. ``agent`` keeps the runs of one agent (its
        UUID, deployment name or name as the runs record it); ``limit`` keeps the newest. One listing of the test
        case's runs (and of the test cases, for a name); nothing is fetched per run."""
        return await history_of_test_case(self, test_case, agent=agent, limit=limit)

    async def resolve(self, test_case: str | _uuid.UUID) -> str:
        """The UUID of a test case given by UUID (used as is) or by name (looked up with :meth:`list`).

        A name matches exactly, else ignoring case; one that matches no test case, or several, raises
        :class:`~gradient_evals.workflows.test_cases.TestCaseNameError` listing the candidates (name and UUID).
        """
        return await resolve_test_case(self, test_case)

    async def _star_body(self, star: StarMetric, timeout: Timeout) -> dict[str, Any]:
        """The star metric as the API takes it: its UUID (a name resolved through the catalog), its name and
        its threshold."""
        if star.metric_uuid is not None:
            metric_uuid = check_uuid(star.metric_uuid, "star_metric.metric_uuid")
            name = star.name
        else:
            assert star.name is not None  # checked by _check_star_metric
            catalog = await self._metrics.catalog(timeout=timeout)
            metric = match_metric(catalog, star.name, "star_metric.name")
            metric_uuid = check_uuid(metric.metric_uuid, "star_metric.metric_uuid")
            name = metric.metric_name
        body: dict[str, Any] = {"metric_uuid": metric_uuid}
        if name is not None:
            body["name"] = name
        if star.success_threshold is not None:
            body["success_threshold"] = float(star.success_threshold)
        if star.success_threshold_pct is not None:
            body["success_threshold_pct"] = star.success_threshold_pct
        return body


class EvaluationTestCases(SyncResource[AsyncEvaluationTestCases]):
    """Evaluation test cases, blocking: the same methods as :class:`AsyncEvaluationTestCases`."""

    create = blocking(AsyncEvaluationTestCases.create)
    retrieve = blocking(AsyncEvaluationTestCases.retrieve)
    update = blocking(AsyncEvaluationTestCases.update)
    list = blocking(AsyncEvaluationTestCases.list)
    list_by_workspace = blocking(AsyncEvaluationTestCases.list_by_workspace)
    list_evaluation_runs = blocking(AsyncEvaluationTestCases.list_evaluation_runs)
    list_history = blocking(AsyncEvaluationTestCases.list_history)
    resolve = blocking(AsyncEvaluationTestCases.resolve)
