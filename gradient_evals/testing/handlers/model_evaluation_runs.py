"""``/v2/gen-ai/model_evaluation_runs``: model evaluation runs (``stores/model_evaluation_runs.py``) created,
listed (paged, filtered, sorted), read, renamed, cancelled and deleted; a finished run's results file is written
to the object store and served through a presigned URL."""

from __future__ import annotations

import time
from typing import Any

from .._model_results import result_file, score_rows, summary_of
from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ..stores.model_evaluation_metrics import ModelMetricStore, find_model
from ..stores.model_evaluation_presets import PresetStore
from ..stores.model_evaluation_runs import TERMINAL, ModelRunRecord, ModelRunStore, created_at
from ._paging import page_of

__all__ = ["ROUTES"]

_RUNS = "/v2/gen-ai/model_evaluation_runs"
_ONE = _RUNS + "/{eval_run_uuid}"
_SORTS = {"MODEL_EVALUATION_RUN_SORT_FIELD_STATUS": "status"}


def _run(request: Request, state: EmulatorState) -> ModelRunRecord:
    run = state.store(ModelRunStore).get(request.path_params["eval_run_uuid"])
    if run is None:
        raise ApiError(404, "The model evaluation run could not be found.")
    return run


def _summary_json(run: ModelRunRecord, now: float) -> dict[str, Any]:
    status, progress = run.status_and_progress(now)
    return {
        "eval_run_uuid": run.uuid,
        "name": run.name,
        "status": status,
        "created_at": created_at(run),
        "candidate_model_uuid": run.candidate.uuid,
        "candidate_model_name": run.candidate.slug,
        "candidate_model_source": "CANDIDATE_MODEL_SOURCE_SERVERLESS",
        "judge_model_uuid": run.judge.uuid,
        "judge_model_name": run.judge.slug,
        "dataset_uuid": run.dataset_uuid,
        "dataset_name": run.dataset_name,
        "progress": progress,
    }


def _detail_json(run: ModelRunRecord, state: EmulatorState) -> dict[str, Any]:
    now = time.monotonic()
    detail = _summary_json(run, now)
    detail.update(
        metrics=run.metrics,
        candidate_inference_config=run.inference_config,
        started_at=created_at(run),
        eval_preset_uuid=run.preset_uuid,
        eval_preset_name=run.preset_name,
    )
    if run.star_metric:
        detail["star_metric"] = run.star_metric
    if detail["status"] in TERMINAL:
        judged = detail["progress"]["judge_rows_evaluated"]
        results = score_rows(state.settings.seed, run.candidate, run.rows, run.metrics, judged)
        detail["result_summary"] = summary_of(run.candidate, run.judge, run.metrics, results)
        detail["completed_at"] = created_at(run)
    return detail


def _rows_of(state: EmulatorState, dataset_uuid: str) -> tuple[str, list[dict[str, str]]]:
    try:
        record = state.datasets.get(dataset_uuid)
    except KeyError:
        raise ApiError(404, "The dataset could not be found.") from None
    if record.rows:
        return record.name, [dict(r) for r in record.rows]
    return record.name, [
        {"query": f"Question {i + 1} of {record.name}", "expected_response": f"Answer {i + 1}"}
        for i in range(record.row_count)
    ]


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string.")
    return value


def create_run(request: Request, state: EmulatorState) -> Response:
    """``POST /v2/gen-ai/model_evaluation_runs``: candidate by UUID or slug, judge, dataset, metrics."""
    body = request.json_object()
    wanted = _string(body, "candidate_model_uuid") or _string(body, "candidate_model_name")
    candidate = find_model(wanted)
    if candidate is None:
        raise ApiError(400, f"Unknown candidate model {wanted[:80]!r}.")
    judge = find_model(_string(body, "judge_model_uuid"))
    if judge is None:
        raise ApiError(400, "Unknown judge model.")
    metric_uuids = body.get("metric_uuids") or []
    if not isinstance(metric_uuids, list) or not metric_uuids:
        raise ApiError(400, "metric_uuids must list at least one metric.")
    catalog = state.store(ModelMetricStore)
    metrics = [catalog.get(m) if isinstance(m, str) else None for m in metric_uuids]
    if any(m is None for m in metrics):
        raise ApiError(400, "metric_uuids names a metric the model evaluation catalog does not have.")
    dataset_name, rows = _rows_of(state, _string(body, "dataset_uuid"))
    preset_uuid = _string(body, "eval_preset_uuid")
    presets = state.store(PresetStore)
    if preset_uuid and presets.get(preset_uuid) is None:
        raise ApiError(404, "The evaluation preset could not be found.")
    star = body.get("star_metric") if isinstance(body.get("star_metric"), dict) else None
    config = body.get("candidate_inference_config") if isinstance(body.get("candidate_inference_config"), dict) else {}
    store = state.store(ModelRunStore)
    if body.get("save_as_preset") is True:
        preset_uuid = presets.add(
            name=_string(body, "preset_name") or "preset",
            candidate_model_uuid=candidate.uuid,
            candidate_model_name=candidate.slug,
            dataset_uuid=_string(body, "dataset_uuid"),
            metrics=[m for m in metrics if m is not None],
        )
    preset = presets.get(preset_uuid) if preset_uuid else None
    run = store.add(
        state.settings.seed,
        name=_string(body, "name") or f"{candidate.slug} on {dataset_name}",
        candidate=candidate,
        judge=judge,
        dataset_uuid=_string(body, "dataset_uuid"),
        dataset_name=dataset_name,
        rows=rows,
        metrics=[m for m in metrics if m is not None],
        duration=state.settings.run_duration,
        preset_uuid=preset_uuid,
        preset_name=preset["name"] if preset else "",
        inference_config=dict(config or {}),
        star_metric=star,
    )
    return json_response({"eval_run_uuid": run.uuid})


def list_runs(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/model_evaluation_runs``: filtered by statuses, candidate types, preset, search; sorted."""
    now = time.monotonic()
    runs = [_summary_json(r, now) | {"_preset": r.preset_uuid} for r in state.store(ModelRunStore).all()]
    statuses = set(request.query_lists.get("statuses", []))
    if (
        request.query.get("status", "MODEL_EVALUATION_RUN_STATUS_UNSPECIFIED")
        != "MODEL_EVALUATION_RUN_STATUS_UNSPECIFIED"
    ):
        statuses.add(request.query["status"])
    statuses.discard("MODEL_EVALUATION_RUN_STATUS_UNSPECIFIED")
    if statuses:
        runs = [r for r in runs if r["status"] in statuses]
    types = set(request.query_lists.get("candidate_types", []))
    if types:
        runs = [r for r in runs if r["candidate_model_source"] in types]
    if preset := request.query.get("eval_preset_uuid"):
        runs = [r for r in runs if r["_preset"] == preset]
    if search := request.query.get("search", "").strip().lower():
        runs = [r for r in runs if search in r["name"].lower() or search in r["candidate_model_name"]]
    key = _SORTS.get(request.query.get("sort_by", ""), "created_at")
    runs.sort(key=lambda r: r[key], reverse=request.query.get("sort_direction") != "SORT_DIRECTION_ASC")
    page = page_of(
        request,
        state,
        len(runs),
        carry=("status", "eval_preset_uuid", "search", "sort_by", "sort_direction"),
    )
    return json_response(
        {
            "runs": [{k: v for k, v in r.items() if k != "_preset"} for r in runs[page.start : page.stop]],
            "available_statuses": sorted({r["status"] for r in runs}),
            "available_candidate_types": ["CANDIDATE_MODEL_SOURCE_SERVERLESS"],
            "links": page.links,
            "meta": page.meta,
        }
    )


def retrieve_run(request: Request, state: EmulatorState) -> Response:
    """``GET /v2/gen-ai/model_evaluation_runs/{eval_run_uuid}``: the run in full (its results: the file)."""
    run = _run(request, state)
    page = page_of(request, state, 0)
    return json_response({"run": _detail_json(run, state), "results": [], "links": page.links, "meta": page.meta})


def update_run(request: Request, state: EmulatorState) -> Response:
    """``PATCH /v2/gen-ai/model_evaluation_runs/{eval_run_uuid}``: a new name."""
    run = _run(request, state)
    name = _string(request.json_object(), "name").strip()
    if not name:
        raise ApiError(400, "name must not be empty.")
    run.name = name[:200]
    return json_response({"run": _summary_json(run, time.monotonic())})


def cancel_run(request: Request, state: EmulatorState) -> Response:
    """``PUT /v2/gen-ai/model_evaluation_runs/{eval_run_uuid}/cancel``: refused once the run has finished."""
    run = _run(request, state)
    now = time.monotonic()
    with state.store(ModelRunStore).lock:
        if run.status_and_progress(now)[0] in TERMINAL:
            raise ApiError(409, "The model evaluation run has already finished and cannot be cancelled.")
        run.stopped_at = now
    return json_response({"run": _summary_json(run, now)})


def delete_run(request: Request, state: EmulatorState) -> Response:
    """``DELETE /v2/gen-ai/model_evaluation_runs/{eval_run_uuid}``: only a finished run."""
    run = _run(request, state)
    if run.status_and_progress(time.monotonic())[0] not in TERMINAL:
        raise ApiError(409, "The model evaluation run is still in progress: cancel it or wait, then delete it.")
    state.store(ModelRunStore).remove(run.uuid)
    return json_response({"status": "DELETE_MODEL_EVALUATION_RUN_STATUS_SUCCESS"})


def results_download_url(request: Request, state: EmulatorState) -> Response:
    """``GET .../{eval_run_uuid}/results/download_url``: the results file, once the run has finished."""
    run = _run(request, state)
    status, progress = run.status_and_progress(time.monotonic())
    if status not in TERMINAL:
        raise ApiError(409, "The model evaluation run has not finished: its results are not ready.")
    data = run.results_override
    if data is None:
        results = score_rows(
            state.settings.seed, run.candidate, run.rows, run.metrics, progress["judge_rows_evaluated"]
        )
        data = result_file(results)
    objects = state.datasets.object_store()
    key = f"model-evaluation-results/{run.uuid}.json.gz"
    objects.put(key, data)
    url, expires = objects.presign_download(key)
    return json_response({"download_url": url, "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))})


ROUTES = (
    Route("GET", _RUNS, list_runs),
    Route("POST", _RUNS, create_run),
    Route("GET", _ONE, retrieve_run),
    Route("PATCH", _ONE, update_run),
    Route("DELETE", _ONE, delete_run),
    Route("PUT", _ONE + "/cancel", cancel_run),
    Route("GET", _ONE + "/results/download_url", results_download_url),
)
