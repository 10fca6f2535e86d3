"""``/v2/gen-ai/evaluation_test_cases`` and a workspace's test cases: create, read, update (a new version each
time), list, and the runs of a test case.

Test cases made through the API are checked as the API checks them: the dataset and every metric must exist
(a 400 with the API's error body otherwise). A version made on an uploaded dataset (``evaluation_datasets``)
reads its prompts' ``input`` and ``ground_truth`` from the uploaded rows, in file order; one made on a dataset
seeded with ``FakeGradientServer.add_dataset`` generates them. Their versions keep the metrics and star
metric they were made with, and runs of a version score exactly those metrics (``_scores.Scoring``). Test cases
added with ``FakeGradientServer.add_test_case`` read back with the three metrics their runs report.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from .._records import TestCaseRecord, format_timestamp
from .._routes import ApiError, Request, Response, Route, json_response
from .._scores import METRIC_UUIDS, STAR_THRESHOLD_PCT, MetricSpec, Scoring
from .._state import EmulatorState
from ._params import optional_int

__all__ = ["ROUTES"]

_TEST_CASES = "/v2/gen-ai/evaluation_test_cases"
_TEST_CASE = _TEST_CASES + "/{test_case_uuid}"
_DEFAULT_METRICS = ("correctness", "context_adherence", "tone")
_NAMESPACE = uuid.UUID("0c5d8e36-1f7a-4b52-9d3e-6a8f2b1c4e70")


def _uuid_field(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value  # not a UUID: a seeded placeholder id, or an unknown one the lookup refuses


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string.")
    return value


_Rows = tuple[tuple[str, str | None], ...]


def _dataset(state: EmulatorState, dataset_uuid: str) -> tuple[dict[str, Any], _Rows | None]:
    """The dataset fields a test case version keeps, and the uploaded rows (None for a seeded dataset)."""
    try:
        record = state.datasets.get(dataset_uuid)
    except KeyError:
        raise ApiError(400, f"Evaluation dataset {dataset_uuid} not found.") from None
    fields = {
        "dataset_uuid": dataset_uuid,
        "dataset_name": record.name,
        "dataset_type": record.dataset_type,
        "rows": record.row_count,
        "file_size": record.file_size,
        "has_ground_truth": record.has_ground_truth,
    }
    if not record.has_file:
        return fields, None
    return fields, tuple((row["query"], row.get("expected_response")) for row in record.rows)


def _metrics(state: EmulatorState, uuids: Any) -> list[dict[str, Any]]:
    if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
        raise ApiError(400, "metrics must be a list of metric UUIDs.")
    if not uuids:
        raise ApiError(400, "At least one metric is required.")
    found = []
    for metric_uuid in uuids:
        metric = state.metrics.find(metric_uuid)
        if metric is None:
            raise ApiError(400, f"Evaluation metric {metric_uuid} not found.")
        found.append(metric)
    return found


def _star(body: dict[str, Any], metrics: list[dict[str, Any]]) -> dict[str, Any] | None:
    star = body.get("star_metric")
    if star is None:
        return None
    if not isinstance(star, dict):
        raise ApiError(400, "star_metric must be an object.")
    metric_uuid = star.get("metric_uuid")
    metric = next((m for m in metrics if m["metric_uuid"] == metric_uuid), None)
    if metric is None:
        raise ApiError(400, "The star metric must be one of the test case's metrics.")
    pct, threshold = star.get("success_threshold_pct"), star.get("success_threshold")
    if pct is not None and threshold is not None:
        raise ApiError(400, "Give success_threshold or success_threshold_pct, not both.")
    if pct is not None and (isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100):
        raise ApiError(400, "success_threshold_pct must be an integer from 0 to 100.")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)):
        raise ApiError(400, "success_threshold must be a number.")
    out: dict[str, Any] = {"metric_uuid": metric_uuid, "name": metric["metric_name"]}
    if pct is not None:
        out["success_threshold_pct"] = pct
    if threshold is not None:
        out["success_threshold"] = threshold
    return out


def _scoring(metrics: list[dict[str, Any]], star: dict[str, Any] | None) -> Scoring:
    specs = tuple(
        MetricSpec(
            uuid=m["metric_uuid"],
            name=m["metric_name"],
            value_type=m["metric_value_type"],
            low=float(m.get("range_min", 0)),
            high=float(m.get("range_max", 100)),
            inverted=bool(m.get("inverted")),
        )
        for m in metrics
    )
    return Scoring(
        metrics=specs,
        star_uuid=None if star is None else star["metric_uuid"],
        threshold_pct=None if star is None else star.get("success_threshold_pct"),
        threshold=None if star is None else star.get("success_threshold"),
    )


def _fields_of(state: EmulatorState, tc: TestCaseRecord, version: int) -> dict[str, Any]:
    """The stored fields of a version; a test case added by the server's owner gets its defaults.

    A version published by the server's owner (``add_test_case_version``) keeps the fields of the version
    before it, with its own row count.
    """
    stored, stored_version = state.test_cases.fields_at(tc.uuid, version)
    if stored is not None:
        return stored if stored_version == version else {**stored, "rows": tc.size(version)}
    metrics = [m for m in (state.metrics.find(METRIC_UUIDS[n]) for n in _DEFAULT_METRICS) if m is not None]
    return {
        "name": tc.name,
        "description": tc.description,
        "dataset_uuid": str(uuid.uuid5(_NAMESPACE, f"dataset-of:{tc.uuid}")),
        "dataset_name": f"{tc.name}.csv",
        "rows": tc.size(version),
        "metrics": metrics,
        "star_metric": {
            "metric_uuid": METRIC_UUIDS["correctness"],
            "name": "correctness",
            "success_threshold_pct": STAR_THRESHOLD_PCT,
        },
        "created_at": format_timestamp(time.time_ns()),
        "workspace_uuid": tc.workspace_uuid,
    }


def _test_case_json(state: EmulatorState, tc: TestCaseRecord, version: int | None = None) -> dict[str, Any]:
    version = tc.version if version is None else version
    fields = _fields_of(state, tc, version)
    runs = state.runs.of_test_case(tc.uuid)
    out: dict[str, Any] = {
        "test_case_uuid": tc.uuid,
        "name": fields["name"],
        "description": fields["description"],
        "version": version,
        "dataset_uuid": fields["dataset_uuid"],
        "dataset_name": fields["dataset_name"],
        "dataset": {
            "dataset_uuid": fields["dataset_uuid"],
            "dataset_name": fields["dataset_name"],
            "dataset_type": fields.get("dataset_type", "EVALUATION_DATASET_TYPE_ADK"),
            "row_count": fields["rows"],
            "file_size": str(fields.get("file_size", fields["rows"] * 212)),
            "has_ground_truth": fields.get("has_ground_truth", True),
            "created_at": fields["created_at"],
        },
        "metrics": fields["metrics"],
        "total_runs": len(runs),
        "latest_version_number_of_runs": sum(r.test_case_version == tc.version for r in runs),
        "created_at": fields["created_at"],
        "created_by_user_id": "4242424242424242424",
        "created_by_user_email": "dev@example.com",
        "updated_at": fields["created_at"],
        "updated_by_user_id": "4242424242424242424",
        "updated_by_user_email": "dev@example.com",
    }
    if fields["star_metric"] is not None:
        out["star_metric"] = fields["star_metric"]
    return out


def _known(state: EmulatorState, test_case_uuid: str) -> TestCaseRecord:
    tc = state.test_cases.find(test_case_uuid)
    if tc is None:
        raise ApiError(404, "The evaluation test case could not be found.")
    return tc


def create(request: Request, state: EmulatorState) -> Response:
    """``POST /evaluation_test_cases``: checks the dataset and the metrics, then makes version 1."""
    body = request.json_object()
    name = _text(body, "name")
    if not name:
        raise ApiError(400, "name is required.")
    dataset_uuid = _uuid_field(body, "dataset_uuid")
    if dataset_uuid is None:
        raise ApiError(400, "dataset_uuid is required.")
    dataset, rows = _dataset(state, dataset_uuid)
    metrics = _metrics(state, body.get("metrics"))
    star = _star(body, metrics)
    workspace = _uuid_field(body, "workspace_uuid")
    description = _text(body, "description") or ""
    tc_uuid = state.test_cases.add(name=name, prompts=dataset["rows"], version=1, description=description)
    tc = state.test_cases.get(tc_uuid)
    if workspace is not None:
        tc.workspace_uuid = workspace
    if rows is not None:
        tc.rows[1] = rows
    fields = {
        "name": name,
        "description": description,
        **dataset,
        "metrics": metrics,
        "star_metric": star,
        "created_at": format_timestamp(time.time_ns()),
        "workspace_uuid": tc.workspace_uuid,
    }
    state.test_cases.keep_fields(tc_uuid, 1, fields)
    tc.scoring[1] = _scoring(metrics, star)
    return json_response({"test_case_uuid": tc_uuid})


def retrieve(request: Request, state: EmulatorState) -> Response:
    """``GET /evaluation_test_cases/{uuid}[?evaluation_test_case_version=]``."""
    tc = _known(state, request.path_params["test_case_uuid"])
    version = optional_int(request.query, "evaluation_test_case_version")
    if version is not None and version not in tc.sizes:
        raise ApiError(404, f"The evaluation test case has no version {version}.")
    return json_response({"evaluation_test_case": _test_case_json(state, tc, version)})


def update(request: Request, state: EmulatorState) -> Response:
    """``PUT /evaluation_test_cases/{uuid}``: a new version with the fields given, the others carried over."""
    tc = _known(state, request.path_params["test_case_uuid"])
    body = request.json_object()
    fields = dict(_fields_of(state, tc, tc.version))
    for name in ("name", "description"):
        value = _text(body, name)
        if value:
            fields[name] = value
    dataset_uuid = _uuid_field(body, "dataset_uuid")
    new_rows: _Rows | None = tc.rows.get(tc.version)
    if dataset_uuid is not None:
        for key in ("dataset_type", "file_size", "has_ground_truth"):
            fields.pop(key, None)
        dataset, new_rows = _dataset(state, dataset_uuid)
        fields.update(dataset)
    wrapped = body.get("metrics")
    if wrapped is not None:
        if not isinstance(wrapped, dict):
            raise ApiError(400, "metrics must be an object with metric_uuids.")
        fields["metrics"] = _metrics(state, wrapped.get("metric_uuids"))
    if body.get("star_metric") is not None:
        fields["star_metric"] = _star(body, fields["metrics"])
    elif fields["star_metric"] is not None and all(
        m["metric_uuid"] != fields["star_metric"]["metric_uuid"] for m in fields["metrics"]
    ):
        raise ApiError(400, "The star metric must be one of the test case's metrics.")
    fields["created_at"] = format_timestamp(time.time_ns())
    version = state.test_cases.add_version(tc.uuid, prompts=fields["rows"])
    if new_rows is None:
        tc.rows.pop(version, None)
    else:
        tc.rows[version] = new_rows
    tc.name, tc.description = fields["name"], fields["description"]
    state.test_cases.keep_fields(tc.uuid, version, fields)
    tc.scoring[version] = _scoring(fields["metrics"], fields["star_metric"])
    return json_response({"test_case_uuid": tc.uuid, "version": version})


def list_all(request: Request, state: EmulatorState) -> Response:
    """``GET /evaluation_test_cases``: every test case at its latest version."""
    cases = [_test_case_json(state, tc) for tc in state.test_cases.all()]
    return json_response({"evaluation_test_cases": cases})


def list_by_workspace(request: Request, state: EmulatorState) -> Response:
    """``GET /workspaces/{workspace_uuid}/evaluation_test_cases``."""
    workspace = request.path_params["workspace_uuid"]
    cases = state.test_cases.all()
    return json_response(
        {"evaluation_test_cases": [_test_case_json(state, tc) for tc in cases if tc.workspace_uuid == workspace]}
    )


def list_runs(request: Request, state: EmulatorState) -> Response:
    """``GET .../{test_case_uuid}/evaluation_runs``: newest first, optionally of one test-case version."""
    version = optional_int(request.query, "evaluation_test_case_version")
    try:
        runs = state.runs.of_test_case(request.path_params["test_case_uuid"], version)
    except KeyError:
        raise ApiError(404, "The evaluation test case could not be found.") from None
    objects = [state.runs.run_json(r, state.runs.state_of(r)[0]) for r in reversed(runs)]
    return json_response({"evaluation_runs": objects})


ROUTES = (
    Route("GET", _TEST_CASES, list_all),
    Route("POST", _TEST_CASES, create),
    Route("GET", _TEST_CASE, retrieve),
    Route("PUT", _TEST_CASE, update),
    Route("GET", _TEST_CASE + "/evaluation_runs", list_runs),
    Route("GET", "/v2/gen-ai/workspaces/{workspace_uuid}/evaluation_test_cases", list_by_workspace),
)
