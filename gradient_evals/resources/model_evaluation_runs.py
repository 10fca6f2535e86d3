"""``client.model_evaluation_runs``: run a candidate model over a dataset with a judge and metrics; list, read,
rename, cancel and delete runs; wait for one; read its per-row results."""

from __future__ import annotations

import builtins
import uuid as _uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar

import attrs

from .._exceptions import APIError, ArgumentTypeError, InvalidArgumentError
from .._pagination import DEFAULT_PREFETCH, AsyncPager
from .._validation import check_name, check_positive_int, check_uuid, check_uuid_list, path_segment
from ..types import (
    CandidateInferenceConfig,
    CandidateModelSource,
    CreatedModelEvaluationRun,
    ModelEvaluationResult,
    ModelEvaluationResultsDownloadUrl,
    ModelEvaluationRun,
    ModelEvaluationRunsPage,
    ModelEvaluationRunStatus,
    ModelEvaluationRunSummary,
    PresetSaveSection,
    StarMetric,
)
from ..typing import Timeout
from ..workflows.model_runs import (
    MAX_RESULTS_BYTES,
    MAX_RESULTS_INFLATED_BYTES,
    OnModelRunUpdate,
    read_model_results,
    wait_for_model_run,
)
from ..workflows.wait import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, WaitOptions
from ._base import AsyncResource, SyncResource, blocking, blocking_iterator

__all__ = ["AsyncModelEvaluationRuns", "ModelEvaluationRuns", "ModelRunDeleteError", "SortField", "enum_value"]

_RUNS = "/v2/gen-ai/model_evaluation_runs"
E = TypeVar("E", bound=StrEnum)


class SortField(StrEnum):
    """What :meth:`AsyncModelEvaluationRuns.list` sorts by."""

    CREATED_AT = "MODEL_EVALUATION_RUN_SORT_FIELD_CREATED_AT"
    STATUS = "MODEL_EVALUATION_RUN_SORT_FIELD_STATUS"


_DIRECTIONS = {"asc": "SORT_DIRECTION_ASC", "desc": "SORT_DIRECTION_DESC"}


class ModelRunDeleteError(APIError):
    """The API answered a delete with its failure status (``status`` ``..._FAIL``) and this ``message``."""


def enum_value(value: Any, enum: type[E], name: str) -> str:
    """``value`` as the API spells a member of ``enum``: a member, its value, or its name in any case
    (``"successful"`` for ``MODEL_EVALUATION_RUN_SUCCESSFUL``); anything else is a ``ValueError`` listing them."""
    if isinstance(value, enum):
        return str(value.value)
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string or {enum.__name__}, got {type(value).__name__}")
    wanted = value.strip().upper().replace("-", "_")
    for member in enum:
        if wanted in (member.value, member.name):
            return str(member.value)
    names = ", ".join(m.name.lower() for m in enum)
    raise InvalidArgumentError(f"{name} must be one of {names}, got {value!r}")


def _run_path(eval_run_uuid: str, tail: str = "") -> str:
    return f"{_RUNS}/{path_segment(check_uuid(eval_run_uuid, 'eval_run_uuid'))}{tail}"


def _filters(
    statuses: Sequence[ModelEvaluationRunStatus | str] | None,
    candidate_types: Sequence[CandidateModelSource | str] | None,
    eval_preset_uuid: str | None,
    search: str | None,
    sort_by: SortField | str | None,
    sort_direction: str | None,
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if statuses:
        if isinstance(statuses, str):
            raise ArgumentTypeError("statuses must be a list of statuses, not one string")
        params["statuses"] = [enum_value(s, ModelEvaluationRunStatus, "statuses") for s in statuses]
    if candidate_types:
        if isinstance(candidate_types, str):
            raise ArgumentTypeError("candidate_types must be a list of sources, not one string")
        params["candidate_types"] = [enum_value(c, CandidateModelSource, "candidate_types") for c in candidate_types]
    if eval_preset_uuid is not None:
        params["eval_preset_uuid"] = check_uuid(eval_preset_uuid, "eval_preset_uuid")
    if search is not None:
        params["search"] = check_name(search, "search")
    if sort_by is not None:
        params["sort_by"] = enum_value(sort_by, SortField, "sort_by")
    if sort_direction is not None:
        if sort_direction not in _DIRECTIONS:
            raise InvalidArgumentError(f"sort_direction must be 'asc' or 'desc', got {sort_direction!r}")
        params["sort_direction"] = _DIRECTIONS[sort_direction]
    return params


def _candidate(model: str | _uuid.UUID) -> dict[str, str]:
    """A model as the create operation takes it: a UUID, or a model slug (``llama3.3-70b-instruct``)."""
    if isinstance(model, _uuid.UUID):
        return {"candidate_model_uuid": str(model)}
    check_name(model, "candidate_model")
    try:
        return {"candidate_model_uuid": check_uuid(model, "candidate_model")}
    except ValueError:
        return {"candidate_model_name": model.strip()}


def _create_body(
    dataset_uuid: str,
    candidate_model: str | _uuid.UUID,
    judge_model_uuid: str,
    metric_uuids: Sequence[str],
    name: str | None,
    candidate_model_source: CandidateModelSource | str | None,
    candidate_inference_config: CandidateInferenceConfig | None,
    star_metric: StarMetric | None,
    eval_preset_uuid: str | None,
    preset_name: str | None,
    preset_save_sections: Sequence[PresetSaveSection | str],
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dataset_uuid": check_uuid(dataset_uuid, "dataset_uuid"),
        **_candidate(candidate_model),
        "judge_model_uuid": check_uuid(judge_model_uuid, "judge_model_uuid"),
        "metric_uuids": check_uuid_list(metric_uuids, "metric_uuids"),
    }
    if not body["metric_uuids"]:
        raise InvalidArgumentError("metric_uuids must name at least one metric")
    if name is not None:
        body["name"] = check_name(name, "name")
    if candidate_model_source is not None:
        body["candidate_model_source"] = enum_value(
            candidate_model_source, CandidateModelSource, "candidate_model_source"
        )
    if candidate_inference_config is not None:
        if not isinstance(candidate_inference_config, CandidateInferenceConfig):
            raise ArgumentTypeError("candidate_inference_config must be a CandidateInferenceConfig")
        body["candidate_inference_config"] = {
            k: v for k, v in attrs.asdict(candidate_inference_config).items() if v is not None
        }
    if star_metric is not None:
        if not isinstance(star_metric, StarMetric):
            raise ArgumentTypeError("star_metric must be a StarMetric")
        body["star_metric"] = {k: v for k, v in attrs.asdict(star_metric).items() if v is not None}
    if eval_preset_uuid is not None:
        body["eval_preset_uuid"] = check_uuid(eval_preset_uuid, "eval_preset_uuid")
    if preset_name is not None:
        body["save_as_preset"] = True
        body["preset_name"] = check_name(preset_name, "preset_name")
        body["preset_save_sections"] = [
            enum_value(s, PresetSaveSection, "preset_save_sections") for s in preset_save_sections
        ]
    elif preset_save_sections:
        raise InvalidArgumentError("preset_save_sections needs preset_name (the preset to save)")
    return body


class AsyncModelEvaluationRuns(AsyncResource):
    """Model evaluation runs: ``list``/``iter``, ``create``, ``retrieve``, ``update``, ``delete``, ``cancel``,
    ``wait``, and the per-row results (``results_download_url``, ``results``)."""

    async def list(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        statuses: Sequence[ModelEvaluationRunStatus | str] | None = None,
        candidate_types: Sequence[CandidateModelSource | str] | None = None,
        eval_preset_uuid: str | None = None,
        search: str | None = None,
        sort_by: SortField | str | None = None,
        sort_direction: str | None = None,
        timeout: Timeout = None,
    ) -> ModelEvaluationRunsPage:
        """One page of runs, filtered by status (``"successful"`` or the enum), candidate source, preset or a
        search text, sorted by ``sort_by`` (``"created_at"``, ``"status"``) in ``sort_direction`` (``"asc"``,
        ``"desc"``). Use :meth:`iter` for every run."""
        params = _filters(statuses, candidate_types, eval_preset_uuid, search, sort_by, sort_direction)
        if page is not None:
            params["page"] = check_positive_int(page, "page")
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        return await self._get(_RUNS, ModelEvaluationRunsPage, params=params, timeout=timeout)

    def iter(
        self,
        *,
        per_page: int | None = None,
        statuses: Sequence[ModelEvaluationRunStatus | str] | None = None,
        candidate_types: Sequence[CandidateModelSource | str] | None = None,
        eval_preset_uuid: str | None = None,
        search: str | None = None,
        sort_by: SortField | str | None = None,
        sort_direction: str | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
    ) -> AsyncPager[ModelEvaluationRunsPage, ModelEvaluationRunSummary]:
        """Every run the filters of :meth:`list` select, page by page: ``async for run in ...iter(): ...``."""
        params = _filters(statuses, candidate_types, eval_preset_uuid, search, sort_by, sort_direction)
        if per_page is not None:
            params["per_page"] = check_positive_int(per_page, "per_page")
        return self._paginate(
            _RUNS,
            ModelEvaluationRunsPage,
            items="runs",
            key="eval_run_uuid",
            params=params,
            prefetch=check_positive_int(prefetch, "prefetch"),
            timeout=timeout,
            what="model evaluation runs page",
        )

    async def create(
        self,
        *,
        dataset_uuid: str,
        candidate_model: str | _uuid.UUID,
        judge_model_uuid: str,
        metric_uuids: Sequence[str],
        name: str | None = None,
        candidate_model_source: CandidateModelSource | str | None = None,
        candidate_inference_config: CandidateInferenceConfig | None = None,
        star_metric: StarMetric | None = None,
        eval_preset_uuid: str | None = None,
        preset_name: str | None = None,
        preset_save_sections: Sequence[PresetSaveSection | str] = (),
        timeout: Timeout = None,
    ) -> str:
        """Start a run; returns its UUID. ``candidate_model`` is a model UUID or slug, ``judge_model_uuid`` the
        judge's UUID, ``metric_uuids`` the metrics (``model_evaluation_metrics.list()``). ``preset_name`` also
        saves the settings as a preset (the ``preset_save_sections`` of them, or all). Not retried once sent: a
        second request would start a second run."""
        body = _create_body(
            dataset_uuid,
            candidate_model,
            judge_model_uuid,
            metric_uuids,
            name,
            candidate_model_source,
            candidate_inference_config,
            star_metric,
            eval_preset_uuid,
            preset_name,
            preset_save_sections,
        )
        created = await self._post(_RUNS, CreatedModelEvaluationRun, body=body, timeout=timeout)
        if not created.eval_run_uuid:
            raise APIError("the API created a model evaluation run but sent no eval_run_uuid", method="POST")
        return created.eval_run_uuid

    async def retrieve(self, eval_run_uuid: str, *, timeout: Timeout = None) -> ModelEvaluationRun:
        """One run in full: settings, status, progress, and its result summary once finished."""
        return await self._get(_run_path(eval_run_uuid), ModelEvaluationRun, key="run", timeout=timeout)

    async def update(self, eval_run_uuid: str, *, name: str, timeout: Timeout = None) -> ModelEvaluationRunSummary:
        """Rename a run; returns it."""
        path = _run_path(eval_run_uuid)
        body = {"eval_run_uuid": check_uuid(eval_run_uuid, "eval_run_uuid"), "name": check_name(name, "name")}
        return await self._send(
            "PATCH", path, ModelEvaluationRunSummary, body=body, key="run", timeout=timeout, idempotent=True
        )

    async def delete(self, eval_run_uuid: str, *, timeout: Timeout = None) -> None:
        """Delete a finished run (the API refuses one still in progress: cancel it first, or wait)."""
        answer = await self._delete(_run_path(eval_run_uuid), dict, timeout=timeout)
        if str(answer.get("status", "")).endswith("_FAIL"):
            message = answer.get("error") or "no reason given"
            raise ModelRunDeleteError(f"model evaluation run {eval_run_uuid} was not deleted: {message}")

    async def cancel(self, eval_run_uuid: str, *, timeout: Timeout = None) -> ModelEvaluationRunSummary:
        """Cancel a run in progress; returns it. A finished run cannot be: the API's error is raised typed."""
        body = {"eval_run_uuid": check_uuid(eval_run_uuid, "eval_run_uuid")}
        return await self._put(
            _run_path(eval_run_uuid, "/cancel"), ModelEvaluationRunSummary, body=body, key="run", timeout=timeout
        )

    async def results_download_url(
        self, eval_run_uuid: str, *, timeout: Timeout = None
    ) -> ModelEvaluationResultsDownloadUrl:
        """A presigned URL of the run's results file (gzip-compressed JSON), valid until ``expires_at``."""
        path = _run_path(eval_run_uuid, "/results/download_url")
        return await self._get(path, ModelEvaluationResultsDownloadUrl, timeout=timeout)

    async def results(
        self,
        eval_run_uuid: str,
        *,
        max_bytes: int = MAX_RESULTS_BYTES,
        max_inflated_bytes: int = MAX_RESULTS_INFLATED_BYTES,
    ) -> builtins.list[ModelEvaluationResult]:
        """Every per-row result of a finished run: downloads the results file (without the API token, to the
        destinations dataset files may come from), inflates it within ``max_inflated_bytes`` and checks it;
        a file that is not gzip, not JSON, too large or whose rows are not objects raises
        :class:`~gradient_evals.workflows.model_runs.ModelResultsFileError`. Nothing is written to disk."""
        run_uuid = check_uuid(eval_run_uuid, "eval_run_uuid")
        limits = check_positive_int(max_bytes, "max_bytes"), check_positive_int(max_inflated_bytes, "max_inflated")
        storage = self._object_storage
        if storage is None:
            raise ArgumentTypeError("this resource was made without a storage client")
        rows = await read_model_results(self, storage, run_uuid, max_bytes=limits[0], max_inflated_bytes=limits[1])
        return builtins.list(rows)

    async def wait(
        self,
        eval_run_uuid: str,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: OnModelRunUpdate | None = None,
    ) -> ModelEvaluationRun:
        """Poll until the run is finished (successful, partially successful, failed or cancelled) and return it.

        ``on_progress(run)`` is called whenever the status or ``run.progress`` (rows answered and judged, of
        ``total_rows``) changes. Polls back off up to ``max_poll_interval``; past ``timeout`` seconds,
        :class:`~gradient_evals.workflows.model_runs.ModelRunTimeout` carries the last state seen.
        """
        options = WaitOptions(timeout=timeout, poll_interval=poll_interval, max_poll_interval=max_poll_interval)
        run_uuid = check_uuid(eval_run_uuid, "eval_run_uuid")
        return await wait_for_model_run(
            self, run_uuid, options, on_progress=on_progress, rate_limit=self._transport.pacer.state
        )


class ModelEvaluationRuns(SyncResource[AsyncModelEvaluationRuns]):
    """Model evaluation runs, blocking: the same methods as :class:`AsyncModelEvaluationRuns`."""

    list = blocking(AsyncModelEvaluationRuns.list)
    iter = blocking_iterator(AsyncModelEvaluationRuns.iter)
    create = blocking(AsyncModelEvaluationRuns.create)
    retrieve = blocking(AsyncModelEvaluationRuns.retrieve)
    update = blocking(AsyncModelEvaluationRuns.update)
    delete = blocking(AsyncModelEvaluationRuns.delete)
    cancel = blocking(AsyncModelEvaluationRuns.cancel)
    results_download_url = blocking(AsyncModelEvaluationRuns.results_download_url)
    results = blocking(AsyncModelEvaluationRuns.results)
    wait = blocking(AsyncModelEvaluationRuns.wait)
