"""Models of ``client.evaluation_test_cases``: test cases, their star metric and dataset, and their runs."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._shared import PageLinks, PageMeta
from .evaluation_datasets import EvaluationDataset
from .evaluation_metrics import EvaluationMetric
from .evaluation_runs import EvaluationRun

__all__ = [
    "EvaluationRunsPage",
    "EvaluationTestCase",
    "EvaluationTestCasesList",
    "StarMetric",
    "UpdatedEvaluationTestCase",
]


@attrs.frozen(kw_only=True)
class StarMetric:
    """The metric that decides whether a run of a test case passes, and its threshold.

    The API states the threshold either as a value of the metric (``success_threshold``) or as a percentage
    from 0 to 100 (``success_threshold_pct``).
    """

    metric_uuid: str | None = None
    name: str | None = None
    success_threshold: float | None = None
    success_threshold_pct: int | None = None


@attrs.frozen(kw_only=True)
class EvaluationTestCase:
    """An evaluation test case: a dataset, the metrics to score it with and a star metric, in versions.

    Each update makes a new ``version``; runs are made of one version. ``created_by_user_id`` and
    ``updated_by_user_id`` are identifiers and stay strings.
    """

    test_case_uuid: str | None = None
    name: str | None = None
    description: str | None = None
    version: int | None = None
    dataset_uuid: str | None = None
    dataset_name: str | None = None
    dataset: EvaluationDataset | None = None
    metrics: tuple[EvaluationMetric, ...] = ()
    star_metric: StarMetric | None = None
    total_runs: int | None = None
    latest_version_number_of_runs: int | None = None
    created_at: datetime | None = None
    created_by_user_id: str | None = None
    created_by_user_email: str | None = None
    updated_at: datetime | None = None
    updated_by_user_id: str | None = None
    updated_by_user_email: str | None = None
    archived_at: datetime | None = None


@attrs.frozen(kw_only=True)
class EvaluationTestCasesList:
    """The body of the test-case listings (all of them, or a workspace's)."""

    evaluation_test_cases: tuple[EvaluationTestCase, ...] = ()


@attrs.frozen(kw_only=True)
class UpdatedEvaluationTestCase:
    """What updating a test case returns: its UUID and the version the update made."""

    test_case_uuid: str | None = None
    version: int | None = None


@attrs.frozen(kw_only=True)
class EvaluationRunsPage:
    """The runs of a test case as the API lists them (today in one response; paged if it ever pages)."""

    evaluation_runs: tuple[EvaluationRun, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)
