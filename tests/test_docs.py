"""Every ``python`` code block of the README and of ``docs/*.md`` runs, as written, against the emulator.

A block may use the names a reader would have at hand (``client``, ``run_uuid``, ``test_case_uuid``...): they are
bound to objects of a fresh emulator. Blocks with top-level ``await``/``async for``/``async with`` get an
``AsyncGradientEvals`` as ``client`` and run on an event loop; the others get a ``GradientEvals``. The example
UUIDs written in the pages stand for an existing test case, agent and dataset: they are replaced by the
emulator's. The token and base URL come from the environment, as the pages say they do.

A block that cannot run here starts with a ``# not run: <why>`` comment; the reason must be said.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.agents import EXAMPLE_AGENT_NAMES

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_NOT_RUN = re.compile(r"\A# not run: (.*)")

# Example identifiers the README uses for things a reader already has.
README_TEST_CASE = "0f6a1c8e-2d3b-4c5d-8e9f-0a1b2c3d4e5f"
README_AGENT = "9b1d2c3e-4f5a-4b6c-8d7e-8f9a0b1c2d3e"
README_DATASET = "5e7a9c1b-3d2f-4e6a-8b0c-1d2e3f4a5b6c"


def _all_blocks() -> list[tuple[str, str]]:
    """(``page:line``, code) of every python block of every page."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(ROOT).as_posix()
        found += [(f"{name}:{text.count(chr(10), 0, m.start()) + 1}", m.group(1)) for m in _BLOCK.finditer(text)]
    return found


ALL_BLOCKS = _all_blocks()
BLOCKS = [(where, code) for where, code in ALL_BLOCKS if not _NOT_RUN.match(code)]


def test_the_pages_have_code_to_check() -> None:
    assert len([w for w, _ in BLOCKS if w.startswith("README.md:")]) >= 2
    assert len([w for w, _ in BLOCKS if w.startswith("docs/")]) >= 15


def test_a_block_that_is_not_run_says_why() -> None:
    for where, code in ALL_BLOCKS:
        match = _NOT_RUN.match(code)
        if match:
            assert len(match.group(1).split()) >= 3, f"{where}: say why the block cannot run"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[FakeGradientServer, dict[str, Any]]]:
    with FakeGradientServer(run_duration=0.5, latency=0.0) as server:
        monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", server.token)
        monkeypatch.setenv("GRADIENT_BASE_URL", server.base_url)
        monkeypatch.chdir(tmp_path)  # blocks that write files write them here
        test_case = server.add_test_case(prompts=30)
        names: dict[str, Any] = {
            "test_case_uuid": test_case,
            "run_uuid": server.add_run(test_case_uuid=test_case),
            "base_uuid": server.add_run(test_case_uuid=test_case, run_name="base"),
            "candidate_uuid": server.add_run(test_case_uuid=test_case, run_name="candidate"),
            "agent_a": "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b",
            "agent_b": "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c",
            "dataset_uuid": server.add_dataset(rows=10),
        }
        server.add_agent(uuid=names["agent_a"], name=EXAMPLE_AGENT_NAMES[0])  # the Agents page resolves it
        # What `gradient-evals emulator --env` exports for the examples that read ids from the environment.
        monkeypatch.setenv("GRADIENT_TEST_CASE_UUID", test_case)
        monkeypatch.setenv("GRADIENT_AGENT_UUID", names["agent_a"])
        yield server, names


def _run_as_a_test_module(code: str, folder: Path) -> None:
    """A block of tests runs as a user's test module would: with pytest and the plugin, in a fresh process."""
    module = folder / "test_docs_example.py"
    module.write_text('pytest_plugins = ["gradient_evals.testing.pytest_plugin"]\n\n' + code, encoding="utf-8")
    result = subprocess.run(  # noqa: S603 - this interpreter, running pytest on a page's own example
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", str(module)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout, result.stdout
    assert "skipped" not in result.stdout, result.stdout


def _is_async(code: str) -> bool:
    try:
        compile(code, "<docs>", "exec")
    except SyntaxError:
        return True  # only top-level await/async for/async with make a block invalid as plain Python
    return False


@pytest.mark.parametrize(("where", "code"), BLOCKS, ids=[where for where, _ in BLOCKS])
def test_block_runs(where: str, code: str, emulator: tuple[FakeGradientServer, dict[str, Any]], tmp_path: Path) -> None:
    names = emulator[1]
    test_case = names["test_case_uuid"]
    code = code.replace(README_TEST_CASE, test_case).replace(README_AGENT, names["agent_a"])
    code = code.replace(README_DATASET, names["dataset_uuid"])
    filename = where
    if re.search(r"^(async )?def test_", code, re.M):
        _run_as_a_test_module(code, tmp_path)
        return
    if not _is_async(code):
        with GradientEvals() as client:
            namespace = {"__name__": "docs_example", "client": client, **names}
            exec(compile(code, filename, "exec"), namespace)  # noqa: S102 - the pages' own examples
        return
    compiled = compile(code, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    async def run() -> None:
        async with AsyncGradientEvals() as client:
            namespace = {"__name__": "docs_example", "client": client, **names}
            result = eval(compiled, namespace)  # noqa: S307 - the pages' own examples
            if result is not None:
                await result

    anyio.run(run)
