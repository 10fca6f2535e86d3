"""``pytest --gradient-evals``: one item per suite and agent, evaluated against the emulator in a pytest subprocess
(the plugin is found through the package's ``pytest11`` entry point, as it is for users)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gradient_evals.testing import FakeGradientServer

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
CSV = "query,expected_response\n" + "".join(f"Question {n}?,Answer {n}.\n" for n in range(30))
CONFIG = f"""
[defaults]
metrics = ["correctness"]
fail_under = {{ correctness = 10 }}
max_regression = {{ correctness = 15 }}
poll_interval = 0.05

[suites.faq]
dataset = "faq.csv"
agents = ["{AGENT_A}", "{AGENT_B}"]

[suites.billing]
dataset = "faq.csv"
agents = ["{AGENT_A}"]
"""


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=2, run_duration=0.2) as srv:
        yield srv


def _pytest(server: FakeGradientServer, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DIGITALOCEAN_ACCESS_TOKEN": server.token,
        "GRADIENT_BASE_URL": server.base_url,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "faq.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "gradient-evals.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n", encoding="utf-8")
    return tmp_path


def test_without_the_option_nothing_changes(server: FakeGradientServer, project: Path) -> None:
    result = _pytest(server, project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "faq[" not in result.stdout
    assert not server.requests  # nothing was sent


def test_one_item_per_suite_and_agent_and_only_the_regressed_one_fails(
    server: FakeGradientServer, project: Path
) -> None:
    for agent in (AGENT_A, AGENT_B):
        server.set_agent_profile(agent, quality=85)
    collected = _pytest(server, project, "--gradient-evals", "--collect-only")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    for item in (f"faq[{AGENT_A}]", f"faq[{AGENT_B}]", f"billing[{AGENT_A}]"):
        assert item in collected.stdout
    assert not server.requests  # collecting evaluates nothing

    first = _pytest(server, project, "--gradient-evals")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "4 passed" in first.stdout  # three suite items and the plain test

    server.set_agent_profile(AGENT_B, quality=40)
    creates_before = sum(1 for r in server.requests if r.method == "POST" and r.path.endswith("/evaluation_runs"))
    second = _pytest(server, project, "--gradient-evals", "--junitxml", "junit.xml")
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"FAILED gradient-evals.toml::faq[{AGENT_B}]" in second.stdout
    assert "correctness: got worse by" in second.stdout  # the verdict's reason is the failure text
    assert "1 failed, 3 passed" in second.stdout
    creates = sum(1 for r in server.requests if r.method == "POST" and r.path.endswith("/evaluation_runs"))
    assert creates - creates_before == 2  # each suite evaluated once, not once per item
    assert f'name="faq[{AGENT_B}]"' in (project / "junit.xml").read_text(encoding="utf-8")


def test_suite_and_keyword_selection_evaluate_only_what_is_selected(server: FakeGradientServer, project: Path) -> None:
    result = _pytest(server, project, "--gradient-evals", "--gradient-evals-suite", "billing", "-k", "billing")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    created = [r for r in server.requests if r.method == "POST" and r.path.endswith("/evaluation_runs")]
    assert len(created) == 1


def test_a_bad_config_is_a_usage_error(server: FakeGradientServer, project: Path) -> None:
    (project / "gradient-evals.toml").write_text(CONFIG.replace("fail_under", "fail_undr"), encoding="utf-8")
    result = _pytest(server, project, "--gradient-evals")
    assert result.returncode == 4  # pytest's usage error
    assert "key 'fail_undr': unknown key" in result.stderr
    assert not server.requests


@pytest.fixture
def in_process(
    server: FakeGradientServer, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """A project for pytester's in-process runs (what the plugin does is then measured with the package)."""
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", server.token)
    monkeypatch.setenv("GRADIENT_BASE_URL", server.base_url)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makefile(".csv", faq=CSV)
    pytester.makefile(".toml", **{"gradient-evals": CONFIG})
    return pytester


def test_in_process_the_items_run_and_fail_with_the_verdict(
    server: FakeGradientServer, in_process: pytest.Pytester
) -> None:
    pytester = in_process
    for agent in (AGENT_A, AGENT_B):
        server.set_agent_profile(agent, quality=85)
    assert pytester.runpytest_inprocess("--gradient-evals", "-p", "no:cacheprovider").ret == 0
    server.set_agent_profile(AGENT_B, quality=40)
    result = pytester.runpytest_inprocess("--gradient-evals", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [f"*faq[[]{AGENT_B}[]]*", "faq[[]*]: gates failed (run *)", "*correctness: got worse by*", "*worst prompts:*"]
    )
    missing = pytester.runpytest_inprocess("--gradient-evals", "--gradient-evals-config", "nope.toml")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR


def _created_runs(server: FakeGradientServer) -> list[str]:
    """The agents of every run the emulator was asked to create, one entry per run."""
    agents: list[str] = []
    for request in server.requests:
        if request.method == "POST" and request.path.endswith("/evaluation_runs"):
            agents += json.loads(request.body)["agent_uuids"]
    return agents


def test_with_xdist_each_suite_is_evaluated_once_whatever_the_number_of_workers(
    server: FakeGradientServer, project: Path
) -> None:
    for agent in (AGENT_A, AGENT_B):
        server.set_agent_profile(agent, quality=85)
    result = _pytest(server, project, "--gradient-evals", "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    assert sorted(_created_runs(server)) == sorted([AGENT_A, AGENT_B, AGENT_A])  # faq x 2 agents, billing x 1

    server.set_agent_profile(AGENT_B, quality=40)
    before = len(_created_runs(server))
    failed = _pytest(server, project, "--gradient-evals", "-n", "2", "-k", "faq")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"FAILED gradient-evals.toml::faq[{AGENT_B}]" in failed.stdout
    assert "correctness: got worse by" in failed.stdout  # the controller's verdict reaches the worker's item
    assert "1 failed, 1 passed" in failed.stdout
    assert len(_created_runs(server)) - before == 2


def test_keyword_selecting_one_agent_evaluates_only_that_agent(server: FakeGradientServer, project: Path) -> None:
    result = _pytest(server, project, "--gradient-evals", "-k", f"faq and {AGENT_B[:8]}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 3 deselected" in result.stdout
    assert _created_runs(server) == [AGENT_B]


def test_pytest_counts_the_suite_items_like_any_test(server: FakeGradientServer, in_process: pytest.Pytester) -> None:
    pytester = in_process
    # testpaths leaves the config file out: with no path given, the plugin collects it all the same.
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\ntestpaths = tests\n")
    pytester.mkdir("tests").joinpath("test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")

    listed = pytester.runpytest_inprocess("--gradient-evals", "--collect-only", "-q")
    assert listed.ret == 0
    listed.stdout.fnmatch_lines([f"gradient-evals.toml::faq[[]{AGENT_A}[]]", "*4 tests collected*"])
    selected = pytester.runpytest_inprocess("--gradient-evals", "--collect-only", "-k", "billing")
    selected.stdout.fnmatch_lines(["collected 4 items / 3 deselected / 1 selected", "*<SuiteAgentItem billing*"])
    assert not server.requests  # collecting evaluates nothing

    for agent in (AGENT_A, AGENT_B):
        server.set_agent_profile(agent, quality=85)
    pytester.runpytest_inprocess("--gradient-evals").assert_outcomes(passed=4)
    server.set_agent_profile(AGENT_B, quality=40)
    regressed = pytester.runpytest_inprocess("--gradient-evals", "-p", "no:randomly")
    regressed.assert_outcomes(passed=3, failed=1)
    before = len(_created_runs(server))
    last_failed = pytester.runpytest_inprocess("--gradient-evals", "--lf")
    last_failed.stdout.fnmatch_lines(["run-last-failure: rerun previous 1 failure*"])
    # It passes now: its baseline is the latest run, the one that regressed.
    last_failed.assert_outcomes(passed=1, deselected=2)
    assert _created_runs(server)[before:] == [AGENT_B]  # --lf: faq[B] alone, evaluated alone
    named = pytester.runpytest_inprocess("--gradient-evals", "tests")  # paths given: only what they hold
    named.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest too deeply"),
        (b"[suites.faq]\nrun_name = 'caf\xe9'\n", "not UTF-8 text"),
    ],
)
def test_a_hostile_config_is_a_usage_error(pytester: pytest.Pytester, raw: bytes, message: str) -> None:
    pytester.path.joinpath("gradient-evals.toml").write_bytes(raw)
    result = pytester.runpytest_inprocess("--gradient-evals")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: *gradient-evals.toml: *{message}*"])


def test_the_suites_of_a_pyproject_are_collected_from_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".csv", faq=CSV)
    body = CONFIG.replace("[defaults]", "[tool.gradient-evals.defaults]").replace(
        "[suites.", "[tool.gradient-evals.suites."
    )
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n' + body)
    listed = pytester.runpytest_inprocess("--gradient-evals", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert listed.ret == 0
    listed.stdout.fnmatch_lines([f"pyproject.toml::billing[[]{AGENT_A}[]]", "3 tests collected*"])
