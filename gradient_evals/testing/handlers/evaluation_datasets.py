"""``/v2/gen-ai/evaluation_datasets``: presigned upload URLs, create from an upload, list, download URL, delete.

The files themselves go to the emulator's object store (another origin); these handlers hand out its signed
URLs and turn a stored object into a dataset.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .._records import format_timestamp
from .._routes import ApiError, Request, Response, Route, json_response
from .._state import EmulatorState
from ..stores.evaluation_datasets import DATASET_TYPES, DatasetError, DatasetRecord, DatasetStore

__all__ = ["ROUTES"]

_DATASETS = "/v2/gen-ai/evaluation_datasets"
_DATASET = _DATASETS + "/{dataset_uuid}"
_MAX_FILE_BYTES = 1_000_000_000
_PRESIGN_SEGMENT = "file_upload_presigned_urls"
_INT64 = re.compile(r"[0-9]{1,19}")


def _iso(seconds: float) -> str:
    return format_timestamp(int(seconds * 1_000_000_000))


def _int64(value: Any, name: str) -> int:
    # The API's int64 fields are strings in JSON; gateways accept plain numbers too.
    if isinstance(value, bool) or not isinstance(value, int | str) or not _INT64.fullmatch(str(value)):
        raise ApiError(400, f"{name} must be a non-negative int64 (as a string).")
    return int(value)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{name} is required.")
    return value


def _dataset_type(value: Any) -> str:
    if value is None:
        return "EVALUATION_DATASET_TYPE_UNKNOWN"
    if value not in DATASET_TYPES:
        raise ApiError(400, "dataset_type is not a valid evaluation dataset type.")
    return str(value)


def _store(state: EmulatorState) -> DatasetStore:
    return state.datasets


def _dataset(state: EmulatorState, request: Request) -> DatasetRecord:
    if request.path_params["dataset_uuid"] == _PRESIGN_SEGMENT:
        # The router lets DELETE .../file_upload_presigned_urls reach the {dataset_uuid} route; that path names
        # an endpoint (POST only), not a dataset.
        raise ApiError(405, f"Method {request.method} is not allowed here.", (("Allow", "POST"),))
    try:
        return _store(state).get(request.path_params["dataset_uuid"])
    except KeyError:
        raise ApiError(404, "The evaluation dataset could not be found.") from None


def _dataset_json(record: DatasetRecord) -> dict[str, Any]:
    return {
        "dataset_uuid": record.uuid,
        "dataset_name": record.name,
        "dataset_type": record.dataset_type,
        "created_at": _iso(record.created_at),
        "file_size": str(record.file_size),
        "row_count": record.row_count,
        "has_ground_truth": record.has_ground_truth,
    }


def presigned_urls(request: Request, state: EmulatorState) -> Response:
    """``POST .../file_upload_presigned_urls``: one signed PUT URL per file, for exactly its size."""
    files = request.json_object().get("files")
    if not isinstance(files, list) or not files:
        raise ApiError(400, "files must list at least one file.")
    uploads = []
    objects = _store(state).object_store()
    for index, file in enumerate(files):
        if not isinstance(file, dict):
            raise ApiError(400, f"files[{index}] must be an object.")
        name = _text(file.get("file_name"), f"files[{index}].file_name")
        size = _int64(file.get("file_size"), f"files[{index}].file_size")
        if size > _MAX_FILE_BYTES:
            raise ApiError(400, f"files[{index}] is larger than the 1 GB limit.")
        key = f"datasets/{uuid.uuid4()}/{name}"
        url, expires = objects.presign_upload(key, size)
        uploads.append(
            {"presigned_url": url, "object_key": key, "original_file_name": name, "expires_at": _iso(expires)}
        )
    return json_response({"request_id": str(uuid.uuid4()), "uploads": uploads})


def create(request: Request, state: EmulatorState) -> Response:
    """``POST /evaluation_datasets``: a dataset from an uploaded file, with its rows parsed."""
    body = request.json_object()
    name = _text(body.get("name"), "name")
    dataset_type = _dataset_type(body.get("dataset_type"))
    upload = body.get("file_upload_dataset")
    if not isinstance(upload, dict):
        raise ApiError(400, "file_upload_dataset is required.")
    key = _text(upload.get("stored_object_key"), "file_upload_dataset.stored_object_key")
    size = _int64(upload.get("size_in_bytes"), "file_upload_dataset.size_in_bytes")
    file_name = _text(upload.get("original_file_name"), "file_upload_dataset.original_file_name")
    try:
        record = _store(state).create(
            name=name, dataset_type=dataset_type, object_key=key, original_file_name=file_name, size=size
        )
    except KeyError:
        raise ApiError(400, "No file has been uploaded under file_upload_dataset.stored_object_key.") from None
    except DatasetError as exc:
        raise ApiError(400, str(exc)) from None
    return json_response({"evaluation_dataset_uuid": record.uuid})


def list_datasets(request: Request, state: EmulatorState) -> Response:
    """``GET /evaluation_datasets[?dataset_type=]``: every dataset, oldest first (UNKNOWN: no filter)."""
    wanted = _dataset_type(request.query.get("dataset_type") or None)
    records = [
        r for r in _store(state).all() if wanted == "EVALUATION_DATASET_TYPE_UNKNOWN" or r.dataset_type == wanted
    ]
    return json_response({"evaluation_datasets": [_dataset_json(r) for r in records]})


def download_url(request: Request, state: EmulatorState) -> Response:
    """``GET .../{dataset_uuid}/download_url``: a signed GET URL of the dataset's file."""
    record = _dataset(state, request)
    if not record.has_file:
        raise ApiError(404, "The evaluation dataset has no file to download.")
    url, expires = _store(state).object_store().presign_download(record.object_key)
    return json_response({"download_url": url, "expires_at": _iso(expires)})


def delete(request: Request, state: EmulatorState) -> Response:
    """``DELETE .../{dataset_uuid}``: the dataset and its file."""
    record = _dataset(state, request)
    _store(state).delete(record.uuid)
    return json_response({})


ROUTES = (
    Route("GET", _DATASETS, list_datasets),
    Route("POST", _DATASETS, create),
    Route("POST", f"{_DATASETS}/{_PRESIGN_SEGMENT}", presigned_urls),
    Route("GET", _DATASET + "/download_url", download_url),
    Route("DELETE", _DATASET, delete),
)
