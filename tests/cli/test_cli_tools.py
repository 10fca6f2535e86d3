"""``gradient-evals demo`` and ``emulator``, in process and as processes."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from junitparser import JUnitXml

from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer


def _demo_reports(folder: Path) -> JUnitXml:
    """The three reports the demo wrote, checked; returns the JUnit XML, read by a JUnit parser."""
    assert sorted(p.name for p in folder.iterdir()) == [
        "gradient-evals.toml",
        "junit.xml",
        "report.html",
        "summary.md",
        "support-bot.csv",
    ]
    markdown = (folder / "summary.md").read_text(encoding="utf-8")
    assert "Why it failed" in markdown
    assert "correctness" in markdown
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<svg" in html
    assert "<script" not in html.lower()
    return JUnitXml.fromfile(str(folder / "junit.xml"))


def test_demo_in_process_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out_dir = tmp_path / "demo"
    code = main(["demo", "--duration", "0.3", "--output", str(out_dir), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err  # the demo's failing gate is its point: shown, not the exit code
    report = json.loads(out)
    assert not report["verdict"]["passed"]
    steady, regressed = report["agents"]
    assert steady["verdict"]["passed"], steady["verdict"]["reasons"]
    assert not regressed["verdict"]["passed"]
    failed_gates = [g for g in regressed["gates"] if not g["passed"]]
    assert {g["metric"] for g in failed_gates if g["metric"]} == {"correctness"}  # the one metric that regressed
    assert any(r.startswith("slice topic=") for r in regressed["verdict"]["reasons"])
    # Each agent is compared with its own earlier run.
    assert all(a["baseline_run_uuid"] and a["baseline_run_uuid"] != a["evaluation_run_uuid"] for a in report["agents"])
    assert steady["baseline_run_uuid"] != regressed["baseline_run_uuid"]
    assert report["dataset_reused"]  # the second evaluation uploaded nothing
    assert [e["rank"] for e in report["leaderboard"]] == [1, 2]
    assert report["leaderboard"][0]["evaluation_run_uuid"] == steady["evaluation_run_uuid"]

    junit = _demo_reports(out_dir)
    suites = list(junit)
    assert len(suites) == 2
    assert sum(suite.failures for suite in suites) >= 1
    assert suites[0].failures == 0
    assert not summary.exists()  # a demo is kept out of a CI job's summary
    # The last lines: where the reports are, and how to get them again.
    tail = err.strip().splitlines()[-10:]
    assert f"reports written to {out_dir}:" in tail
    assert any(line.strip().endswith(str(out_dir / "report.html")) for line in tail)
    assert f"reproduce: gradient-evals demo --output {out_dir} --duration 0.3" in tail
    assert tail[-1].strip().startswith(f"gradient-evals evaluate --dataset {out_dir / 'support-bot.csv'}")


def test_demo_strict_exits_as_evaluate_would(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["demo", "--duration", "0.3", "--output", str(tmp_path), "--strict"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert "FAILED" in out
    assert f"gradient-evals demo --output {tmp_path} --duration 0.3 --strict" in out


def test_demo_writes_its_evaluation_as_a_suite_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from gradient_evals.cli.commands.demo import FAIL_UNDER, MAX_REGRESSION, METRICS, TEST_CASE
    from gradient_evals.workflows.suite_config import load_config

    assert main(["demo", "--duration", "0.3", "--output", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    config = tmp_path / "gradient-evals.toml"
    assert f"gradient-evals evaluate --config {config}" in out
    (suite,) = load_config(config).suites
    assert suite.name == TEST_CASE
    assert suite.settings["dataset"] == (tmp_path / "support-bot.csv").resolve()
    assert list(suite.settings["metrics"]) == list(METRICS)
    assert suite.settings["fail_under"] == FAIL_UNDER
    assert suite.settings["max_regression"] == MAX_REGRESSION
    config.write_text("# mine\n", encoding="utf-8")
    assert main(["demo", "--duration", "0.3", "--output", str(tmp_path)]) == 0
    assert config.read_text(encoding="utf-8") == "# mine\n"  # never overwritten


def test_python_m_demo_in_the_current_directory(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gradient_evals", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "DIGITALOCEAN_ACCESS_TOKEN": "", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "\r" not in done.stderr  # not a terminal: plain lines, no redrawn progress
    assert "EVALUATION_RUN_SUCCESSFUL" in done.stderr
    folder = tmp_path / "gradient-evals-demo"
    _demo_reports(folder)
    last = done.stdout.strip().splitlines()
    assert "Evaluation of support-bot" in done.stdout
    assert f"reproduce: gradient-evals demo --output {folder}" in last
    assert "verdict: FAILED" in done.stdout


def test_emulator_subprocess_serves_until_terminated(capsys: pytest.CaptureFixture[str]) -> None:
    script = shutil.which("gradient-evals", path=os.path.dirname(sys.executable)) or shutil.which("gradient-evals")
    command = [script] if script else [sys.executable, "-m", "gradient_evals"]
    proc = subprocess.Popen(  # noqa: S603 - our own entry point and arguments
        [*command, "emulator", "--port", "0", "--runs", "2", "--prompts", "30", "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
        assert set(line) == {"base_url", "token", "test_case_uuid", "agent_uuid", "evaluation_run_uuids"}
        assert len(line["evaluation_run_uuids"]) == 2
        code = main(
            [
                "--token",
                line["token"],
                "--base-url",
                line["base_url"],
                "runs",
                "summary",
                line["evaluation_run_uuids"][0],
                "--json",
            ]
        )
        assert code == 0
        assert json.loads(capsys.readouterr().out)["summary"]["prompt_count"] == 30
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


def entry_point() -> list[str]:
    script = shutil.which("gradient-evals", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "gradient_evals"]


@pytest.mark.parametrize("fmt", ["table", "jsonl", "csv"])
def test_a_reader_that_stops_early_ends_the_output_quietly(fmt: str) -> None:
    # Far more output than a pipe holds: the writer is still writing when the reader goes away.
    with FakeGradientServer(seed=3) as server:
        run = server.add_run(prompts=3000)
        fmt_args = ["--format", fmt, "--per-page", "500"]
        proc = subprocess.Popen(  # noqa: S603 - our own entry point and arguments
            [*entry_point(), "--token", server.token, "--base-url", server.base_url, "runs", "results", run, *fmt_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # what `| head -1` does after its line
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=60)
    assert first
    assert code == 141, err
    assert err == "", "no traceback, no 'Broken pipe'"


def test_emulator_uses_the_given_token() -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own entry point and arguments
        [*entry_point(), "emulator", "--token", "dop_v1_mine", "--runs", "1", "--prompts", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = json.loads(proc.stdout.readline())
        assert line["token"] == "dop_v1_mine"
        url = f"{line['base_url']}/v2/gen-ai/evaluation_runs/{line['evaluation_run_uuids'][0]}"
        assert httpx.get(url, headers={"Authorization": "Bearer dop_v1_mine"}).status_code == 200
        assert httpx.get(url, headers={"Authorization": "Bearer dop_v1_other"}).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_emulator_on_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["emulator", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 3
    assert out == ""
    assert err.startswith(f"gradient-evals: cannot listen on 127.0.0.1:{port}: ")
    assert "file" not in err


def _as_in_a_terminal(command: list[str]) -> list[str]:
    """``command``, started with SIGINT at its default disposition, as a terminal's foreground process has it.

    A process started in the background of a non-interactive shell inherits SIGINT ignored, and Python then
    installs no KeyboardInterrupt handler; the disposition is reset here and kept across ``exec``.
    """
    reset = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
    return [sys.executable, "-c", reset, *command]


def test_emulator_exits_130_on_ctrl_c() -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own entry point and arguments
        _as_in_a_terminal([*entry_point(), "emulator", "--runs", "1", "--prompts", "3"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stderr is not None
        line = json.loads(proc.stdout.readline())  # it listens: the interrupt comes while it serves
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, err
    assert err == "gradient-evals: interrupted\n"
    with pytest.raises(httpx.ConnectError):  # and it no longer serves
        httpx.get(line["base_url"], timeout=5)


def test_emulator_env_prints_export_lines_and_closes_stdout() -> None:
    proc = subprocess.Popen(  # noqa: S603 - our own entry point and arguments
        [*entry_point(), "emulator", "--env", "--runs", "1", "--prompts", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        printed = proc.stdout.read()  # returns at the end of stdout: the emulator closed it and serves on
        assert proc.poll() is None, "still serving"
        exported: dict[str, str] = {}
        for line in printed.splitlines():
            keyword, assignment = shlex.split(line)
            assert keyword == "export"
            name, _, value = assignment.partition("=")
            exported[name] = value
        assert list(exported) == [
            "GRADIENT_BASE_URL",
            "DIGITALOCEAN_ACCESS_TOKEN",
            "GRADIENT_TEST_CASE_UUID",
            "GRADIENT_AGENT_UUID",
            "GRADIENT_RUN_UUID",
            "GRADIENT_EMULATOR_PID",
        ]
        assert int(exported["GRADIENT_EMULATOR_PID"]) == proc.pid
        headers = {"Authorization": f"Bearer {exported['DIGITALOCEAN_ACCESS_TOKEN']}"}
        base = exported["GRADIENT_BASE_URL"]
        run = httpx.get(f"{base}/v2/gen-ai/evaluation_runs/{exported['GRADIENT_RUN_UUID']}", headers=headers).json()
        assert run["evaluation_run"]["test_case_uuid"] == exported["GRADIENT_TEST_CASE_UUID"]
        assert run["evaluation_run"]["agent_uuid"] == exported["GRADIENT_AGENT_UUID"]
        proc.send_signal(signal.SIGTERM)  # what `kill "$GRADIENT_EMULATOR_PID"` sends
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _help(*argv: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def test_emulator_and_demo_help_show_only_what_they_use(capsys: pytest.CaptureFixture[str]) -> None:
    emulator = _help("emulator", capsys=capsys)
    assert "--base-url" not in emulator
    assert "$DIGITALOCEAN_ACCESS_TOKEN" not in emulator  # the emulator never reads it
    assert re.search(r"--token TOKEN +the one token the emulator accepts", emulator)
    assert re.search(r"--agent NAME=QUALITY +an agent's quality", emulator)
    assert "--env" in emulator
    assert "130  interrupted (Ctrl-C)" in emulator
    demo = _help("demo", capsys=capsys)
    assert "--token" not in demo
    assert "--base-url" not in demo
    assert "--json" in demo


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--base-url", "https://api.example.com", "emulator"], "--base-url"),
        (["--base-url", "https://api.example.com", "demo"], "--base-url"),
        (["--token", "dop_v1_x", "demo"], "--token"),
        (["demo", "--token", "dop_v1_x"], "--token"),
        (["emulator", "--base-url", "https://api.example.com"], "--base-url"),
    ],
)
def test_options_a_local_command_does_not_use_are_refused(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert named in err
    assert "dop_v1_x" not in err
    assert not (tmp_path / "gradient-evals-demo").exists(), "refused before doing anything"


def test_emulator_refuses_a_negative_latency(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--latency", "-1"]) == 2
    assert "--latency: expected zero or more seconds" in capsys.readouterr().err


@pytest.mark.parametrize(("strict", "expected"), [(False, 3), (True, 1)])
def test_demo_prints_the_verdict_before_writing_and_keeps_a_failed_gate_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, strict: bool, expected: int
) -> None:
    from gradient_evals.cli.commands import demo

    def unwritable(*args: object, **kwargs: object) -> list[tuple[str, Path]]:
        assert "FAILED" in capsys.readouterr().out  # the verdict is already out when writing starts
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(demo, "write_reports", unwritable)
    code = main(["demo", "--duration", "0.3", "--output", str(tmp_path), *(["--strict"] if strict else [])])
    _, err = capsys.readouterr()
    assert code == expected  # a failed gate stays 1 under --strict; only a passing exit code becomes 3
    assert "cannot write a report" in err
    assert "No space left on device" in err


def test_demo_refuses_an_unwritable_report_before_running(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "report.html").mkdir()  # a folder where the page should go
    code = main(["demo", "--duration", "0.3", "--output", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code in (2, 3), err
    assert "report.html" in err
    assert "emulator listening" not in out + err
