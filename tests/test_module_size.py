"""Every module of the package stays under 400 lines: past that, a module holds more than one idea, and is split
where a reader would split it (CONTRIBUTING.md, "The layout")."""

from __future__ import annotations

from pathlib import Path

import gradient_evals

ROOT = Path(gradient_evals.__file__).parent
LIMIT = 400


def test_no_module_reaches_400_lines() -> None:
    sizes = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in sorted(ROOT.rglob("*.py"))}
    assert len(sizes) > 50
    too_long = {str(path.relative_to(ROOT.parent)): n for path, n in sizes.items() if n >= LIMIT}
    assert not too_long, f"modules of {LIMIT} lines or more: {too_long}"
