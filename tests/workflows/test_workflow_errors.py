"""Every public workflow, on both clients, turns a 5xx and a malformed answer into a ``GradientEvalsError``.

Each workflow is driven against the emulator with a fault on the request it makes deepest in its work (the polls
of concurrent waits, the result pages of a stream, the presign of an upload), so that the failure comes out of
its task groups and retries: what reaches the caller must be one typed error, never an ``ExceptionGroup``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from gradient_evals import (
    APIResponseValidationError,
    APIStatusError,
    AsyncGradientEvals,
    GradientEvals,
    GradientEvalsError,
    MultipleErrors,
)
from gradient_evals.testing import FakeGradientServer, Fault

AGENTS = ["3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b", "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"]
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
RUNS = "/v2/gen-ai/evaluation_runs"
DATASETS = "/v2/gen-ai/evaluation_datasets"


@attrs.frozen
class Seeded:
    server: FakeGradientServer
    tmp: Path
    run: str
    other_run: str
    test_case: str
    dataset: str


Call = Callable[[Any, Seeded], Any]
"""A workflow called on either client: the async one returns an awaitable, the blocking one the value."""

# name -> (method, path substring of the faulted request, the call)
WORKFLOWS: dict[str, tuple[str, str, Call]] = {
    "evaluate": (
        "GET",
        f"{RUNS}/",
        lambda c, s: c.evaluate(
            dataset=s.dataset, test_case="errors", metrics=["correctness"], agent_uuids=AGENTS, **FAST
        ),
    ),
    "evaluate_failed": ("GET", "/results", lambda c, s: c.evaluate_failed(s.run, **FAST)),
    "wait": ("GET", f"{RUNS}/", lambda c, s: c.evaluation_runs.wait(s.run, **FAST)),
    "create_and_wait": (
        "GET",
        f"{RUNS}/",
        lambda c, s: c.evaluation_runs.create_and_wait(test_case_uuid=s.test_case, agent_uuids=AGENTS, **FAST),
    ),
    "export": ("GET", "/results", lambda c, s: c.evaluation_runs.export(s.run, s.tmp / "out.jsonl")),
    "to_records": ("GET", "/results", lambda c, s: c.evaluation_runs.to_records(s.run)),
    "summarize": ("GET", "/results", lambda c, s: c.evaluation_runs.summarize(s.run)),
    "compare": ("GET", "/results", lambda c, s: c.evaluation_runs.compare(s.run, s.other_run)),
    "upload": (
        "POST",
        "file_upload_presigned_urls",
        lambda c, s: c.evaluation_datasets.upload(_csv(s.tmp), name="errors"),
    ),
    "download": (
        "GET",
        "/download_url",
        lambda c, s: c.evaluation_datasets.download(s.dataset, s.tmp / "copy.csv"),
    ),
    "read": ("GET", "/download_url", lambda c, s: c.evaluation_datasets.read(s.dataset)),
}

FAULTS = {"5xx": lambda: Fault.status(503), "malformed": Fault.malformed_json}


def _csv(folder: Path) -> Path:
    path = folder / "rows.csv"
    path.write_text("query,expected_response\nhow?,like this\nwhy?,because\n", encoding="utf-8")
    return path


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    with FakeGradientServer(seed=9, run_duration=0.1) as server:
        test_case = server.add_test_case(prompts=4)
        yield Seeded(
            server=server,
            tmp=tmp_path,
            run=server.add_run(test_case_uuid=test_case, agent_uuid=AGENTS[0]),
            other_run=server.add_run(test_case_uuid=test_case, agent_uuid=AGENTS[1]),
            test_case=test_case,
            dataset=server.add_dataset(rows=4),
        )


def _check(error: BaseException, fault: str) -> None:
    assert isinstance(error, GradientEvalsError), repr(error)
    assert not isinstance(error, BaseExceptionGroup), repr(error)
    causes = error.errors if isinstance(error, MultipleErrors) else (error,)
    for cause in causes:
        assert isinstance(cause, GradientEvalsError), repr(cause)
        assert not isinstance(cause, BaseExceptionGroup), repr(cause)
    if fault == "5xx":
        assert any(isinstance(c, APIStatusError) and c.status_code == 503 for c in causes), repr(error)
    else:
        assert any(isinstance(c, APIResponseValidationError) for c in causes), repr(error)


def _fault(seeded: Seeded, workflow: str, fault: str) -> tuple[Call, Any]:
    method, path, call = WORKFLOWS[workflow]
    return call, seeded.server.inject(FAULTS[fault](), method=method, path=path)


@pytest.mark.anyio
@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
async def test_async_workflows_raise_one_typed_error(seeded: Seeded, workflow: str, fault: str) -> None:
    call, rule = _fault(seeded, workflow, fault)
    async with AsyncGradientEvals(seeded.server.token, base_url=seeded.server.base_url, max_retries=0) as client:
        with pytest.raises(BaseException) as caught:
            await call(client, seeded)
    assert rule.fired >= 1, rule
    _check(caught.value, fault)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
def test_blocking_workflows_raise_one_typed_error(seeded: Seeded, workflow: str, fault: str) -> None:
    call, rule = _fault(seeded, workflow, fault)
    with (
        GradientEvals(seeded.server.token, base_url=seeded.server.base_url, max_retries=0) as client,
        pytest.raises(BaseException) as caught,
    ):
        call(client, seeded)
    assert rule.fired >= 1, rule
    _check(caught.value, fault)
