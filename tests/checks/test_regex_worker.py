"""The regex worker's side of its line protocol, run in this process: ``ready`` once the pattern compiles, then one
``1`` or ``0`` per answer, in order, job after job on the same input. (tests/checks/test_check_kinds.py runs it
as the child process it is; here its lines are read exactly.)"""

from __future__ import annotations

import io
import json
import re

import pytest

from gradient_evals.checks import _regex_worker


def _run(monkeypatch: pytest.MonkeyPatch, *jobs: dict[str, object]) -> list[str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(job) + "\n" for job in jobs)))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    _regex_worker.main()
    return out.getvalue().splitlines()


def test_each_job_is_answered_ready_then_one_line_per_answer_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _run(
        monkeypatch,
        {"pattern": r"refund\b", "flags": 0, "texts": ["a refund", "refunded", "", "REFUND"]},
        {"pattern": r"refund\b", "flags": int(re.IGNORECASE), "texts": ["REFUND", "é refund é"]},
    )
    assert lines == ["ready", "1", "0", "0", "0", "ready", "1", "1"]


def test_a_job_without_answers_is_answered_ready_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(monkeypatch, {"pattern": "x", "flags": 0, "texts": []}) == ["ready"]


def test_a_pattern_that_does_not_compile_ends_the_worker_before_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parent reads the missing `ready` (the worker's end of output) as a broken worker.
    with pytest.raises(re.error):
        _run(monkeypatch, {"pattern": "(", "flags": 0, "texts": ["x"]})
