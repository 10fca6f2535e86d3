"""The coverage gate of ``nox -s tests``: the package's lines and its branches, each held to its own floor.

coverage.py's own ``fail_under`` checks one number that mixes lines and branches, so a suite could drop under
either floor while the mix stays above it. This reads the totals of ``coverage json`` and fails, naming each floor
that is missed and by how much::

    python tests/coverage_gate.py coverage.json
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LINES_AT_LEAST = 95.0
"""Percent of the package's statements the suite runs."""

BRANCHES_AT_LEAST = 88.0
"""Percent of the package's branch directions (both ways of every ``if``, loop and ``match``) the suite takes."""


def _percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def shortfalls(totals: Mapping[str, Any]) -> tuple[list[str], str]:
    """The floors ``totals`` (the ``totals`` object of ``coverage json``) misses, one sentence each, and a summary
    line of both figures."""
    lines = _percent(totals["covered_lines"], totals["num_statements"])
    branches = _percent(totals["covered_branches"], totals["num_branches"])
    missed = []
    for name, value, floor, covered, total in (
        ("lines", lines, LINES_AT_LEAST, totals["covered_lines"], totals["num_statements"]),
        ("branches", branches, BRANCHES_AT_LEAST, totals["covered_branches"], totals["num_branches"]),
    ):
        if value < floor:
            needed = math.ceil(floor * total / 100) - covered  # the fewest more to cover to reach the floor
            missed.append(
                f"{name} coverage {value:.2f}% is {floor - value:.2f} points under its floor of {floor:g}% "
                f"({covered} of {total}; {needed} more to reach it)"
            )
    summary = (
        f"lines {lines:.2f}% (floor {LINES_AT_LEAST:g}%, {totals['covered_lines']} of {totals['num_statements']}), "
        f"branches {branches:.2f}% (floor {BRANCHES_AT_LEAST:g}%, "
        f"{totals['covered_branches']} of {totals['num_branches']})"
    )
    return missed, summary


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/coverage_gate.py COVERAGE_JSON", file=sys.stderr)
        return 2
    totals = json.loads(Path(argv[0]).read_text(encoding="utf-8"))["totals"]
    missed, summary = shortfalls(totals)
    print(f"coverage: {summary}")
    for sentence in missed:
        print(f"coverage gate failed: {sentence}", file=sys.stderr)
    if missed:
        print("`coverage report` lists the missed lines and branches of each file", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
