"""``gradient-evals evaluate``'s outputs: exit codes, report files, the job summary, the reproduce command."""

from __future__ import annotations

import argparse
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import anyio
import attrs
import pytest
from reports.report_pages import two_agent_report

from gradient_evals.cli import main
from gradient_evals.cli._context import Context
from gradient_evals.cli.commands.evaluate import (
    add_evaluate_options,
    exit_code_of,
    reproduce_command,
    show,
    write_reports,
)
from gradient_evals.results import EvaluationReport, Verdict
from gradient_evals.types import EvaluationRun


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    return anyio.run(two_agent_report)


def test_exit_codes_follow_the_verdict(report: EvaluationReport) -> None:
    assert exit_code_of(report) == 1
    passing = attrs.evolve(report, verdict=Verdict(passed=True))
    assert exit_code_of(passing) == 0
    failed_run = attrs.evolve(
        report.agents[1], run=EvaluationRun(status="EVALUATION_RUN_FAILED"), verdict=Verdict(passed=False)
    )
    broken = attrs.evolve(report, agents=(report.agents[0], failed_run), verdict=Verdict(passed=False))
    assert exit_code_of(broken) == 4
    # A FAILED run is never exit 0, even if every gate that could be checked passed.
    assert exit_code_of(attrs.evolve(broken, verdict=Verdict(passed=True))) == 4


def test_reports_are_written_and_the_job_summary_appended(
    report: EvaluationReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    written = write_reports(
        report,
        junit=str(tmp_path / "out" / "junit.xml"),
        markdown=str(tmp_path / "out" / "summary.md"),
        html=str(tmp_path / "out" / "report.html"),
    )
    assert [kind for kind, _ in written] == ["JUnit XML", "Markdown", "job summary", "HTML"]
    ET.parse(tmp_path / "out" / "junit.xml")  # noqa: S314 - our own output
    markdown = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown + "\n"
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list((tmp_path / "out").glob(".*partial"))


def test_no_job_summary_without_the_variable(report: EvaluationReport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert write_reports(report, junit=None, markdown=None, html=None) == []


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_evaluate_options(parser)
    return parser.parse_args(list(argv))


def test_the_reproduce_command_names_the_dataset_and_test_case_by_uuid(report: EvaluationReport) -> None:
    args = _args(
        "--dataset", "data.csv", "--test-case", "support bot", "--metric", "correctness", "--agent", "a b",
        "--fail-under", "correctness=60", "--max-regression", "correctness=5", "--slice-by", "topic",
    )  # fmt: skip
    command = reproduce_command(args, report)
    assert command.startswith(
        f"gradient-evals evaluate --dataset {report.dataset_uuid} --test-case {report.test_case_uuid} "
    )
    assert "--agent 'a b'" in command
    assert "--fail-under correctness=60 --max-regression correctness=5" in command
    assert "--baseline latest" in command
    assert "--baseline-any-version" not in command
    any_version = _args("--dataset", "d.csv", "--test-case", "t", "--baseline-any-version")
    assert reproduce_command(any_version, report).endswith(" --baseline-any-version")
    assert "--repeats" not in command
    again = reproduce_command(_args("--dataset", "data.csv", "--test-case", "t", "--repeats", "3"), report)
    assert again.endswith("--repeats 3")  # the same group size again


def test_show_prints_the_terminal_view_or_json(report: EvaluationReport) -> None:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(argparse.Namespace(json=False), out, err)
    show(ctx, report, [("HTML", Path("r.html"))])
    assert "Evaluation of support bot v2: FAILED" in out.getvalue()
    assert err.getvalue() == "HTML report: r.html\n"
    out = io.StringIO()
    show(Context(argparse.Namespace(json=True), out, io.StringIO()), report, [])
    data = json.loads(out.getvalue())
    assert data["test_case_uuid"] == report.test_case_uuid
    assert data["agents"][0]["baseline_run_uuid"] == report.agents[0].baseline_run_uuid


@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "--dataset", "d.csv", "--test-case", "t", "--threshold-pct", "101"],
        ["evaluate", "--dataset", "d.csv", "--test-case", "t", "--fail-under", "correctness"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--token", "t", *argv]) == 2
    assert "usage:" in capsys.readouterr().err


def test_a_dataset_without_a_test_case_and_no_dataset_without_a_config_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no gradient-evals.toml here
    assert main(["--token", "t", "evaluate", "--dataset", "d.csv", "--agent", "x"]) == 2
    assert "--test-case is required with --dataset" in capsys.readouterr().err
    assert main(["--token", "t", "evaluate", "--test-case", "t", "--agent", "x"]) == 2
    assert "no --dataset and no gradient-evals.toml here" in capsys.readouterr().err
