"""The parts of ``evaluate`` that need no server: dataset preparation and hashing, baselines, merging reruns."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gradient_evals.types import EvaluationPrompt, EvaluationRun, ResultsPage
from gradient_evals.workflows.evaluate import merged_results, pick_baseline
from gradient_evals.workflows.evaluate_data import HASH_MARK, content_hash, dataset_name_for, prepare_dataset

AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
OTHER = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def test_a_csv_without_slices_is_uploaded_as_it_is(tmp_path: Path) -> None:
    source = _csv(tmp_path / "data.csv", [["query", "expected_response"], ["q1", "a1"]])
    local = prepare_dataset(source, None, tmp_path / "work")
    assert local.path == source
    assert local.digest == content_hash(source)
    assert local.slices == {}


def test_the_slice_column_stays_here_and_is_joined_by_query(tmp_path: Path) -> None:
    source = _csv(
        tmp_path / "data.csv",
        [["query", "expected_response", "topic"], ["  q1 ", "a1", "billing"], ["q2", "a2", ""], ["q3", "a3", "ship"]],
    )
    work = tmp_path / "work"
    work.mkdir()
    local = prepare_dataset(source, "topic", work)
    with open(local.path, newline="", encoding="utf-8") as stream:
        assert list(csv.reader(stream)) == [["query", "expected_response"], ["  q1 ", "a1"], ["q2", "a2"], ["q3", "a3"]]
    assert local.slices == {"q1": "billing", "q2": "(blank)", "q3": "ship"}
    # Relabelling the slices does not change what is uploaded, so the dataset is reused.
    relabelled = _csv(
        tmp_path / "again.csv",
        [["query", "expected_response", "topic"], ["  q1 ", "a1", "x"], ["q2", "a2", "y"], ["q3", "a3", "z"]],
    )
    other = tmp_path / "work2"
    other.mkdir()
    assert prepare_dataset(relabelled, "topic", other).digest == local.digest


def test_rows_and_bad_datasets(tmp_path: Path) -> None:
    rows = [{"query": "q1", "topic": "a"}, {"query": "q2", "topic": "b", "expected_response": "x"}]
    local = prepare_dataset(rows, "topic", tmp_path)
    assert local.path.read_text(encoding="utf-8") == "query,expected_response\nq1,\nq2,x\n"
    with pytest.raises(ValueError, match="no column 'team'"):
        prepare_dataset(rows, "team", tmp_path)
    with pytest.raises(ValueError, match="no 'query' column"):
        prepare_dataset([{"question": "q"}], None, tmp_path)
    with pytest.raises(TypeError, match="row 1 must be a mapping"):
        prepare_dataset([["q"]], None, tmp_path)
    with pytest.raises(TypeError, match="dataset must be"):
        prepare_dataset(42, None, tmp_path)


def test_dataset_names_carry_the_content_hash() -> None:
    name = dataset_name_for("support bot / nightly", "ab" * 32)
    assert name == f"support-bot-nightly-{HASH_MARK}{'ab' * 8}"
    assert dataset_name_for("///", "cd" * 32).startswith("dataset-")


def _run(uuid: str, agent: str, status: str, minutes: int, deployment: str | None = None) -> EvaluationRun:
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return EvaluationRun(
        evaluation_run_uuid=uuid, agent_uuid=agent, agent_deployment_name=deployment, status=status, finished_at=start
    )


def test_the_latest_finished_run_of_the_same_agent_is_the_baseline() -> None:
    runs = [
        _run("r1", AGENT, "EVALUATION_RUN_SUCCESSFUL", 1),
        _run("r2", AGENT, "EVALUATION_RUN_PARTIALLY_SUCCESSFUL", 5),
        _run("r3", AGENT, "EVALUATION_RUN_FAILED", 9),
        _run("r4", OTHER, "EVALUATION_RUN_SUCCESSFUL", 10),
        _run("r5", AGENT, "EVALUATION_RUN_SUCCESSFUL", 11),
    ]
    found = pick_baseline(runs, agent_uuid=AGENT, agent_deployment_name=None, exclude=["r5"])
    assert found is not None
    assert found.evaluation_run_uuid == "r2"
    assert pick_baseline(runs, agent_uuid=OTHER, agent_deployment_name=None) == runs[3]
    assert pick_baseline(runs, agent_uuid="nobody", agent_deployment_name=None) is None
    deployed = [_run("d1", "x", "EVALUATION_RUN_SUCCESSFUL", 1, deployment="prod")]
    assert pick_baseline(deployed, agent_uuid=None, agent_deployment_name="prod") == deployed[0]


def test_a_rerun_replaces_the_prompts_it_ran_again_and_keeps_their_ids() -> None:
    old = [EvaluationPrompt(prompt_id=i, input=f"q{i}", output="old") for i in range(1, 5)]
    new = [ResultsPage(prompts=(EvaluationPrompt(prompt_id=1, input="q3 ", output="new"),))]
    merged = merged_results(new, old)
    prompts = merged[0].prompts
    assert [(p.prompt_id, p.output) for p in prompts] == [(1, "old"), (2, "old"), (3, "new"), (4, "old")]
    assert merged_results(new, []) == new


@pytest.mark.anyio
async def test_a_run_timed_out_before_its_status_was_read_says_so() -> None:
    from gradient_evals.workflows.report import GateSettings, build_agent_result

    never_read = await build_agent_result(run_uuid="r", run=None, pages=[], settings=GateSettings(), timed_out=True)
    queued = EvaluationRun(evaluation_run_uuid="r", status="EVALUATION_RUN_QUEUED")
    seen = await build_agent_result(run_uuid="r", run=queued, pages=[], settings=GateSettings(), timed_out=True)
    (never,) = [g.message for g in never_read.gates if not g.passed]
    (last,) = [g.message for g in seen.gates if not g.passed]
    assert "None" not in never
    assert "no status was read" in never
    assert "last status QUEUED" in last


def test_a_sliced_csv_keeps_its_file_name(tmp_path: Path) -> None:
    source = tmp_path / "faq.csv"
    source.write_text("query,topic\nHi?,greeting\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    prepared = prepare_dataset(source, "topic", work)
    assert prepared.path.name == "faq.csv"
    assert prepared.path.parent == work
    assert prepared.path.read_text(encoding="utf-8") == "query\nHi?\n"
