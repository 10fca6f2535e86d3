"""``gradient-evals init``: the starting files, written whole, never over an existing file."""

from __future__ import annotations

from pathlib import Path

from cli.cli_support import Cli

from gradient_evals.workflows.suite_config import load_config


def test_init_writes_a_config_that_loads_a_csv_and_a_workflow(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("init", "--directory", str(tmp_path))
    assert code == 0, err
    config = load_config(tmp_path / "gradient-evals.toml")  # the written example is a valid configuration
    (suite,) = config.suites
    assert suite.settings["dataset"] == (tmp_path / "evals" / "support.csv").resolve()
    assert "query" in (tmp_path / "evals" / "support.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "gradient-evals evaluate" in (tmp_path / ".github" / "workflows" / "gradient-evals.yml").read_text()
    assert "wrote" in err


def test_init_refuses_to_overwrite_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "support.csv").write_text("mine\n", encoding="utf-8")
    code, _, err = cli("init", "--directory", str(tmp_path))
    assert code == 2
    assert "not overwriting" in err
    assert "support.csv" in err
    assert (tmp_path / "evals" / "support.csv").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "gradient-evals.toml").exists()
