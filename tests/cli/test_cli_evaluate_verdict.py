"""``gradient-evals evaluate``: gates not applied on stderr, --require-baseline, report destinations checked before
anything is created, and a report that cannot be written never hides a failed verdict."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals.testing import FakeGradientServer


def _evaluate(dataset: str, *extra: str) -> list[str]:
    return [
        "evaluate", "--dataset", dataset, "--test-case", "nightly", "--metric", "correctness",
        "--agent", AGENTS[0], "--poll-interval", "0.05", "--max-regression", "correctness=1", *extra,
    ]  # fmt: skip


def _writes(server: FakeGradientServer) -> int:
    return sum(1 for r in server.requests if r.method in ("POST", "PUT", "PATCH"))


def test_a_gate_not_applied_is_said_and_require_baseline_fails_it(
    server: FakeGradientServer, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    dataset = server.add_dataset(rows=3)
    code, out, err = cli(*_evaluate(dataset))
    assert code == 0, err
    assert "gate not applied" in err
    assert "no finished run of version 1" in err
    assert (out + err).count("gate not applied") == 1, "said once on a terminal (stdout and stderr together)"
    code, out, err = cli(*_evaluate(dataset, "--metric", "tone", "--require-baseline"))
    assert code == 1, err
    assert "warning: this call made version 2" in err
    assert "a baseline is required" in out


def test_an_unwritable_report_path_exits_3_before_anything_is_created(
    server: FakeGradientServer, cli: Cli, tmp_path: Path
) -> None:
    dataset = server.add_dataset(rows=3)
    blocker = tmp_path / "some-file"
    blocker.write_text("x", encoding="utf-8")
    writes = _writes(server)
    code, _, err = cli(*_evaluate(dataset, "--junit-xml", str(blocker / "x.xml")))
    assert code == 3, err
    assert _writes(server) == writes
    assert f"cannot write {str(blocker / 'x.xml')!r}" in err, "the error names the path"
    assert "system error" not in err


def test_a_report_write_failure_keeps_the_failed_verdict(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    dataset = server.add_dataset(rows=3)
    server.set_agent_profile(AGENTS[0], quality=90)
    assert cli(*_evaluate(dataset))[0] == 0
    server.set_agent_profile(AGENTS[0], quality=10)
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    import gradient_evals.cli.commands._evaluate_output as command

    def refuse(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command, "write_text_atomically", refuse)
    code, out, err = cli(*_evaluate(dataset, "--html", str(out_dir / "r.html")))
    assert code == 1, err  # the failed gate, not 3
    assert "FAILED" in out
    assert "cannot write a report" in err


def test_a_link_planted_beside_a_report_is_not_followed(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    dataset = server.add_dataset(rows=3)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    os.symlink(victim, tmp_path / ".report.html.partial")  # the temporary name the old writer used
    code, _, err = cli(*_evaluate(dataset, "--html", str(tmp_path / "report.html")))
    assert code == 0, err
    assert victim.read_text(encoding="utf-8") == "keep"
    assert "<html" in (tmp_path / "report.html").read_text(encoding="utf-8").lower()
