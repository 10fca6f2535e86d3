"""The official specification's own examples, parsed by the SDK without a server in between.

For every operation the SDK covers, the success body is built from the examples written into
the response schema (as Prism does in static mode), and each documented error response's example is served
with its status; all go through the real transport via ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gradient_evals import APIStatusError, AsyncGradientEvals, RunCreationUnknownError

from ._operations import OPERATIONS
from ._schema_examples import example_of
from ._schema_examples import resolve as _resolve

yaml = pytest.importorskip("yaml", reason="PyYAML reads the specification (installed by `nox -s contract`)")

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def spec(spec_path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return loaded


def _operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    method, path, _, _ = OPERATIONS[operation_id]
    operation: dict[str, Any] = spec["paths"][path][method]
    assert operation["operationId"] == operation_id
    return operation


def _client(status: int, body: Any) -> AsyncGradientEvals:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return AsyncGradientEvals(
        access_token="t", base_url="https://api.digitalocean.com", max_retries=0, http_client=http
    )


def test_the_specification_still_has_every_operation_the_sdk_calls(spec: dict[str, Any]) -> None:
    for operation_id in OPERATIONS:
        assert _operation(spec, operation_id)["security"]  # and each one wants the bearer token


def test_the_table_covers_every_operation_of_the_specification(spec: dict[str, Any]) -> None:
    documented = {
        operation["operationId"]
        for path in spec["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert len(documented) == 34
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize("operation_id", list(OPERATIONS))
async def test_the_documented_success_example_parses(spec: dict[str, Any], operation_id: str) -> None:
    operation = _operation(spec, operation_id)
    media = operation["responses"]["200"]["content"]["application/json"]
    body = media.get("example") or example_of(spec, media["schema"])
    if isinstance(body.get("meta"), dict):
        body["meta"]["page"] = 1  # the example's paging metadata is made up; the pager checks it
    check = OPERATIONS[operation_id][3]
    async with _client(200, body) as client:
        result = await OPERATIONS[operation_id][2](client)
    assert check(result), result


@pytest.mark.parametrize("operation_id", list(OPERATIONS))
async def test_the_documented_error_examples_map_to_typed_errors(spec: dict[str, Any], operation_id: str) -> None:
    responses = _operation(spec, operation_id)["responses"]
    checked = 0
    for code, response in responses.items():
        if code == "200":
            continue
        response = _resolve(spec, response)
        media = response.get("content", {}).get("application/json", {})
        example = media.get("example") or example_of(spec, media.get("schema", {}))
        status = 418 if code == "default" else int(code)
        async with _client(status, example) as client:
            with pytest.raises((APIStatusError, RunCreationUnknownError)) as info:
                await OPERATIONS[operation_id][2](client)
        error = info.value.cause if isinstance(info.value, RunCreationUnknownError) else info.value
        assert isinstance(error, APIStatusError)
        assert error.status_code == status
        assert error.error_id == example["id"]
        assert error.error_message == example["message"]
        assert example["message"] in str(error)
        checked += 1
    assert checked >= 4, json.dumps(sorted(responses))
