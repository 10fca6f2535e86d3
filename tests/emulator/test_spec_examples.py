"""Every operation of the official specification, sent with the specification's own request examples: the
emulator refuses (4xx) or accepts them, and never answers 5xx unless a fault was injected.

The examples are read from the repository's copy of the specification, ``spec/`` (or
``GRADIENT_OPENAPI_SPEC``), as the contract tests read it; they hold the placeholder ids generated SDK test suites
send (``"example string"``, ``"123e4567-e89b-12d3-a456-426614174000"``, some with their JSON quotes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from contract._schema_examples import example_of
from contract._schema_examples import resolve as _resolve

from gradient_evals.testing import FakeGradientServer

yaml = pytest.importorskip("yaml", reason="PyYAML reads the specification")

_SPEC = Path(
    os.environ.get("GRADIENT_OPENAPI_SPEC")
    or Path(__file__).resolve().parents[2] / "spec" / "gradient-evaluations.openapi.yaml"
)
PLACEHOLDER = "123e4567-e89b-12d3-a456-426614174000"
QUOTED = '"12345678-1234-1234-1234-123456789012"'


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(_SPEC.read_text(encoding="utf-8"))
    return loaded


def _query_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _requests(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, str], Any]]:
    """``(operationId, method, path, query, body)`` for every operation, once with its path examples as written
    and once with their JSON quotes taken off."""
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = [_resolve(spec, p) for p in operation.get("parameters", [])]
            query = {p["name"]: _query_value(p["example"]) for p in params if p["in"] == "query" and "example" in p}
            body = None
            if "requestBody" in operation:
                body = example_of(
                    spec, operation["requestBody"]["content"]["application/json"]["schema"], string="example string"
                )
            for unquote_ids in (False, True):
                path = template
                for p in params:
                    if p["in"] == "path":
                        value = str(p.get("example", "example string"))
                        if unquote_ids:
                            value = value.strip('"')
                        path = path.replace("{" + p["name"] + "}", quote(value, safe=""))
                yield operation["operationId"], method.upper(), path, query, body


def _seed_placeholders(server: FakeGradientServer) -> None:
    """The records the examples name, under the examples' own ids."""
    for test_case in (PLACEHOLDER, QUOTED, QUOTED.strip('"')):
        server.add_test_case(uuid=test_case, prompts=3, workspace_uuid=PLACEHOLDER)
    server.add_run(uuid=PLACEHOLDER, test_case_uuid=PLACEHOLDER, agent_uuid="example string")
    server.add_dataset(uuid=PLACEHOLDER, rows=3)
    server.add_metric(uuid="example string", name="example name")
    server.add_metric(uuid=PLACEHOLDER, name="placeholder metric")
    server.add_agent(uuid=PLACEHOLDER, name="example name")


@pytest.mark.parametrize("seeded", [False, True], ids=["empty", "seeded-with-the-examples-ids"])
def test_no_example_request_gets_a_5xx(spec: dict[str, Any], seeded: bool) -> None:
    with FakeGradientServer(seed=3, run_duration=0.2) as server:
        if seeded:
            _seed_placeholders(server)
        sent = 0
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}, timeout=10
        ) as api:
            for operation_id, method, path, query, body in _requests(spec):
                resp = api.request(method, path, params=query, json=body)
                assert resp.status_code < 500, (operation_id, method, path, resp.text)
                assert resp.headers["content-type"] == "application/json", (operation_id, resp.text)
                resp.json()
                sent += 1
        assert sent == 2 * sum(len(ops) for ops in spec["paths"].values())
        assert all(r.status is not None and r.status < 500 for r in server.requests)


def test_the_create_run_example_starts_runs_once_its_test_case_exists(spec: dict[str, Any]) -> None:
    request_body = spec["paths"]["/v2/gen-ai/evaluation_runs"]["post"]["requestBody"]
    body = example_of(spec, request_body["content"]["application/json"]["schema"], string="example string")
    assert body["agent_uuids"] == ["example string"]  # the placeholder that is not a hex uuid
    with FakeGradientServer(seed=3) as server:
        server.add_test_case(uuid=body["test_case_uuid"], prompts=2)
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}) as api:
            resp = api.post("/v2/gen-ai/evaluation_runs", json=body)
            assert resp.status_code == 200, resp.text
            runs = resp.json()["evaluation_run_uuids"]
            assert len(runs) == 2  # one per agent uuid, one per deployment name
            run = api.get(f"/v2/gen-ai/evaluation_runs/{runs[0]}").json()["evaluation_run"]
        assert run["agent_uuid"] == "example string"
        assert run["agent_name"] == server.run_json(runs[0])["agent_name"]
        assert "example string" in server.agent_uuids


def _check_shape(spec: dict[str, Any], schema: Any, value: Any, where: str) -> None:
    """Every key the emulator sends is one the schema documents, with the documented type and enum value."""
    schema = _resolve(spec, schema)
    kind = schema.get("type", "object" if "properties" in schema else None)
    if "enum" in schema:
        assert value in schema["enum"], where
    if kind == "object":
        assert isinstance(value, dict), where
        for key, sub in value.items():
            assert key in schema.get("properties", {}), f"{where}.{key} is not in the specification"
            _check_shape(spec, schema["properties"][key], sub, f"{where}.{key}")
    elif kind == "array":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            _check_shape(spec, schema.get("items", {}), item, f"{where}[{i}]")
    elif kind is not None:
        python = {"string": str, "integer": int, "number": (int, float), "boolean": bool}[kind]
        assert isinstance(value, python), where


def test_the_agent_reads_answer_in_the_specifications_shape(spec: dict[str, Any]) -> None:
    with FakeGradientServer(seed=3) as server:
        server.add_agent(uuid=PLACEHOLDER, name="My Agent")
        server.add_run(agent_uuid="example string", prompts=1)
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}) as api:
            for path, key in (("/v2/gen-ai/agents", "agents"), (f"/v2/gen-ai/agents/{PLACEHOLDER}", "agent")):
                operation = spec["paths"][path.replace(PLACEHOLDER, "{uuid}")]["get"]
                schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
                body = api.get(path).json()
                assert body[key]
                _check_shape(spec, schema, body, path)
