"""``gradient-evals metrics ...`` and the test-case commands that take metrics."""

from __future__ import annotations

import json

from cli.cli_support import MISSING, Cli

from gradient_evals.testing import FakeGradientServer


def test_metrics_list(cli: Cli) -> None:
    code, out, _ = cli("metrics", "list")
    assert code == 0
    assert "correctness" in out
    toxicity = next(line for line in out.splitlines() if line.startswith("toxicity"))
    assert "lower" in toxicity.split()
    assert max(len(line) for line in out.splitlines()) <= 132, "the table fits a wide terminal"
    code, out, _ = cli("metrics", "list", "--json")
    metrics = json.loads(out)
    assert len(metrics) >= 8
    assert any(m["inverted"] for m in metrics)


def test_custom_metric_commands(cli: Cli) -> None:
    code, out, _ = cli(
        "metrics", "create-custom", "--name", "Politeness", "--scoring-prompt", "Is it polite?", "--json"
    )
    assert code == 0
    created = json.loads(out)
    assert created["source"] == "EVALUATION_METRIC_SOURCE_CUSTOM"
    code, out, err = cli("metrics", "update-custom", created["metric_uuid"], "--requires-ground-truth")
    assert code == 0
    assert "new UUID" in err
    code, out, _ = cli("metrics", "list", "--json")
    listed = {m["metric_name"]: m for m in json.loads(out)}
    new_uuid = listed["Politeness"]["metric_uuid"]
    assert new_uuid != created["metric_uuid"]
    assert listed["Politeness"]["custom_eval_config"]["requires_ground_truth"] is True
    assert cli("metrics", "delete-custom", new_uuid)[0] == 0
    assert "Politeness" not in cli("metrics", "list")[1]
    assert cli("metrics", "delete-custom", new_uuid)[0] == 3  # the API's 404
    assert cli("metrics", "update-custom", new_uuid)[0] == 2  # nothing to update


def test_create_and_update_custom_print_the_bare_uuid_or_the_table_when_asked(cli: Cli) -> None:
    code, out, _ = cli("metrics", "create-custom", "--name", "Brevity", "--scoring-prompt", "Is it short?")
    assert code == 0
    created = out.strip()
    assert out == created + "\n", "one line: M=$(gradient-evals metrics create-custom ...) works"
    listed = {m["metric_name"]: m["metric_uuid"] for m in json.loads(cli("metrics", "list", "--json")[1])}
    assert listed["Brevity"] == created
    code, out, err = cli("metrics", "update-custom", created, "--description", "short answers")
    assert code == 0
    updated = out.strip()
    assert out == updated + "\n"
    assert updated != created
    assert f"new UUID is {updated}" in err
    code, out, _ = cli("metrics", "update-custom", updated, "--description", "shorter", "--verbose")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["NAME", "UUID", "CATEGORY"]
    assert out.splitlines()[2].startswith("Brevity")
    code, out, _ = cli("metrics", "create-custom", "--name", "Tact", "--scoring-prompt", "Tactful?", "--verbose")
    assert code == 0
    assert "Tact" in out.splitlines()[2]


def test_test_case_commands(cli: Cli, server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=4)
    code, out, _ = cli(
        "test-cases",
        "create",
        "--name",
        "support",
        "--dataset",
        dataset,
        "--metric",
        "Correctness",
        "--metric",
        "toxicity",
        "--star-metric",
        "correctness",
        "--threshold-pct",
        "75",
    )
    assert code == 0, out
    tc = out.strip()
    code, out, _ = cli("test-cases", "get", tc, "--json")
    case = json.loads(out)
    assert [m["metric_name"] for m in case["metrics"]] == ["correctness", "toxicity"]
    assert case["star_metric"]["success_threshold_pct"] == 75
    code, out, _ = cli("test-cases", "get", tc)
    assert "toxicity" in out
    assert "75%" in out

    code, _, err = cli("test-cases", "update", tc, "--metric", "tone")
    assert code == 3
    assert "star metric must be one of the test case's metrics" in err
    code, out, _ = cli("test-cases", "update", tc, "--metric", "tone", "--metric", "correctness", "--json")
    assert json.loads(out) == {"test_case_uuid": tc, "version": 2}
    code, out, _ = cli("test-cases", "get", tc, "--version", "1", "--json")
    assert json.loads(out)["version"] == 1
    code, out, _ = cli("test-cases", "list")
    assert tc in out
    code, out, _ = cli("test-cases", "list", "--json")
    assert tc in {c["test_case_uuid"] for c in json.loads(out)}


def test_test_case_command_refusals(cli: Cli, server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=4)
    base = ("test-cases", "create", "--name", "n", "--dataset", dataset)
    code, _, err = cli(*base, "--metric", "corectness")
    assert code == 2
    assert "close matches: 'correctness'" in err
    code, _, err = cli(*base, "--metric", "correctness", "--threshold-pct", "50")
    assert code == 2
    assert "--star-metric" in err
    code, _, err = cli(*base, "--metric", "correctness", "--star-metric", "correctness", "--threshold-pct", "150")
    assert code == 2
    code, _, err = cli("test-cases", "create", "--name", "n", "--dataset", MISSING, "--metric", "correctness")
    assert code == 3
    assert f"{MISSING} not found" in err
    assert cli("test-cases", "get", MISSING)[0] == 3
