"""``gradient-evals init``: the starting files, written whole, never over an existing file."""

from __future__ import annotations

import io
import json
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
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
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "gradient-evals.yml").read_text())
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    (action_step,) = [step for step in workflow["jobs"]["evaluate"]["steps"] if "with" in step]
    assert action_step["with"]["config"] == "gradient-evals.toml"
    assert "DIGITALOCEAN_ACCESS_TOKEN" in action_step["env"]
    assert "wrote" in err


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (
            {"url": "https://github.com/octo-org/gradient-evals.git", "vcs_info": {"vcs": "git", "commit_id": "a1b2"}},
            "octo-org/gradient-evals@a1b2",
        ),
        ({"url": "ssh://git@github.com/o/r", "vcs_info": {"vcs": "git", "commit_id": "c3"}}, "o/r@c3"),
        ({"url": "https://gitlab.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "c3"}}, None),
        ({"url": "file:///home/me/gradient-evals", "dir_info": {}}, None),
        (None, None),
    ],
)
def test_the_workflow_uses_the_action_of_the_repository_the_package_came_from(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct_url: object, expected: str | None
) -> None:
    class Installed:
        def read_text(self, name: str) -> str | None:
            assert name == "direct_url.json"
            return None if direct_url is None else json.dumps(direct_url)

    monkeypatch.setattr(metadata, "distribution", lambda name: Installed())
    code, _, err = cli("init", "--directory", str(tmp_path), auth=False)
    assert code == 0, err
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / "gradient-evals.yml").read_text())
    uses = [step["uses"] for step in workflow["jobs"]["evaluate"]["steps"] if "with" in step]
    assert uses == [expected or "OWNER/REPO@REF"]
    assert ("--action OWNER/REPO@REF" in err) == (expected is None)


def test_the_action_can_be_named(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("init", "--directory", str(tmp_path), "--action", "octo-org/gradient-evals@v0.1.0", auth=False)
    assert code == 0, err
    assert "uses: octo-org/gradient-evals@v0.1.0\n" in (tmp_path / ".github/workflows/gradient-evals.yml").read_text()
    code, _, err = cli("init", "--directory", str(tmp_path / "x"), "--action", "o/r@v1\n  run: evil", auth=False)
    assert code == 2
    assert "expected OWNER/REPO@REF" in err


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
        # The action's command with the workflow's config (outside a pull request: the comment is one notice).
        (tmp_path / "reports").mkdir()
        code = main(
            [
                "evaluate",
                "--config",
                "gradient-evals.toml",
                "--junit-xml",
                "reports/junit.xml",
                "--html",
                "reports/report.html",
                "--markdown",
                "reports/summary.md",
                "--github-comment",
                "--poll-interval",
                "0.05",
            ]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "== suite support ==" in out
        assert (tmp_path / "reports" / "junit.xml").is_file()
        assert [line for line in err.splitlines() if "pull request comment" in line] == [
            "pull request comment not posted: GITHUB_EVENT_PATH is not set (not running in a GitHub Actions workflow?)"
        ]
    finally:
        stop.set()
        thread.join(30)


def test_init_checks_every_folder_on_the_way_first_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / ".github").write_text("not a folder\n", encoding="utf-8")
    code, _, err = cli("init", "--directory", str(tmp_path), auth=False)
    assert code == 2, err
    assert f"{tmp_path / '.github'} is not a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [".github"]  # no config, no CSV, no evals folder


def test_init_removes_what_it_wrote_when_a_later_write_fails(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import errno

    from gradient_evals.cli.commands import init

    def full_disk(file: Any, mode: str = "r", **kwargs: Any) -> Any:
        if str(file).endswith(".yml"):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return builtins.open(file, mode, **kwargs)

    monkeypatch.setattr(init, "open", full_disk, raising=False)
    code, _, err = cli("init", "--directory", str(tmp_path / "new"), auth=False)
    assert code == 3, err
    assert "No space left on device (nothing left behind)" in err
    assert "gradient-evals.yml" in err
    assert not (tmp_path / "new").exists()  # the files, the folders it made and the target folder itself
