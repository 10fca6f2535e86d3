from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import httpx
import pytest

from gradient_evals.testing._cli import serve_emulator

ROOT = Path(__file__).resolve().parents[2]


class _LineWriter(io.StringIO):
    """A stdout stand-in that signals when a whole line has been written."""

    def __init__(self) -> None:
        super().__init__()
        self.line_written = threading.Event()

    def flush(self) -> None:
        super().flush()
        if "\n" in self.getvalue():
            self.line_written.set()


def _check_served(info: dict[str, object], runs: int, prompts: int) -> None:
    assert set(info) == {"base_url", "token", "test_case_uuid", "agent_uuid", "evaluation_run_uuids"}
    run_uuids = info["evaluation_run_uuids"]
    assert isinstance(run_uuids, list)
    assert len(run_uuids) == runs
    headers = {"Authorization": f"Bearer {info['token']}"}
    listed = httpx.get(
        f"{info['base_url']}/v2/gen-ai/evaluation_test_cases/{info['test_case_uuid']}/evaluation_runs",
        headers=headers,
        timeout=5,
    ).json()["evaluation_runs"]
    assert {r["evaluation_run_uuid"] for r in listed} == set(run_uuids)
    results = httpx.get(
        f"{info['base_url']}/v2/gen-ai/evaluation_runs/{run_uuids[0]}/results", headers=headers, timeout=5
    ).json()
    assert results["meta"]["total"] == prompts
    assert results["evaluation_run"]["status"] == "EVALUATION_RUN_SUCCESSFUL"


def test_serve_emulator_in_a_thread() -> None:
    out = _LineWriter()
    stop = threading.Event()
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(serve_emulator(runs=3, prompts=42, seed=4, stdout=out, stop=stop)),
        daemon=True,
    )
    thread.start()
    try:
        assert out.line_written.wait(10)
        lines = out.getvalue().splitlines()
        assert len(lines) == 1
        _check_served(json.loads(lines[0]), runs=3, prompts=42)
    finally:
        stop.set()
        thread.join(10)
    assert codes == [0]


def test_serve_emulator_subprocess_stops_on_sigterm() -> None:
    code = (
        "import sys\n"
        "from gradient_evals.testing._cli import serve_emulator\n"
        "raise SystemExit(serve_emulator(runs=2, prompts=15, stdout=sys.stdout))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(  # noqa: S603 - runs this interpreter on a fixed snippet
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.endswith("\n"), proc.stderr.read() if proc.stderr else ""
        _check_served(json.loads(line), runs=2, prompts=15)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_pytest_plugin_fixtures(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\n"
        "asyncio_default_fixture_loop_scope = function\n"
        "filterwarnings =\n    error::pytest.PytestUnraisableExceptionWarning\n    error::ResourceWarning\n"
    )
    (tmp_path / "conftest.py").write_text(
        'import pytest\n\npytest_plugins = ["gradient_evals.testing.pytest_plugin"]\n\n\n'
        "@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n"
    )
    (tmp_path / "test_uses_plugin.py").write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest

            from gradient_evals.testing import FakeGradientServer


            def test_server(gradient_server):
                assert isinstance(gradient_server, FakeGradientServer)
                assert gradient_server.latency == 0.0
                run = gradient_server.add_run(prompts=3)
                headers = {"Authorization": f"Bearer {gradient_server.token}"}
                resp = httpx.get(gradient_server.url_for(f"/v2/gen-ai/evaluation_runs/{run}"), headers=headers)
                assert resp.status_code == 200


            def test_sync_client(gradient_client, gradient_server):
                run = gradient_server.add_run(prompts=3)
                assert gradient_client.evaluation_runs.retrieve(run).evaluation_run_uuid == run


            def test_sync_client_retries_injected_faults_without_pausing(gradient_client, gradient_server):
                from gradient_evals.testing import Fault

                policy = gradient_client.retry_policy
                assert (policy.initial_backoff, policy.max_backoff, policy.max_retries) == (0, 0, 2)
                run = gradient_server.add_run(prompts=3)
                gradient_server.inject(Fault.status(503), times=2)
                assert gradient_client.evaluation_runs.retrieve(run).evaluation_run_uuid == run
                assert [r.status for r in gradient_server.requests] == [503, 503, 200]


            @pytest.mark.anyio
            async def test_async_client(async_gradient_client, gradient_server):
                run = gradient_server.add_run(prompts=3)
                async with async_gradient_client as client:
                    assert (await client.evaluation_runs.retrieve(run)).evaluation_run_uuid == run
            """
        )
    )
    assert "4 passed" in run_pytest_on(tmp_path)


def run_pytest_on(project: Path) -> str:
    """Run this interpreter's pytest on a small project, as a user's suite would run; its output if it passed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(  # noqa: S603 - runs this interpreter's pytest on a temporary directory
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


PLUGIN_CONFTEST = """
import pytest

pytest_plugins = ["gradient_evals.testing.pytest_plugin"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""

UNENTERED_CLIENT_TESTS = """
import pytest

CLIENTS = []


@pytest.mark.anyio
async def test_uses_the_client_without_entering_it(async_gradient_client, gradient_server):
    run = gradient_server.add_run(prompts=30)
    CLIENTS.append(async_gradient_client)
    assert not async_gradient_client.is_closed
    got = [p.prompt_id async for p in async_gradient_client.evaluation_runs.iter_results(run, per_page=7)]
    assert len(got) == 30


@pytest.mark.anyio
async def test_entering_it_again_still_works(async_gradient_client, gradient_server):
    run = gradient_server.add_run(prompts=3)
    CLIENTS.append(async_gradient_client)
    async with async_gradient_client as client:
        assert (await client.evaluation_runs.retrieve(run)).evaluation_run_uuid == run


def test_every_client_was_closed_with_its_connections():
    assert len(CLIENTS) == 4  # two tests on two backends
    for client in CLIENTS:
        assert client.is_closed
        assert client._transport.http_client.is_closed
"""


def test_the_async_client_fixture_is_entered_and_closed_for_the_test(tmp_path: Path) -> None:
    """Used without ``async with``, on two backends: every client it gave is closed, connections included."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nfilterwarnings =\n    error::ResourceWarning\n    error::pytest.PytestUnraisableExceptionWarning\n"
    )
    (tmp_path / "conftest.py").write_text(textwrap.dedent(PLUGIN_CONFTEST))
    (tmp_path / "test_user_suite.py").write_text(textwrap.dedent(UNENTERED_CLIENT_TESTS))
    assert "5 passed" in run_pytest_on(tmp_path)


def test_the_plugin_says_async_tests_need_the_anyio_marker() -> None:
    from gradient_evals.testing import pytest_plugin

    assert "@pytest.mark.anyio" in (pytest_plugin.__doc__ or "")
    assert "@pytest.mark.anyio" in (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")  # the testing guide


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])  # noqa: S104
def test_serve_emulator_host_and_port(host: str) -> None:
    out = _LineWriter()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_emulator, kwargs={"host": host, "runs": 1, "prompts": 1, "stdout": out, "stop": stop}
    )
    thread.start()
    try:
        assert out.line_written.wait(10)
        info = json.loads(out.getvalue())
        assert info["base_url"].startswith("http://127.0.0.1:")
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the emulator did not stop when told"
