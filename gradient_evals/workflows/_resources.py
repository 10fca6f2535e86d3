"""What a workflow asks of a resource: one small protocol per need, each met by the resource itself.

Every workflow takes the resources it reads as its first arguments (``runs``, ``metrics``, ``datasets``), typed by
these protocols, never the client, never a class of ``resources/`` and never loose callables; a test hands it any
object with the same methods. The evaluate workflows take the same resources bundled as
:class:`~gradient_evals.workflows.services.EvaluationServices`, each field typed by the protocols below.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from .._pagination import AsyncPager
from .._streaming import AsyncStream
from ..types import (
    CreatedEvaluationRuns,
    EvaluationDataset,
    EvaluationDatasetDownloadUrl,
    EvaluationMetric,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationRunsPage,
    EvaluationTestCase,
    FileUploadPresignedUrls,
    ResultsPage,
    StarMetric,
    UpdatedEvaluationTestCase,
)
from ..typing import OnUpdate
from .metric_names import MetricRef

__all__ = [
    "ClockReadings",
    "DatasetDownloads",
    "DatasetRows",
    "DatasetUploads",
    "EvaluateDatasets",
    "EvaluateMetrics",
    "EvaluateRuns",
    "EvaluateTestCases",
    "MetricCatalog",
    "RunCreation",
    "RunResults",
    "RunRetriever",
]


class RunRetriever(Protocol):
    """Reads one run (``client.evaluation_runs``)."""

    async def retrieve(self, evaluation_run_uuid: str) -> EvaluationRun: ...


class RunResults(Protocol):
    """Streams a run's result pages (``client.evaluation_runs``)."""

    def stream_results(
        self, evaluation_run_uuid: str, *, per_page: int | None = None
    ) -> AsyncStream[ResultsPage, EvaluationPrompt]: ...


class MetricCatalog(Protocol):
    """Reads the metric catalog, which says which metrics are better when lower (``client.evaluation_metrics``)."""

    async def catalog(self) -> Iterable[EvaluationMetric]: ...


class RunCreation(Protocol):
    """One create request of evaluation runs, as its recovery sends and checks it (``evaluation_runs.create``
    makes one per call): the request itself, and the list of its test case's runs."""

    async def send(self) -> CreatedEvaluationRuns: ...

    def list_pages(self) -> AbstractAsyncContextManager[AsyncIterator[EvaluationRunsPage]]:
        """Opens the test case's run list: ``async with request.list_pages() as pages: async for page in pages``."""
        ...


class ClockReadings(Protocol):
    """Where the server's clock may be (the client's pacer): offsets in seconds from the local clock, 0 among them."""

    def clock_offsets(self) -> Sequence[float]: ...


class DatasetUploads(Protocol):
    """Asks for an upload URL and creates the dataset from the uploaded file (``client.evaluation_datasets``)."""

    async def create_file_upload_presigned_urls(
        self, *, files: Sequence[Mapping[str, Any]]
    ) -> FileUploadPresignedUrls: ...

    async def create(self, *, name: str, file_upload_dataset: Mapping[str, Any], dataset_type: Any = None) -> str: ...


class DatasetDownloads(Protocol):
    """Gives a fresh download URL of a dataset's file (``client.evaluation_datasets``)."""

    async def get_download_url(self, dataset_uuid: str) -> EvaluationDatasetDownloadUrl: ...


class DatasetRows(Protocol):
    """Reads a dataset's rows (``client.evaluation_datasets``)."""

    async def read(self, dataset_uuid: str) -> builtins.list[dict[str, str]]: ...


class EvaluateDatasets(DatasetRows, Protocol):
    """What ``evaluate`` asks of ``client.evaluation_datasets``: the datasets there are, an upload, rows."""

    async def list(self) -> tuple[EvaluationDataset, ...]: ...

    async def upload(self, source: Any, *, name: str) -> str: ...


class EvaluateTestCases(Protocol):
    """What ``evaluate`` asks of ``client.evaluation_test_cases``: find, create or update one, list its runs."""

    async def list(self) -> tuple[EvaluationTestCase, ...]: ...

    async def retrieve(self, test_case_uuid: str) -> EvaluationTestCase: ...

    async def create(
        self, *, name: str, dataset_uuid: str, metrics: Iterable[MetricRef], star_metric: StarMetric | None = None
    ) -> str: ...

    async def update(
        self,
        test_case_uuid: str,
        *,
        dataset_uuid: str | None = None,
        metrics: Iterable[MetricRef] | None = None,
        star_metric: StarMetric | None = None,
    ) -> UpdatedEvaluationTestCase: ...

    async def list_evaluation_runs(
        self, evaluation_test_case_uuid: str, *, evaluation_test_case_version: int | None = None
    ) -> builtins.list[EvaluationRun]: ...


class EvaluateRuns(RunRetriever, Protocol):
    """What ``evaluate`` asks of ``client.evaluation_runs``: start runs, wait for one, read its results."""

    async def create(
        self,
        *,
        test_case_uuid: str,
        agent_uuids: builtins.list[str] | None = None,
        agent_deployment_names: builtins.list[str] | None = None,
        run_name: str | None = None,
        name_is_unique: bool = False,
    ) -> CreatedEvaluationRuns: ...

    async def wait(
        self,
        evaluation_run_uuid: str,
        *,
        timeout: float,
        poll_interval: float,
        max_poll_interval: float,
        on_update: OnUpdate | None = None,
    ) -> EvaluationRun: ...

    def iter_results(self, evaluation_run_uuid: str) -> AsyncPager[ResultsPage, EvaluationPrompt]: ...


class EvaluateMetrics(MetricCatalog, Protocol):
    """What ``evaluate`` asks of ``client.evaluation_metrics``: the catalog, and metric names made UUIDs."""

    async def catalog(self) -> tuple[EvaluationMetric, ...]: ...

    async def resolve_all(self, metrics: Iterable[MetricRef]) -> builtins.list[str]: ...
