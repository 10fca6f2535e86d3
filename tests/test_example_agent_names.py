"""One set of agent names across the docs, `init`, the demo and the emulator, so every example runs as written."""

from __future__ import annotations

import re
import threading
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from gradient_evals import GradientEvals
from gradient_evals.cli.commands.demo import _config_text
from gradient_evals.testing._cli import serve_emulator
from gradient_evals.testing.stores.agents import EXAMPLE_AGENT_NAMES

ROOT = Path(__file__).resolve().parent.parent
# Where an example names an agent: a suite's `agents = [...]`, `resolve("...")`, `agents get NAME`, deployments.
_NAMED = [
    re.compile(r"^\s*agents\s*=\s*\[([^\]]*)\]", re.MULTILINE),
    re.compile(r"\.resolve\(\s*\"([^\"]+)\""),
    re.compile(r"agents get (\S+)"),
    re.compile(r"agent_deployment_names=\[([^\]]*)\]"),
]


def _names_in(text: str) -> set[str]:
    found: set[str] = set()
    for pattern in _NAMED:
        for match in pattern.finditer(text):
            found |= set(re.findall(r"\"([^\"]+)\"", match.group(1))) or {match.group(1)}
    # UUIDs and placeholders are not names of example agents
    return {n for n in found if not re.fullmatch(r"[0-9a-f-]{36}|NAME.*|\$.*", n)}


def _texts() -> dict[str, str]:
    files = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md", *sorted((ROOT / "examples").iterdir())]
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files if p.is_file()}
    init = resources.files("gradient_evals.cli").joinpath("data", "init", "gradient-evals.toml")
    texts["gradient-evals init"] = init.read_text(encoding="utf-8")
    texts["gradient-evals demo"] = _config_text()
    return texts


def test_every_example_names_the_example_agents() -> None:
    named = {where: _names_in(text) for where, text in _texts().items()}
    assert named["gradient-evals init"] == set(EXAMPLE_AGENT_NAMES)
    assert named["gradient-evals demo"] == set(EXAMPLE_AGENT_NAMES)
    assert named["docs/agents.md"], "the pattern finds the Agents page's example"
    strays = {where: names - set(EXAMPLE_AGENT_NAMES) for where, names in named.items()}
    assert {where: names for where, names in strays.items() if names} == {}


def test_the_init_and_demo_configs_load_with_those_agents() -> None:
    for text in (_texts()["gradient-evals init"], _config_text()):
        suites: dict[str, Any] = tomllib.loads(text)["suites"]
        assert [s["agents"] for s in suites.values()] == [list(EXAMPLE_AGENT_NAMES)]


class _Announced:
    def __init__(self) -> None:
        self.line: dict[str, Any] = {}
        self.ready = threading.Event()

    def __call__(self, line: dict[str, Any]) -> None:
        self.line = line
        self.ready.set()


def test_the_emulator_command_serves_agents_of_those_names() -> None:
    announced, stop = _Announced(), threading.Event()
    thread = threading.Thread(
        target=serve_emulator, kwargs={"runs": 1, "prompts": 2, "stdout": None, "stop": stop, "announce": announced}
    )
    thread.start()
    try:
        assert announced.ready.wait(10)
        with GradientEvals(announced.line["token"], base_url=announced.line["base_url"]) as client:
            names = {agent.name for agent in client.agents.iter()}
            for name in EXAMPLE_AGENT_NAMES:
                client.agents.resolve(name)  # exactly one agent of each name
    finally:
        stop.set()
        thread.join(10)
    assert set(EXAMPLE_AGENT_NAMES) <= names
