"""Model evaluation runs against the emulator: a run progresses with time, pages and filters, is renamed,
cancelled and deleted under the API's rules, and its results file is downloaded, inflated and checked.

The emulator knows its models by slug or UUID (``KNOWN_MODELS``); seed a run's dataset with ``add_dataset``.
A broken results file is served with ``server.store(ModelRunStore).replace_results(run_uuid, data)``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from emulator.emulator_checks import assert_error

from gradient_evals import AsyncGradientEvals, ConflictError, GradientEvals
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_metrics import find_model
from gradient_evals.testing.stores.model_evaluation_runs import ModelRunStore
from gradient_evals.types import ModelEvaluationRun, ModelEvaluationRunStatus
from gradient_evals.workflows.model_runs import ModelResultsFileError

RUNS = "/v2/gen-ai/model_evaluation_runs"
JUDGE = find_model("llama3.3-70b-instruct").uuid  # type: ignore[union-attr]


@pytest.fixture
def client(server: FakeGradientServer) -> Iterator[GradientEvals]:
    with GradientEvals(server.token, base_url=server.base_url) as sync_client:
        yield sync_client


def _start(client: GradientEvals, dataset: str, model: str = "llama3-8b-instruct", **extra: object) -> str:
    metrics = [m.metric_uuid for m in client.model_evaluation_metrics.list() if m.metric_uuid]
    return client.model_evaluation_runs.create(
        dataset_uuid=dataset,
        candidate_model=model,
        judge_model_uuid=JUDGE,
        metric_uuids=metrics,
        **extra,  # type: ignore[arg-type]
    )


def test_a_run_goes_through_every_status_and_reports_progress(
    server: FakeGradientServer, client: GradientEvals
) -> None:
    run_uuid = _start(client, server.add_dataset(rows=40))
    seen: list[ModelEvaluationRun] = []
    final = client.model_evaluation_runs.wait(
        run_uuid, poll_interval=0.02, max_poll_interval=0.05, on_progress=seen.append
    )
    assert final.status is ModelEvaluationRunStatus.SUCCESSFUL
    statuses = [run.status for run in seen]
    assert statuses[0] is ModelEvaluationRunStatus.QUEUED
    assert statuses[-1] is ModelEvaluationRunStatus.SUCCESSFUL
    judged = [run.progress.judge_rows_evaluated for run in seen if run.progress]
    assert judged == sorted(judged)  # progress never goes back
    assert final.progress is not None
    assert (final.progress.judge_rows_evaluated, final.progress.total_rows) == (40, 40)
    summary = final.result_summary
    assert summary is not None
    assert summary.pricing is not None
    assert summary.pricing.total_cost
    assert summary.performance_metrics is not None
    assert summary.performance_metrics.candidate_latency is not None


def test_results_are_typed_rows_fetched_without_the_token(server: FakeGradientServer, client: GradientEvals) -> None:
    run_uuid = _start(client, server.add_dataset(rows=25))
    client.model_evaluation_runs.wait(run_uuid, poll_interval=0.05)
    rows = client.model_evaluation_runs.results(run_uuid)
    assert len(rows) == 25
    assert {row.candidate_model_name for row in rows} == {"llama3-8b-instruct"}
    assert all(len(row.metric_results) == 5 for row in rows)
    assert server.object_store.requests  # the file came from the object store...
    assert not server.object_store.authorization_seen  # ...which never saw the API token


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b'[{"input": "q"}]', "not gzip"),
        (gzip.compress(b"{not json", mtime=0), "not JSON"),
        (gzip.compress(b'{"rows": []}', mtime=0), "no list of rows"),
        (gzip.compress(b'[{"input": "q"}, 7]', mtime=0), "row 2: int"),
        (gzip.compress(b'[{"input": 7}]', mtime=0), "not a result"),
        (gzip.compress(b"[" + b" " * (3 << 20) + b"]", mtime=0), "larger than"),
        (gzip.compress(b'[{"input": "q"}]', mtime=0)[:-6], "gzip"),
    ],
    ids=["plain", "not-json", "no-rows", "row-not-object", "row-not-result", "inflates-too-large", "truncated"],
)
def test_a_broken_results_file_is_a_typed_error_naming_the_problem(
    server: FakeGradientServer,
    client: GradientEvals,
    tmp_path: Path,
    data: bytes,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_uuid = _start(client, server.add_dataset(rows=3))
    client.model_evaluation_runs.wait(run_uuid, poll_interval=0.05)
    server.store(ModelRunStore).replace_results(run_uuid, data)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelResultsFileError, match=says) as caught:
        client.model_evaluation_runs.results(run_uuid, max_inflated_bytes=2 << 20)
    assert "X-Signature" not in str(caught.value)  # the URL's signature is never shown
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


def test_a_file_too_large_as_received_stops_at_the_limit(server: FakeGradientServer, client: GradientEvals) -> None:
    run_uuid = _start(client, server.add_dataset(rows=30))
    client.model_evaluation_runs.wait(run_uuid, poll_interval=0.05)
    with pytest.raises(Exception, match="limit") as caught:
        client.model_evaluation_runs.results(run_uuid, max_bytes=100)
    assert type(caught.value).__name__ == "DownloadTooLargeError"


def test_cancel_delete_and_results_follow_the_apis_rules(
    server: FakeGradientServer, client: GradientEvals, api: httpx.Client
) -> None:
    server.run_duration = 30.0
    run_uuid = _start(client, server.add_dataset(rows=5))
    assert_error(api.delete(f"{RUNS}/{run_uuid}"), 409, "conflict")  # still in progress
    assert_error(api.get(f"{RUNS}/{run_uuid}/results/download_url"), 409, "conflict")
    cancelled = client.model_evaluation_runs.cancel(run_uuid)
    assert cancelled.status is ModelEvaluationRunStatus.CANCELLED
    with pytest.raises(ConflictError, match="already finished"):
        client.model_evaluation_runs.cancel(run_uuid)
    assert client.model_evaluation_runs.update(run_uuid, name="stopped").name == "stopped"
    client.model_evaluation_runs.delete(run_uuid)
    assert_error(api.get(f"{RUNS}/{run_uuid}"), 404, "not_found")


def test_creating_refuses_unknown_models_metrics_and_datasets(server: FakeGradientServer, api: httpx.Client) -> None:
    dataset = server.add_dataset(rows=3)
    metric = api.get("/v2/gen-ai/model_evaluation_metrics").json()["metrics"][0]["metric_uuid"]
    good = {
        "dataset_uuid": dataset,
        "candidate_model_name": "llama3-8b-instruct",
        "judge_model_uuid": JUDGE,
        "metric_uuids": [metric],
    }
    assert api.post(RUNS, json=good).status_code == 200
    assert_error(api.post(RUNS, json=good | {"candidate_model_name": "gpt-99"}), 400, "bad_request")
    assert_error(api.post(RUNS, json=good | {"judge_model_uuid": "nobody"}), 400, "bad_request")
    assert_error(api.post(RUNS, json=good | {"metric_uuids": [JUDGE]}), 400, "bad_request")
    assert_error(api.post(RUNS, json=good | {"dataset_uuid": JUDGE}), 404, "not_found")


def test_the_listing_pages_filters_and_sorts(
    server: FakeGradientServer, client: GradientEvals, api: httpx.Client
) -> None:
    server.run_duration = 30.0
    dataset = server.add_dataset(rows=3)
    made = [
        _start(client, dataset, model) for model in ("llama3-8b-instruct", "openai-gpt-4o-mini", "llama3-8b-instruct")
    ]
    client.model_evaluation_runs.cancel(made[1])
    listed = [run.eval_run_uuid for run in client.model_evaluation_runs.iter(per_page=2, sort_direction="asc")]
    assert listed == made
    first = api.get(RUNS, params={"per_page": 2}).json()
    assert first["meta"] == {"page": 1, "pages": 2, "total": 3}
    assert "next" in first["links"]["pages"]
    cancelled = client.model_evaluation_runs.list(statuses=["cancelled"])
    assert [r.eval_run_uuid for r in cancelled.runs] == [made[1]]
    both = client.model_evaluation_runs.list(statuses=["cancelled", "queued", "running_dataset"])
    assert len(both.runs) == 3
    assert [r.eval_run_uuid for r in client.model_evaluation_runs.list(search="gpt-4o").runs] == [made[1]]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_async_client_creates_waits_and_reads_results(server: FakeGradientServer, backend: str) -> None:
    dataset = server.add_dataset(rows=12)

    async def go() -> None:
        async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
            metrics = [m.metric_uuid for m in await client.model_evaluation_metrics.list() if m.metric_uuid]
            run_uuid = await client.model_evaluation_runs.create(
                dataset_uuid=dataset,
                candidate_model="mistral-nemo-instruct-2407",
                judge_model_uuid=JUDGE,
                metric_uuids=metrics[:2],
            )
            updates: list[str] = []

            async def note(run: ModelEvaluationRun) -> None:
                updates.append(str(run.status))

            final = await client.model_evaluation_runs.wait(run_uuid, poll_interval=0.05, on_progress=note)
            assert final.status is ModelEvaluationRunStatus.SUCCESSFUL
            assert updates[-1] == ModelEvaluationRunStatus.SUCCESSFUL
            rows = await client.model_evaluation_runs.results(run_uuid)
            assert [len(r.metric_results) for r in rows] == [2] * 12
            assert json.dumps([r.input for r in rows])  # plain strings

    anyio.run(go, backend=backend)
