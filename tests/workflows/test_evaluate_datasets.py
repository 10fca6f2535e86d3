"""``client.evaluate`` with local datasets, end to end against the emulator: uploads from a CSV file, a DataFrame
and rows, re-use by content hash, slices joined back by input text, and ``evaluate_failed``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals, InvalidDatasetError
from gradient_evals.results import GateKind
from gradient_evals.testing import FakeGradientServer

pytestmark = pytest.mark.anyio

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
ROWS = [
    {"query": "How do I reset my password?", "expected_response": "Use the reset link.", "topic": "account"},
    {"query": "Can I change my email?", "expected_response": "Yes, under Settings > Account.", "topic": "account"},
    {"query": "Why was I charged twice?", "expected_response": "One charge is a pending hold.", "topic": "billing"},
    {"query": "How do I get a refund?", "expected_response": "To the card within 10 days.", "topic": "billing"},
    {"query": "Where is my invoice?", "expected_response": "Billing > Invoices, as a PDF.", "topic": "billing"},
    {"query": "Is there an outage, yes or no?", "expected_response": "See the status page.", "topic": "network"},
    {"query": 'Why does ping say "timeout"?', "expected_response": "Check the firewall rules.", "topic": "network"},
    {"query": "¿Puedo cambiar de región?", "expected_response": "Sí, con una instantánea.", "topic": "network"},
]
BILLING = [r["query"] for r in ROWS if r["topic"] == "billing"]


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=11, run_duration=0.2) as srv:
        yield srv


def _client(server: FakeGradientServer) -> AsyncGradientEvals:
    return AsyncGradientEvals(server.token, base_url=server.base_url)


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _uploads(server: FakeGradientServer) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path.endswith("/file_upload_presigned_urls"))


async def test_a_csv_file_is_uploaded_once_and_its_rows_are_the_prompts(
    server: FakeGradientServer, tmp_path: Path
) -> None:
    async with _client(server) as client:
        plain = [{"query": r["query"], "expected_response": r["expected_response"]} for r in ROWS]
        path = _write_csv(tmp_path / "support.csv", plain)
        settings = {"dataset": path, "test_case": "support", "metrics": ["correctness"], "agent_uuids": [AGENT_A]}
        first = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        assert _uploads(server) == 1
        assert not first.dataset_reused
        assert first.dataset_uuid is not None
        assert (first.dataset_name or "").startswith("support-sha256-")
        assert server.dataset_rows(first.dataset_uuid) == plain  # the file went up as it is
        (agent,) = first.agents
        assert [(p.input, p.ground_truth) for p in agent.prompts] == [
            (r["query"], r["expected_response"]) for r in plain
        ]

        second = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        assert _uploads(server) == 1  # unchanged file: nothing uploaded
        assert second.dataset_reused
        assert second.dataset_uuid == first.dataset_uuid
        assert second.test_case_version == first.test_case_version  # same dataset: no new version
        assert second.agents[0].baseline_run_uuid == agent.evaluation_run_uuid

        # One changed cell: a new upload, and the test case moves to a new version on it.
        plain[0] = {**plain[0], "expected_response": "Use the reset link on the sign-in page."}
        _write_csv(path, plain)
        third = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        assert _uploads(server) == 2
        assert not third.dataset_reused
        assert third.dataset_uuid != first.dataset_uuid
        assert third.test_case_version == (first.test_case_version or 0) + 1
        assert third.agents[0].prompts[0].ground_truth == plain[0]["expected_response"]
        assert len(await client.evaluation_datasets.list()) == 2


async def test_a_dataframe_and_the_same_rows_hash_alike(server: FakeGradientServer) -> None:
    async with _client(server) as client:
        pandas = pytest.importorskip("pandas", reason="the pandas extra is not installed")
        frame = pandas.DataFrame(ROWS)
        from_frame = await client.evaluate(
            dataset=frame, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], slice_by="topic", **FAST
        )
        assert _uploads(server) == 1
        assert from_frame.dataset_uuid is not None
        # The slice column stayed here; the file has the columns the API reads.
        assert list(server.dataset_rows(from_frame.dataset_uuid)[0]) == ["query", "expected_response"]
        from_rows = await client.evaluate(
            dataset=iter(ROWS), test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], slice_by="topic", **FAST
        )
        assert _uploads(server) == 1
        assert from_rows.dataset_reused
        assert from_rows.dataset_uuid == from_frame.dataset_uuid
        assert [p.input for p in from_rows.agents[0].prompts] == [r["query"] for r in ROWS]


async def test_slices_are_joined_by_input_and_a_regressed_slice_is_named(
    server: FakeGradientServer, tmp_path: Path
) -> None:
    async with _client(server) as client:
        path = _write_csv(tmp_path / "support.csv", ROWS)
        # At quality 95 a prompt scores 60 to 100 in every run, so a slice of an unchanged agent never moves by
        # 45 points; a slice whose prompts drop to quality 0 (0 to 35) does, whatever the seed.
        for agent in (AGENT_A, AGENT_B):
            server.set_agent_profile(agent, quality=95)
        settings = {
            "dataset": path,
            "test_case": "support",
            "metrics": ["correctness", "hallucination_rate"],
            "agent_uuids": [AGENT_A, AGENT_B],
            "slice_by": "topic",
            "max_regression": {"correctness": 45},
        }
        first = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        assert first.passed, first.verdict.reasons
        a_first = first.agent(AGENT_A)
        assert {p.input: p.slice for p in a_first.prompts} == {r["query"]: r["topic"] for r in ROWS}
        by_slice = {s.name: s for s in a_first.slices}
        assert sorted(by_slice) == ["account", "billing", "network"]
        assert {name: s.prompt_count for name, s in by_slice.items()} == {"account": 2, "billing": 3, "network": 3}
        assert by_slice["billing"].metrics["correctness"].count == 3

        # B's billing answers go bad; everything else stays as it was.
        server.set_agent_profile(AGENT_B, quality=95, inputs=dict.fromkeys(BILLING, 0))
        second = await client.evaluate(**settings, **FAST)  # type: ignore[arg-type]
        assert second.dataset_reused
        a, b = second.agent(AGENT_A), second.agent(AGENT_B)
        assert a.passed, a.verdict.reasons
        assert not b.passed
        # Overall B lost less than the 45 points allowed (3 prompts of 8 went bad): only the slice fails.
        assert [g.kind for g in b.gates if not g.passed] == [GateKind.SLICE_REGRESSION]
        assert any("slice topic=billing" in reason for reason in b.verdict.reasons), b.verdict.reasons
        assert not any("topic=account" in reason or "topic=network" in reason for reason in b.verdict.reasons)
        billing = next(s for s in b.slices if s.name == "billing")
        assert "correctness" in billing.regressed
        assert billing.baseline_metrics["correctness"].mean is not None
        assert billing.metrics["correctness"].mean is not None
        assert billing.metrics["correctness"].mean < billing.baseline_metrics["correctness"].mean - 45
        assert any("topic=billing" in reason for reason in second.verdict.reasons)


async def test_evaluate_failed_reruns_the_failed_prompts_and_merges_them(
    server: FakeGradientServer, tmp_path: Path
) -> None:
    async with _client(server) as client:
        path = _write_csv(tmp_path / "support.csv", ROWS)
        server.set_agent_profile(AGENT_A, quality=90, inputs=dict.fromkeys(BILLING, 5))
        report = await client.evaluate(
            dataset=path,
            test_case="support",
            metrics=["correctness"],
            agent_uuids=[AGENT_A],
            slice_by="topic",
            pass_thresholds={"correctness": 50},
            baseline=None,
            **FAST,
        )
        (agent,) = report.agents
        failed = [p.input for p in agent.prompts if not p.passed]
        assert set(BILLING) <= set(failed)
        kept = {p.input: p for p in agent.prompts if p.passed}

        server.set_agent_profile(AGENT_A, quality=95)  # fixed
        again = await client.evaluate_failed(report, pass_thresholds={"correctness": 50}, **FAST)

        assert again.test_case_name == "support (rerun)"
        assert again.test_case_uuid != report.test_case_uuid
        assert again.dataset_uuid is not None
        # The rerun's dataset is the failed prompts, with their ground truth; the slice column stayed here.
        assert server.dataset_rows(again.dataset_uuid) == [
            {"query": r["query"], "expected_response": r["expected_response"]} for r in ROWS if r["query"] in failed
        ]
        (merged,) = again.agents
        assert merged.rerun_of == agent.evaluation_run_uuid
        assert merged.evaluation_run_uuid != agent.evaluation_run_uuid
        # Every prompt of the first report, once, in its order, with its id; the failed ones replaced.
        assert [p.input for p in merged.prompts] == [p.input for p in agent.prompts]
        assert [p.prompt_id for p in merged.prompts] == [p.prompt_id for p in agent.prompts]
        for prompt in merged.prompts:
            if prompt.input in kept:
                assert prompt.values == kept[prompt.input].values
        assert all(p.passed for p in merged.prompts if p.input in BILLING)
        assert {p.input: p.slice for p in merged.prompts} == {r["query"]: r["topic"] for r in ROWS}
        assert merged.summary is not None
        assert merged.summary.prompt_count == len(ROWS)


def test_evaluate_failed_from_a_run_uuid_with_the_blocking_client(server: FakeGradientServer, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "support.csv", [{"query": r["query"]} for r in ROWS])
    server.set_agent_profile(AGENT_A, quality=90, inputs={ROWS[0]["query"]: 5})
    with GradientEvals(server.token, base_url=server.base_url) as client:
        report = client.evaluate(
            dataset=path, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], baseline=None, **FAST
        )
        run_uuid = report.agents[0].evaluation_run_uuid
        server.set_agent_profile(AGENT_A, quality=90)
        again = client.evaluate_failed(run_uuid, fail_under={"correctness": 50}, **FAST)
        runs_before = len(server.requests)
        nothing = client.evaluate_failed(again, fail_under={"correctness": 0})
        assert not [r for r in server.requests[runs_before:] if r.method == "POST"]  # nothing created
        assert nothing.run_uuids == again.run_uuids
        assert any("nothing to rerun" in note for note in nothing.notes)
    assert again.dataset_uuid is not None
    rerun_rows = server.dataset_rows(again.dataset_uuid)
    assert ROWS[0]["query"] in [r["query"] for r in rerun_rows]
    assert all(set(r) == {"query"} for r in rerun_rows)  # no ground truth to carry
    assert again.agents[0].rerun_of == run_uuid
    assert len(again.agents[0].prompts) == len(ROWS)


# -- a CSV given with slice_by is read by the same reader, with the same checks, as an upload ----------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param('query,topic\n"How do I reset it?,account\nok,b\n', "not valid CSV", id="unterminated-quote"),
        pytest.param("query,topic\nHow do I reset it?,account,EXTRA\n", "3 cells where the header has 2", id="extra"),
        pytest.param("query,topic\nHow do I reset it?\n", "1 cells where the header has 2", id="missing-cell"),
        pytest.param("query,topic,topic\nq,a,b\n", "'topic' appears twice", id="duplicate-header"),
        pytest.param("query,topic\n,account\n", "column 'query': empty", id="empty-query"),
    ],
)
async def test_a_bad_csv_with_slice_by_is_refused_before_any_request(
    content: str, words: str, server: FakeGradientServer, tmp_path: Path
) -> None:
    path = tmp_path / "support.csv"
    path.write_text(content, encoding="utf-8", newline="")
    async with _client(server) as client:
        with pytest.raises(InvalidDatasetError) as caught:
            await client.evaluate(
                dataset=path, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], slice_by="topic", **FAST
            )
    assert str(path) in str(caught.value), str(caught.value)
    assert words in str(caught.value), str(caught.value)
    assert "line " in str(caught.value)
    # Nothing of the dataset was sent (evaluate looks the metrics up first, which sends no data).
    assert [r for r in server.requests if "dataset" in r.path or r.method != "GET"] == []
    assert server.object_store.requests == []


@pytest.fixture
def csv_module_default_field_limit() -> Iterator[None]:
    """The csv module's own cell limit as a fresh process has it (it is process-wide: other tests raise it)."""
    previous = csv.field_size_limit(128 * 1024)
    yield
    csv.field_size_limit(previous)


@pytest.mark.usefixtures("csv_module_default_field_limit")
async def test_a_large_cell_with_slice_by_is_uploaded_whole(server: FakeGradientServer, tmp_path: Path) -> None:
    rows = [dict(r) for r in ROWS]
    rows[0]["expected_response"] = "long answer " * 20_000  # 240 KB, over the csv module's own 128 KiB limit
    path = _write_csv(tmp_path / "support.csv", rows)
    async with _client(server) as client:
        result = await client.evaluate(
            dataset=path, test_case="t", metrics=["correctness"], agent_uuids=[AGENT_A], slice_by="topic", **FAST
        )
    assert result.dataset_uuid is not None
    uploaded = server.dataset_rows(result.dataset_uuid)
    assert uploaded[0]["expected_response"] == rows[0]["expected_response"]
    assert {p.input: p.slice for p in result.agents[0].prompts} == {r["query"]: r["topic"] for r in ROWS}
