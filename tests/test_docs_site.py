"""The documentation site covers what it promises: every public name in the API reference, every suite key, and a
command-line reference generated from the parser itself."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

import gradient_evals
from gradient_evals import checks, resources, testing, types
from gradient_evals.workflows.suite_config import SUITE_KEYS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
_DIRECTIVE = re.compile(r"^::: ([\w.]+)$", re.M)


def _documented() -> set[str]:
    # The reference pages, and a guide page's own "Reference" section (a resource documented where it is explained).
    pages = [p for p in DOCS.glob("**/*.md") if "_hooks" not in p.parts]
    return {m.group(1) for page in pages for m in _DIRECTIVE.finditer(page.read_text(encoding="utf-8"))}


def _covered(path: str, documented: set[str]) -> bool:
    """A name is documented by its own directive or by its module's."""
    return any(path == d or path.startswith(d + ".") for d in documented)


def _public(module: ModuleType) -> list[str]:
    return [n for n in module.__all__ if not n.startswith("_") and not isinstance(getattr(module, n), ModuleType)]


@pytest.mark.parametrize("name", _public(gradient_evals))
def test_every_top_level_name_is_in_the_api_reference(name: str) -> None:
    assert _covered(f"gradient_evals.{name}", _documented()), f"docs/reference lacks gradient_evals.{name}"


@pytest.mark.parametrize("name", _public(resources))
def test_every_resource_is_in_the_api_reference(name: str) -> None:
    module = getattr(resources, name).__module__
    assert _covered(f"{module}.{name}", _documented()), f"docs/reference lacks {module}"


@pytest.mark.parametrize("name", _public(types))
def test_every_model_is_in_the_api_reference(name: str) -> None:
    module = getattr(getattr(types, name), "__module__", "")
    paths = {f"gradient_evals.types.{name}", f"{module}.{name}"}
    assert any(_covered(path, _documented()) for path in paths), f"docs/reference lacks gradient_evals.types.{name}"


def test_the_testing_names_are_in_the_api_reference() -> None:
    for name in _public(testing):
        assert _covered(f"gradient_evals.testing.{name}", _documented()), name


def test_the_checks_are_in_the_api_reference() -> None:
    for name in _public(checks):
        assert _covered(f"gradient_evals.checks.{name}", _documented()), name


def test_the_suites_page_lists_every_key_a_suite_takes() -> None:
    page = (DOCS / "evaluate.md").read_text(encoding="utf-8")
    section = page[page.index("A suite's keys are") :]
    section = section[section.index("under the same names") : section.index("\n- **")]
    listed = set(re.findall(r"`(\w+)`", section))
    assert listed == set(SUITE_KEYS)


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference", DOCS / "_hooks" / "cli_reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_command_line_reference_is_the_parsers_help() -> None:
    from gradient_evals.cli._app import build_parser
    from gradient_evals.cli.commands import COMMAND_MODULES

    page = _hook().render()
    assert page.count("```text") > len(COMMAND_MODULES)
    for name in ("evaluate", "runs create", "datasets upload", "init", "emulator"):
        assert f"## `gradient-evals {name}`" in page
    assert "--max-regression METRIC=POINTS" in page
    assert build_parser().format_usage().split()[1] == "gradient-evals"


def test_every_page_is_in_the_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.glob("**/*.md") if "_hooks" not in p.parts]
    missing = [p for p in pages if f": {p}" not in config]
    assert missing == []
