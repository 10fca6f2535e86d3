"""The coverage gate holds lines and branches each to its own floor, and says which one a suite misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coverage_gate import main, shortfalls


def _totals(lines: tuple[int, int], branches: tuple[int, int]) -> dict[str, int]:
    return {
        "covered_lines": lines[0],
        "num_statements": lines[1],
        "covered_branches": branches[0],
        "num_branches": branches[1],
    }


def test_both_at_their_floors_pass() -> None:
    missed, summary = shortfalls(_totals((950, 1000), (880, 1000)))
    assert missed == []
    assert summary == "lines 95.00% (floor 95%, 950 of 1000), branches 88.00% (floor 88%, 880 of 1000)"


def test_branches_under_their_floor_fail_though_the_mixed_figure_passes() -> None:
    # 990 + 870 of 2000 is 93%, over a mixed floor; the branches alone are under theirs.
    missed, _ = shortfalls(_totals((990, 1000), (870, 1000)))
    assert missed == [
        "branches coverage 87.00% is 1.00 points under its floor of 88% (870 of 1000; 10 more to reach it)"
    ]


def test_lines_under_their_floor_fail_and_name_the_shortfall() -> None:
    missed, _ = shortfalls(_totals((9499, 10000), (1000, 1000)))
    assert missed == ["lines coverage 94.99% is 0.01 points under its floor of 95% (9499 of 10000; 1 more to reach it)"]


def test_both_under_are_both_named() -> None:
    missed, _ = shortfalls(_totals((0, 10), (0, 10)))
    assert [sentence.split()[0] for sentence in missed] == ["lines", "branches"]


def test_nothing_to_measure_is_not_a_shortfall() -> None:
    assert shortfalls(_totals((0, 0), (0, 0)))[0] == []


@pytest.mark.parametrize(
    ("lines", "status"),
    [((96, 100), 0), ((94, 100), 1)],
)
def test_the_command_exits_1_on_a_shortfall_and_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: tuple[int, int], status: int
) -> None:
    report = tmp_path / "coverage.json"
    report.write_text(json.dumps({"totals": _totals(lines, (90, 100))}), encoding="utf-8")
    assert main([str(report)]) == status
    out, err = capsys.readouterr()
    assert out.startswith(f"coverage: lines {lines[0]:.2f}%")
    assert ("coverage gate failed: lines coverage 94.00%" in err) is bool(status)


def test_the_command_wants_one_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
