"""``gradient-evals init``: the starting files, written whole, never over an existing file."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import pytest
from cli.cli_support import Cli

from gradient_evals.cli import main
from gradient_evals.testing._cli import serve_emulator
from gradient_evals.workflows.suite_config import load_config


def test_init_writes_a_config_that_loads_a_csv_and_a_workflow(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("init", "--directory", str(tmp_path), auth=False)  # init takes no --token
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
    code, _, err = cli("init", "--directory", str(tmp_path), auth=False)  # init takes no --token
    assert code == 2
    assert "not overwriting" in err
    assert "support.csv" in err
    assert (tmp_path / "evals" / "support.csv").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "gradient-evals.toml").exists()


def test_the_init_config_runs_as_written_against_the_emulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    ready, stop = threading.Event(), threading.Event()

    def announce(line: dict[str, Any]) -> None:
        served.update(line)
        ready.set()

    thread = threading.Thread(
        target=serve_emulator, kwargs={"stdout": io.StringIO(), "stop": stop, "announce": announce}, daemon=True
    )
    thread.start()
    try:
        assert ready.wait(30)
        monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", served["token"])
        monkeypatch.setenv("GRADIENT_BASE_URL", served["base_url"])
        monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        monkeypatch.chdir(tmp_path)
        assert main(["init"]) == 0
        # The workflow's command, as written (the reports folder is the workflow's to make).
        (tmp_path / "reports").mkdir()
        code = main(
            [
                "evaluate",
                "--junit-xml",
                "reports/junit.xml",
                "--markdown",
                "reports/summary.md",
                "--html",
                "reports/report.html",
                "--poll-interval",
                "0.05",
            ]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "== suite support ==" in out
        assert (tmp_path / "reports" / "junit.xml").is_file()
    finally:
        stop.set()
        thread.join(30)
