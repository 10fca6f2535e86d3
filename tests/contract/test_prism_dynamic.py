"""Every operation against Prism in dynamic mode: random bodies that the specification allows must all parse.

``nox -s contract`` starts one ``prism mock -d --seed N`` per seed and passes their URLs in
``GRADIENT_PRISM_DYNAMIC_URLS`` (``seed=url,seed=url``). Prism answers every request to one of them with the same
random body (the seed fixes it), so the seeds give the variety. Unlike the examples, these bodies hold whatever
the schema permits: non-decimal strings in ``format: uint64`` fields, dates before 1900, empty lists, extra keys.
Each operation must turn each body into its documented model; an ``APIResponseValidationError`` is a failure.
When ``GRADIENT_PRISM_REPORT`` names a file, the parsed/total count is written there for the session's log.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gradient_evals import APIResponseValidationError, AsyncGradientEvals, InternalServerError
from gradient_evals.resources.model_evaluation_runs import ModelRunDeleteError
from gradient_evals.types import EvaluationPrompt, ResultsPage

from ._operations import OPERATIONS

pytestmark = [pytest.mark.anyio, pytest.mark.contract]

DYNAMIC_URLS_ENV = "GRADIENT_PRISM_DYNAMIC_URLS"
REPORT_ENV = "GRADIENT_PRISM_REPORT"

_tally: dict[str, list[str]] = {"parsed": [], "refused": []}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"  # the bodies are what is under test here, not the event loop


@pytest.fixture(scope="module")
def dynamic_servers() -> Iterator[dict[str, str]]:
    raw = os.environ.get(DYNAMIC_URLS_ENV)
    if not raw:
        pytest.skip(f"no dynamic-mode Prism: run `nox -s contract` (it sets {DYNAMIC_URLS_ENV})")
    servers = dict(item.split("=", 1) for item in raw.split(","))
    yield servers
    report = os.environ.get(REPORT_ENV)
    if report:
        parsed, refused = len(_tally["parsed"]), len(_tally["refused"])
        Path(report).write_text(
            json.dumps({"parsed": parsed, "total": parsed + refused, "refused": _tally["refused"]}), encoding="utf-8"
        )


@pytest.fixture
async def clients(dynamic_servers: dict[str, str]) -> AsyncIterator[dict[str, AsyncGradientEvals]]:
    made = {
        seed: AsyncGradientEvals(access_token="contract-token", base_url=url, max_retries=0, timeout=20)
        for seed, url in dynamic_servers.items()
    }
    try:
        yield made
    finally:
        for client in made.values():
            await client.aclose()


def _read_deferred(result: Any) -> None:
    """Read the parts of every prompt converted on first read, so that their items are judged too."""
    found = result.prompts if isinstance(result, ResultsPage) else result
    for prompt in found if isinstance(found, list | tuple) else [found]:
        if isinstance(prompt, EvaluationPrompt):
            _ = prompt.prompt_chunks, prompt.prompt_level_metric_results, prompt.evaluation_trace_spans


@pytest.mark.parametrize("operation_id", list(OPERATIONS))
async def test_every_schema_valid_body_parses(clients: dict[str, AsyncGradientEvals], operation_id: str) -> None:
    call = OPERATIONS[operation_id][2]
    refused: list[str] = []
    parsed = 0
    for seed, client in clients.items():
        try:
            _read_deferred(await call(client))
        except APIResponseValidationError as exc:
            refused.append(f"{operation_id} (seed {seed}): {exc}")
            _tally["refused"].append(refused[-1])
        except ModelRunDeleteError:
            # A schema-valid delete answer may say DELETE_..._FAIL: the body was read, and understood as a refusal.
            parsed += 1
            _tally["parsed"].append(f"{operation_id} (seed {seed}, a refusal)")
        except InternalServerError as exc:
            # Prism's body generator itself fails on some seeds of a recursive schema (an agent's child agents
            # are agents: json-schema-faker raises, Prism answers 500). No body was made, so nothing is judged;
            # the seeds that did make one must parse, and at least one must have.
            if exc.status_code != 500:
                raise
        else:
            parsed += 1
            _tally["parsed"].append(f"{operation_id} (seed {seed})")
    assert not refused, "\n".join(refused)
    assert parsed, f"Prism generated no body for {operation_id} on any seed"
