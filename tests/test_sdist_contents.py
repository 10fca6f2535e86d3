"""The source archive holds what the README links to and what the tests run from.

``nox -s package`` builds the archive and lists it; this test keeps the build configuration honest without
building: every relative link in the README and every file the test suite needs is covered by the sdist's
``include`` list and not by its ``exclude`` list.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _sdist_config() -> tuple[list[str], list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    sdist = config["tool"]["hatch"]["build"]["targets"]["sdist"]
    return list(sdist["include"]), list(sdist.get("exclude", []))


def _covered(path: str, patterns: list[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in patterns)


def _readme_links() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return sorted({m.group(1) for m in _LINK.finditer(text) if "://" not in m.group(1)})


def test_the_readme_has_relative_links() -> None:
    assert "CONTRIBUTING.md" in _readme_links()


@pytest.mark.parametrize("path", _readme_links())
def test_every_file_the_readme_links_to_is_in_the_sdist(path: str) -> None:
    include, exclude = _sdist_config()
    assert (ROOT / path).exists(), f"the README links to {path}, which does not exist"
    assert _covered(path, include), f"the README links to {path}, which the sdist leaves out"
    assert not _covered(path, exclude), f"the README links to {path}, which the sdist excludes"


@pytest.mark.parametrize(
    "path", ["noxfile.py", "tests/conftest.py", "CONTRIBUTING.md", "CHANGELOG.md", "docs", "mkdocs.yml", "examples"]
)
def test_what_the_tests_and_docs_need_is_in_the_sdist(path: str) -> None:
    include, exclude = _sdist_config()
    assert (ROOT / path).exists(), path
    assert _covered(path, include), f"the sdist leaves out {path}"
    assert not _covered(path, exclude), path
