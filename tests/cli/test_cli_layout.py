"""The command line's modules stay layered, small, and registered: adding a command is one module and one line."""

from __future__ import annotations

import argparse
import ast
import importlib
from pathlib import Path

import pytest

from gradient_evals.cli import commands
from gradient_evals.cli._app import build_parser

CLI = Path(commands.__file__).resolve().parent.parent
LAYERS = ["_render", "_views", "_context", "_args", "_settings_flags", "_flags", "commands", "_app", "__init__"]
"""Each layer imports only layers before it (the package's docstring says the same)."""


def layer_of(path: Path) -> str:
    relative = path.relative_to(CLI)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def cli_imports(path: Path) -> set[str]:
    """The layers of the cli package a module imports (relative imports only: the package never names itself)."""
    package_depth = len(path.relative_to(CLI).parts) - 1
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            up = node.level - 1  # levels above the module's own package
            if up > package_depth:
                continue  # gradient_evals itself, outside the cli
            module = (node.module or "").split(".")[0]
            if up == package_depth:  # relative to the cli package
                targets = [module] if module else [alias.name for alias in node.names]
                found.update(targets)
            else:  # inside commands/
                found.add("commands")
    return found


MODULES = sorted(CLI.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CLI)))
def test_each_module_imports_only_earlier_layers(path: Path) -> None:
    layer = layer_of(path)
    allowed = set(LAYERS[: LAYERS.index(layer) + 1]) if layer == "commands" else set(LAYERS[: LAYERS.index(layer)])
    assert cli_imports(path) <= allowed, f"{path.name} imports a later layer"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CLI)))
def test_each_module_is_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_every_command_module_is_registered() -> None:
    on_disk = {p.stem for p in Path(commands.__file__).parent.glob("*.py") if not p.stem.startswith("_")}
    assert set(commands.COMMAND_MODULES) == on_disk


def test_the_top_level_commands_are_those_the_modules_register_in_their_order() -> None:
    # Derived from the modules themselves, so that adding a command module needs no change here.
    expected: list[str] = []
    for name in commands.COMMAND_MODULES:
        probe = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"{commands.__name__}.{name}").register(probe)
        assert probe.choices, f"commands/{name}.py registers no command"
        expected.extend(probe.choices)
    names = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(names) == expected
    assert len(set(expected)) == len(expected), "two modules register the same command"
