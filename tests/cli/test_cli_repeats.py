"""``gradient-evals evaluate --repeats``: bad input is one line naming the flag or key, exit 2, nothing created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals.testing import FakeGradientServer


def _evaluate(dataset: str, *extra: str) -> list[str]:
    return [
        "evaluate", "--dataset", dataset, "--test-case", "nightly", "--metric", "correctness",
        "--agent", AGENTS[0], "--agent", AGENTS[1], "--poll-interval", "0.05", *extra,
    ]  # fmt: skip


def _writes(server: FakeGradientServer) -> int:
    return sum(1 for r in server.requests if r.method in ("POST", "PUT", "PATCH"))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--repeats", "0"], "--repeats: runs per agent must be a whole number from 1 to 10, got 0"),
        (["--repeats", "-1"], "--repeats: runs per agent must be a whole number from 1 to 10, got -1"),
        (["--repeats", "11"], "--repeats: runs per agent must be a whole number from 1 to 10, got 11"),
        (["--repeats", "2.5"], "--repeats: invalid int value"),
        (["--repeats", "6", "--max-runs", "10"], "--max-runs: this call would create 12 runs (2 agents x 6 repeats)"),
        (["--quarantine", "missing.txt"], "--quarantine: 'missing.txt' does not exist"),
        (["--quarantine-flaky"], "--quarantine: --quarantine-flaky writes the flaky prompts to the quarantine file"),
    ],
)
def test_bad_repeats_input_is_one_line_exit_2_before_anything_is_created(
    server: FakeGradientServer, cli: Cli, flags: list[str], message: str
) -> None:
    dataset = server.add_dataset(rows=3)
    code, _, err = cli(*_evaluate(dataset, *flags))
    assert code == 2, err
    assert message in err.strip().splitlines()[-1]  # one line (argparse's own errors follow its usage)
    assert _writes(server) == 0


def test_a_quarantine_file_that_is_not_utf8_is_refused(server: FakeGradientServer, cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "q.txt"
    bad.write_bytes(b"caf\xe9\n")
    code, _, err = cli(*_evaluate(server.add_dataset(rows=3), "--quarantine", str(bad)))
    assert code == 2
    assert "--quarantine:" in err
    assert "is not UTF-8" in err
    assert _writes(server) == 0


def test_the_suites_of_a_config_count_their_runs_together(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "faq.csv").write_text("query,expected_response\nq,a\n", encoding="utf-8")
    agents = ", ".join(f'"{a}"' for a in AGENTS[:2])
    (tmp_path / "gradient-evals.toml").write_text(
        f'[defaults]\nmetrics = ["correctness"]\nrepeats = 10\nmax_runs = 30\n'
        f'[suites.one]\ndataset = "faq.csv"\nagents = [{agents}]\n'
        f'[suites.two]\ndataset = "faq.csv"\nagents = [{agents}]\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("evaluate")
    assert code == 2, err
    assert "key 'max_runs'" in err
    assert "would create 40 runs" in err
    assert _writes(server) == 0


def test_json_carries_repeats_flaky_and_pass_rates(server: FakeGradientServer, cli: Cli, tmp_path: Path) -> None:
    steady, flaky = ["steady one", "steady two"], ["flips one", "flips two"]
    server.script_prompt_scores(AGENTS[0], {**dict.fromkeys(steady, (100,)), **dict.fromkeys(flaky, (0, 100))})
    dataset = tmp_path / "flaky.csv"
    dataset.write_text("query,expected_response\n" + "".join(f"{q},yes\n" for q in steady + flaky), "utf-8")
    code, out, err = cli(
        "evaluate", "--dataset", str(dataset), "--test-case", "flaky", "--metric", "correctness",
        "--agent", AGENTS[0], "--repeats", "4", "--pass-threshold", "correctness=50", "--poll-interval", "0.05",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    (agent,) = json.loads(out)["agents"]
    assert agent["repeats"] == 4
    assert agent["pass_at_k"] == {"correctness": 1.0}
    assert agent["pass_all_k"] == {"correctness": 0.5}
    assert sorted(f["input"] for f in agent["flaky"]) == sorted(flaky)
    for item in agent["flaky"]:
        assert (item["passes"], item["runs"], item["flip_rate"]) == (2, 4, 0.5)


def test_a_suites_quarantine_file_is_read_relative_to_the_config(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "faq.csv").write_text("query,expected_response\nq,a\n", encoding="utf-8")
    (tmp_path / "gradient-evals.toml").write_text(
        f'[suites.faq]\ndataset = "faq.csv"\nagents = ["{AGENTS[0]}"]\nquarantine = "lists/flaky.txt"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("evaluate")
    assert code == 2
    assert "key 'quarantine'" in err
    assert repr(str(tmp_path / "lists" / "flaky.txt")) in err  # resolved next to the config file
    assert _writes(server) == 0


def test_runs_history_shows_a_group_as_one_line_with_its_spread(server: FakeGradientServer, cli: Cli) -> None:
    dataset = server.add_dataset(rows=4)
    code, _, err = cli(*_evaluate(dataset, "--repeats", "3", "--baseline", "none"))
    assert code == 0, err
    code, out, err = cli("runs", "history", "--test-case", "nightly", "--agent", AGENTS[0])
    assert code == 0, err
    header, _, *lines = out.strip().splitlines()
    assert header.split()[-1] == "RUNS"
    (line,) = lines  # three runs, one group
    assert line.split()[-1] == "3"
    assert "+-" in line  # the correctness of the three runs, with their spread
