"""The GitHub Action (``action.yml``): it parses, has the documented inputs, passes them to its scripts through the
environment only, and its scripts run the command the docs describe."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INPUTS = {
    "config",
    "suites",
    "python-version",
    "install",
    "github-comment",
    "github-token",
    "reports-directory",
    "artifact-name",
}


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8")))


def _step(action: dict[str, Any], name: str) -> dict[str, Any]:
    (step,) = [step for step in action["runs"]["steps"] if step.get("name") == name]
    return dict(step)


def test_the_action_is_composite_with_the_documented_inputs(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == INPUTS
    assert all(spec["description"] for spec in action["inputs"].values())
    page = (ROOT / "docs" / "pull-requests.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in page for name in INPUTS), "docs/pull-requests.md lists every input"
    upload = _step(action, "Keep the reports")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()"  # the reports are kept when a gate fails too


def test_no_input_is_pasted_into_a_script(action: dict[str, Any]) -> None:
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    assert len(scripts) == 2
    assert not [script for script in scripts if "${{" in script]


def _fake(directory: Path, name: str, code: int) -> None:
    """A program that writes its arguments, one a line, to ``$ARGS_FILE`` and exits ``code``."""
    path = directory / name
    path.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$ARGS_FILE"\nexit {code}\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _run(script: str, tmp_path: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    bin_dir = tmp_path / "bin"
    args = tmp_path / "args.txt"
    full = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "ARGS_FILE": str(args), **env}
    done = subprocess.run(["bash", "-e", "-c", script], env=full, cwd=tmp_path, check=False)  # noqa: S603, S607
    return done.returncode, args.read_text().splitlines() if args.exists() else []


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's scripts are bash")
def test_the_evaluate_step_runs_the_config_with_the_suites_and_keeps_the_exit_code(
    action: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "bin").mkdir()
    _fake(tmp_path / "bin", "gradient-evals", 1)
    (tmp_path / "a.toml").touch()  # a suite called "*" is not a file pattern
    output = tmp_path / "github_output"
    env = {
        "CONFIG": "ci/evals.toml",
        "SUITES": "faq  billing\n*",
        "COMMENT": "true",
        "REPORTS": "out dir",
        "GITHUB_OUTPUT": str(output),
    }
    code, args = _run(_step(action, "Evaluate")["run"], tmp_path, env)
    assert code == 1  # a failed gate fails the step
    assert args == [
        "evaluate",
        "--config",
        "ci/evals.toml",
        "--junit-xml",
        "out dir/junit.xml",
        "--html",
        "out dir/report.html",
        "--markdown",
        "out dir/summary.md",
        "--suite",
        "faq",
        "--suite",
        "billing",
        "--suite",
        "*",
        "--github-comment",
    ]
    assert output.read_text() == "exit-code=1\n"
    assert (tmp_path / "out dir").is_dir()

    code, args = _run(_step(action, "Evaluate")["run"], tmp_path, {**env, "SUITES": "", "COMMENT": "false"})
    assert code == 1
    assert "--suite" not in args
    assert "--github-comment" not in args


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's scripts are bash")
@pytest.mark.parametrize(
    ("install", "expected"),
    [("", "/runner/_actions/o/r/v1"), ("gradient-evals @ git+https://github.com/o/r@v1", None)],
)
def test_the_install_step_takes_the_actions_own_copy_unless_told(
    action: dict[str, Any], tmp_path: Path, install: str, expected: str | None
) -> None:
    (tmp_path / "bin").mkdir()
    _fake(tmp_path / "bin", "python", 0)
    env = {"INSTALL": install, "GITHUB_ACTION_PATH": "/runner/_actions/o/r/v1"}
    code, args = _run(_step(action, "Install gradient-evals")["run"], tmp_path, env)
    assert code == 0
    assert args[:3] == ["-m", "pip", "install"]
    assert args[-1] == (expected or install)
