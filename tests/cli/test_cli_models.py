"""``gradient-evals models runs|metrics`` and ``agents versions`` against the emulator: names resolved, bad input
refused with exit 2 before anything is created, the API's refusals as exit 3, JSON that parses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli.cli_support import Cli

from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_metrics import KNOWN_MODELS
from gradient_evals.testing.stores.model_evaluation_runs import ModelRunStore

JUDGE = KNOWN_MODELS[0].uuid


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text("query,expected_response\nWhat is 1+1?,2\nCapital of France?,Paris\n", encoding="utf-8")
    return path


def _create(cli: Cli, dataset: str, *extra: str) -> tuple[int, str, str]:
    return cli(
        "models",
        "runs",
        "create",
        "--dataset",
        dataset,
        "--candidate",
        "llama3-8b-instruct",
        "--judge",
        JUDGE,
        "--metric",
        "correctness",
        "--metric",
        "Answer matches",
        *extra,
    )


def test_create_uploads_a_file_waits_and_prints_the_summary(
    cli: Cli, server: FakeGradientServer, dataset_file: Path
) -> None:
    code, out, err = _create(cli, str(dataset_file), "--wait")
    assert code == 0, err
    assert "successful" in out
    assert "overall score" in out
    assert "Correctness" in out
    (run,) = server.store(ModelRunStore).all()
    assert [m["metric_name"] for m in run.metrics] == ["Correctness", "Answer matches"]
    assert [r["query"] for r in run.rows] == ["What is 1+1?", "Capital of France?"]
    code, out, _ = cli("models", "runs", "results", run.uuid, "--json")
    assert code == 0
    assert [row["input"] for row in json.loads(out)] == ["What is 1+1?", "Capital of France?"]
    code, out, _ = cli("models", "runs", "list", "--status", "successful")
    assert run.uuid in out
    code, _, err = cli("models", "runs", "cancel", run.uuid)
    assert code == 3
    assert "already finished" in err
    assert cli("models", "runs", "delete", run.uuid)[0] == 0
    assert server.store(ModelRunStore).all() == []


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--metric", "nonsense"), "no metric is called 'nonsense'"),
        (("--judge", "llama3.3-70b-instruct"), "--judge must be a UUID"),
    ],
)
def test_bad_input_is_refused_before_anything_is_created(
    cli: Cli, server: FakeGradientServer, dataset_file: Path, extra: tuple[str, ...], says: str
) -> None:
    code, _, err = _create(cli, str(dataset_file), *extra)
    assert code == 2
    assert says in err
    assert server.store(ModelRunStore).all() == []
    assert server.object_store.requests == []  # the dataset file was not uploaded either


def test_a_missing_dataset_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    code, _, err = _create(cli, str(tmp_path / "missing.csv"))
    assert code == 2
    assert "neither a file nor a dataset UUID" in err


def test_a_broken_results_file_exits_3_naming_the_problem(cli: Cli, server: FakeGradientServer) -> None:
    code, out, _ = _create(cli, server.add_dataset(rows=3))
    run_uuid = out.strip()
    assert code == 0
    assert cli("models", "runs", "get", run_uuid)[0] == 0
    server.store(ModelRunStore).replace_results(run_uuid, b"plain text")
    server.run_duration = 0.0  # finished at once
    server.store(ModelRunStore).get(run_uuid).duration = 0.0  # type: ignore[union-attr]
    code, _, err = cli("models", "runs", "results", run_uuid)
    assert code == 3
    assert "not gzip" in err


def test_metrics_and_agent_versions(cli: Cli, server: FakeGradientServer) -> None:
    code, out, _ = cli("models", "metrics", "--json")
    assert code == 0
    assert "Toxicity" in [m["metric_name"] for m in json.loads(out)]
    agent = server.add_agent(name="versioned-bot")
    test_case = server.add_test_case(prompts=2)
    run = server.add_run(test_case_uuid=test_case, agent_uuid=agent)
    code, out, _ = cli("agents", "versions", "versioned-bot")
    assert code == 0
    assert server.run_json(run)["agent_version_hash"][:8] in out
    assert cli("agents", "versions", "nobody")[0] == 2


def test_compare_prints_a_row_per_model_and_writes_the_reports(
    cli: Cli, server: FakeGradientServer, tmp_path: Path
) -> None:
    dataset = server.add_dataset(rows=20)
    code, out, err = cli(
        "models", "compare", "--dataset", dataset, "--candidate", "llama3-8b-instruct",
        "--candidate", "openai-gpt-4o-mini", "--judge", JUDGE, "--metric", "correctness",
        "--metric", "answer matches", "--poll-interval", "0.05",
        "--markdown", str(tmp_path / "models.md"), "--html", str(tmp_path / "models.html"),
    )  # fmt: skip
    assert code in (0, 1), err  # 1 only if the second model is worse than the first beyond the margin
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["MODEL", "ROWS"]
    assert "llama3-8b-instruct" in lines[2]
    assert "openai-gpt-4o-mini" in lines[3]
    assert "p=" in lines[3]  # the second model carries its comparison with the first
    assert "## Model comparison" in (tmp_path / "models.md").read_text(encoding="utf-8")
    assert "<table>" in (tmp_path / "models.html").read_text(encoding="utf-8")
    assert len(server.store(ModelRunStore).all()) == 2


def test_compare_refuses_one_candidate_before_creating_anything(cli: Cli, server: FakeGradientServer) -> None:
    code, _, err = cli(
        "models", "compare", "--dataset", server.add_dataset(rows=3), "--candidate", "llama3-8b-instruct",
        "--judge", JUDGE, "--metric", "correctness",
    )  # fmt: skip
    assert code == 2
    assert "at least 2 candidates" in err
    assert server.store(ModelRunStore).all() == []


def test_compare_json_carries_each_models_statistics(cli: Cli, server: FakeGradientServer) -> None:
    code, out, err = cli(
        "models", "compare", "--dataset", server.add_dataset(rows=8), "--candidate", "llama3-8b-instruct",
        "--candidate", "openai-gpt-4o-mini", "--judge", JUDGE, "--metric", "correctness", "--json",
        "--poll-interval", "0.05",
    )  # fmt: skip
    assert code in (0, 1), err
    data = json.loads(out)
    first, second = data["models"]
    assert first["comparisons"] == {}
    statistic = second["comparisons"]["Correctness"]
    assert (statistic["method"], statistic["n"]) == ("paired-t", 8)
    assert statistic["outcome"] in ("passed", "failed", "inconclusive")
