"""What the pytest plugin does with an ``async def`` test that has no ``@pytest.mark.anyio``, as the README says.

A user's test module runs in a fresh pytest process, with and without pytest-asyncio (in its default strict
mode, which leaves unmarked tests alone), and each test's outcome is read from the report.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

USER_TESTS = """
import pytest

pytest_plugins = ["gradient_evals.testing.pytest_plugin"]


async def test_unmarked_with_the_async_client(async_gradient_client, gradient_server, anyio_backend):
    run_uuid = gradient_server.add_run(prompts=3)
    assert (await async_gradient_client.evaluation_runs.retrieve(run_uuid)).is_successful


async def test_unmarked_with_the_server_only(gradient_server):
    pass


async def test_unmarked_without_fixtures():
    pass


@pytest.mark.anyio
async def test_marked():
    pass
"""

_OUTCOME = re.compile(r"^(?P<test>test_\w+(?:\[\w+\])?) (?P<outcome>PASSED|FAILED|SKIPPED|ERROR)", re.M)


def _outcomes(folder: Path, *options: str) -> tuple[dict[str, str], str]:
    (folder / "test_user.py").write_text(USER_TESTS, encoding="utf-8")
    result = subprocess.run(  # noqa: S603 - this interpreter, running pytest on a fixed module
        [sys.executable, "-m", "pytest", "-v", "-rA", "-p", "no:cacheprovider", "-o", "addopts=", *options],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
        check=False,
    )
    report = result.stdout.replace("test_user.py::", "")
    return {m.group("test"): m.group("outcome") for m in _OUTCOME.finditer(report)}, report


@pytest.mark.parametrize(
    "options",
    [
        pytest.param([], id="with-pytest-asyncio-strict"),
        pytest.param(["-p", "no:asyncio"], id="without-pytest-asyncio"),
    ],
)
def test_what_happens_to_unmarked_async_tests(options: list[str], tmp_path: Path) -> None:
    if not options and find_spec("pytest_asyncio") is None:
        pytest.skip("pytest-asyncio is not installed here; the other case covers its absence")
    outcomes, report = _outcomes(tmp_path, *options)
    backends = ["asyncio", "trio"] if find_spec("trio") else ["asyncio"]

    # Taking async_gradient_client brings in anyio_backend, and anyio's plugin runs every test that has it:
    # the test runs, mark or not, once per backend.
    for backend in backends:
        assert outcomes[f"test_unmarked_with_the_async_client[{backend}]"] == "PASSED", report
        assert outcomes[f"test_marked[{backend}]"] == "PASSED", report

    # Without it, no plugin runs the test: pytest 8.4 and later fail it, earlier versions skip it with a warning.
    expected = "FAILED" if pytest.version_tuple >= (8, 4) else "SKIPPED"
    for name in ("test_unmarked_with_the_server_only", "test_unmarked_without_fixtures"):
        assert outcomes[name] == expected, report
    if expected == "FAILED":
        assert "async def functions are not natively supported" in report
