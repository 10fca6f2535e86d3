"""``gradient-evals evaluate`` against the emulator: the exit codes, the progress lines and the report files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals.testing import FakeGradientServer


def _evaluate(dataset: str, *extra: str) -> list[str]:
    return [
        "evaluate", "--dataset", dataset, "--test-case", "nightly",
        "--metric", "correctness", "--metric", "hallucination_rate", "--metric", "tone",
        "--star-metric", "correctness", "--threshold-pct", "70",
        "--agent", AGENTS[0], "--agent", AGENTS[1], "--poll-interval", "0.05", *extra,
    ]  # fmt: skip


def test_gates_pass_then_a_regression_exits_1_with_reports(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    dataset = server.add_dataset(rows=30)
    for agent in AGENTS:
        server.set_agent_profile(agent, quality=85)
    code, out, err = cli(*_evaluate(dataset, "--max-regression", "correctness=5"))
    assert code == 0, err
    assert "PASSED" in out
    # Not a terminal: one plain line per step on stderr.
    assert "started 2 runs" in err
    assert "EVALUATION_RUN_SUCCESSFUL" in err

    server.set_agent_profile(AGENTS[1], quality=85, metrics={"correctness": 30})
    reports = tmp_path / "reports"
    code, out, err = cli(
        *_evaluate(dataset, "--max-regression", "correctness=5"),
        "--junit-xml", str(reports / "junit.xml"), "--markdown", str(reports / "summary.md"),
        "--html", str(reports / "report.html"),
    )  # fmt: skip
    assert code == 1, err
    assert "FAILED" in out
    assert "correctness: got worse by" in out
    root = ET.parse(reports / "junit.xml").getroot()  # noqa: S314 - our own output
    suites = root.findall("testsuite")
    assert len(suites) == 2
    assert sum(int(s.get("failures") or 0) for s in suites) >= 1
    assert "Worst regressions" in (reports / "summary.md").read_text(encoding="utf-8")
    assert "<svg" in (reports / "report.html").read_text(encoding="utf-8")
    assert f"JUnit XML report: {reports / 'junit.xml'}" in err


def test_json_output_is_the_report(server: FakeGradientServer, cli: Cli) -> None:
    code, out, _ = cli(*_evaluate(server.add_dataset(rows=5), "--baseline", "none"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["test_case_name"] == "nightly"
    assert len(data["agents"]) == 2
    assert data["verdict"]["passed"] is True
    assert data["agents"][0]["baseline_run_uuid"] is None


def test_a_failed_run_exits_4(server: FakeGradientServer, cli: Cli) -> None:
    server.set_agent_profile(AGENTS[0], final_status="EVALUATION_RUN_FAILED")
    code, out, _ = cli(*_evaluate(server.add_dataset(rows=5)))
    assert code == 4
    assert "RUN FAILED" in out


def test_a_run_past_the_deadline_exits_4(server: FakeGradientServer, cli: Cli) -> None:
    server.run_duration = 600.0
    code, out, _ = cli(*_evaluate(server.add_dataset(rows=5), "--timeout", "0.3"))
    assert code == 4
    assert "TIMED OUT" in out


def test_bad_input_exits_2_and_an_api_refusal_exits_3(server: FakeGradientServer, cli: Cli) -> None:
    code, _, err = cli(*_evaluate(server.add_dataset(rows=5), "--fail-under", "corectness=3"))
    assert code == 2
    assert "no metric is called 'corectness'" in err
    missing = "00000000-0000-4000-8000-00000000abcd"
    code, _, err = cli(*_evaluate(missing))  # a dataset the API does not know
    assert code == 3, err
    assert "API error" in err


def test_the_job_summary_is_appended(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, _, err = cli(*_evaluate(server.add_dataset(rows=5)))
    assert code == 0, err
    assert summary.read_text(encoding="utf-8").startswith("## \u2705 Evaluation of nightly v1: passed")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--max-regression", "correctness=-1"), "is a number of points a score may worsen by"),
        (("--max-regression", "correctness=nan"), "expected a finite number"),
        (("--max-regression", "correctness=inf"), "expected a finite number"),
        (("--require-conclusive",), "--require-conclusive needs a regression gate"),
        (("--regression-test", "bayes"), "invalid choice: 'bayes'"),
        (("--interval", "normal"), "invalid choice: 'normal'"),
    ],
)
def test_bad_statistics_settings_exit_2_before_anything_is_sent(
    server: FakeGradientServer, cli: Cli, extra: tuple[str, ...], message: str
) -> None:
    dataset = server.add_dataset(rows=5)
    before = server.created_run_count, len(server.test_case_uuids)
    code, _, err = cli(*_evaluate(dataset, *extra))
    assert code == 2, err
    assert message in err
    assert (server.created_run_count, len(server.test_case_uuids)) == before


def test_the_paired_statistics_are_in_the_json_report(server: FakeGradientServer, cli: Cli) -> None:
    dataset = server.add_dataset(rows=40)
    for agent in AGENTS:
        server.set_agent_profile(agent, quality=80)
    code, _, err = cli(*_evaluate(dataset, "--max-regression", "correctness=5"))
    assert code == 0, err
    server.set_agent_profile(AGENTS[1], quality=80, metrics={"correctness": 40})
    code, out, err = cli(*_evaluate(dataset, "--max-regression", "correctness=5", "--json"))
    assert code == 1, err
    steady, regressed = json.loads(out)["agents"]
    gates = {
        a: next(g for g in agent["gates"] if g["kind"] == "max_regression")
        for a, agent in (("steady", steady), ("regressed", regressed))
    }
    assert gates["regressed"]["outcome"] == "failed"
    assert gates["steady"]["outcome"] in ("passed", "inconclusive")
    statistics = gates["regressed"]["statistics"]
    assert {"method", "n", "delta", "ci_low", "ci_high", "p_value", "mde", "prompts_needed"} <= set(statistics)
    assert statistics["method"] == "paired-t"
    assert statistics["n"] == 40
    assert statistics["ci_low"] < statistics["delta"] < statistics["ci_high"] < -5
    assert statistics["prompts_needed"] is None
