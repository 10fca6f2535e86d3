"""``gradient-evals demo`` and ``emulator``, in process and as processes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer


def test_demo_in_process_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["demo", "--prompts", "60", "--duration", "0.5", "--output", str(tmp_path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    report = json.loads(out)
    assert len(report["runs"]) == 2
    assert [e["prompts"] for e in report["exports"]] == [60, 60]
    for export in report["exports"]:
        assert len(Path(export["path"]).read_text(encoding="utf-8").splitlines()) == 60
    assert "SUCCESSFUL" in err


def test_python_m_demo(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gradient_evals",
            "demo",
            "--prompts",
            "200",
            "--duration",
            "1",
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DIGITALOCEAN_ACCESS_TOKEN": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "\r" not in done.stderr
    assert "SUCCESSFUL" in done.stdout
    assert "PASS RATE" in done.stdout
    assert "streamed 200 prompt results in 2 pages" in done.stdout
    exports = sorted(tmp_path.glob("*.jsonl"))
    assert len(exports) == 2
    assert str(tmp_path) in done.stdout


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
        assert set(line) == {"base_url", "token", "test_case_uuid", "evaluation_run_uuids"}
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
