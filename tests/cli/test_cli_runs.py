"""``gradient-evals runs ...`` against the emulator over real sockets."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, PROMPTS, Cli, raw_mean, raw_prompts

from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer


def test_runs_get_text_and_json(cli: Cli, runs: list[str]) -> None:
    code, out, _ = cli("runs", "get", runs[0])
    assert code == 0
    assert "SUCCESSFUL" in out
    assert "correctness" in out
    code, out, _ = cli("runs", "get", runs[0], "--json")
    assert code == 0
    data = json.loads(out)
    raw = cli.server.run_json(runs[0])
    assert data["evaluation_run_uuid"] == raw["evaluation_run_uuid"]
    assert data["status"] == raw["status"]
    assert data["star_metric_result"]["number_value"] == pytest.approx(raw["star_metric_result"]["number_value"])
    # --json before the command works too
    assert cli("--json", "runs", "get", runs[0])[1] == out


def test_runs_create_prints_the_new_uuids(cli: Cli, test_case: str) -> None:
    args = ["runs", "create", "--test-case", test_case, "--agent", AGENTS[0], "--agent", AGENTS[1]]
    code, out, _ = cli(*args, "--name", "nightly")
    assert code == 0
    assert out.split() == cli.server.runs_of(test_case)
    code, out, _ = cli(*args[:4], "--deployment", "prod", "--json")
    assert code == 0
    assert json.loads(out)["evaluation_run_uuids"] == cli.server.runs_of(test_case)[2:]
    assert cli.server.created_run_count == 3
    assert cli("runs", "create", "--test-case", test_case)[0] == 2


def test_runs_create_takes_names_as_evaluate_does(cli: Cli, server: FakeGradientServer) -> None:
    test_case = server.add_test_case(name="nightly checks", prompts=5)
    bot = server.add_agent(name="support-bot")
    helper = server.add_agent(name="billing-helper")
    code, out, _ = cli(
        "runs", "create", "--test-case", "nightly checks", "--agent", "support-bot", "--agent", helper, "--json"
    )
    assert code == 0
    created = json.loads(out)["evaluation_run_uuids"]
    assert created == server.runs_of(test_case)
    assert [server.run_json(run)["agent_uuid"] for run in created] == [bot, helper]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--test-case", "no such case", "--agent", AGENTS[0]], "--test-case: no test case is called 'no such case'"),
        (["--test-case", "{case}", "--agent", "no-such-bot"], "--agent: no agent is called 'no-such-bot'"),
        (["--test-case", "{case}", "--agent", AGENTS[0], "--name", " "], "--name"),
        (["--test-case", "{case}", "--deployment", ""], "--deployment"),
    ],
)
def test_runs_create_errors_name_the_options(
    cli: Cli, server: FakeGradientServer, test_case: str, args: list[str], says: str
) -> None:
    server.add_agent(name="support-bot")
    code, _, err = cli("runs", "create", *(a.format(case=test_case) for a in args))
    assert code == 2
    assert says in err
    assert not re.search(r"test_case|agent_uuids|agents\[|run_name|agent_deployment_names", err), err
    assert server.runs_of(test_case) == []


def test_runs_create_and_wait(cli: Cli, test_case: str) -> None:
    code, out, err = cli(
        "runs", "create", "--test-case", test_case, "--agent", AGENTS[0], "--wait", "--poll-interval", "0.05"
    )
    assert code == 0
    [run_uuid] = cli.server.runs_of(test_case)
    assert run_uuid in out
    assert "SUCCESSFUL" in out
    assert f"run {run_uuid}: SUCCESSFUL" in err, "plain status lines on a non-terminal stderr"
    assert "\r" not in err


def test_runs_create_and_wait_exits_4_when_a_run_fails(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeGradientServer(run_duration=0.2, final_status="EVALUATION_RUN_FAILED") as srv:
        tc = srv.add_test_case(prompts=5)
        cli = Cli(srv, capsys)
        code, out, err = cli(
            "runs", "create", "--test-case", tc, "--agent", AGENTS[0], "--wait", "--poll-interval", "0.05"
        )
    assert code == 4
    assert "FAILED" in out
    assert err.splitlines()[-1].startswith("gradient-evals: run failed:")


def test_runs_wait(cli: Cli, runs: list[str]) -> None:
    code, out, _ = cli("runs", "wait", runs[0], "--poll-interval", "0.05")
    assert code == 0
    assert out.strip() == f"{runs[0]}: SUCCESSFUL"

    frozen = cli.server.add_run(prompts=3, status="EVALUATION_RUN_RUNNING_DATASET")
    code, _, err = cli("runs", "wait", frozen, "--timeout", "0.3", "--poll-interval", "0.05")
    assert code == 4
    assert err.splitlines()[-1].startswith("gradient-evals: timed out:")

    failed = cli.server.add_run(prompts=3, status="EVALUATION_RUN_CANCELLED", error_description="stopped by user")
    code, out, err = cli("runs", "wait", failed, "--json")
    assert code == 4
    assert json.loads(out)["run"]["status"] == "EVALUATION_RUN_CANCELLED"
    assert err.splitlines()[-1] == f"gradient-evals: run failed: {failed} ended CANCELLED: stopped by user"


def test_runs_wait_quality_gate(cli: Cli, runs: list[str]) -> None:
    mean = raw_mean(raw_prompts(cli.server, runs[0]), "correctness")
    code, out, err = cli("runs", "wait", runs[0], "--fail-under", f"correctness={mean - 1:.2f}")
    assert code == 0
    assert "correctness" in out
    code, out, err = cli("runs", "wait", runs[0], "--fail-under", f"correctness={mean + 1:.2f}", "--json")
    assert code == 1
    verdict = json.loads(out)["verdict"]
    assert verdict["passed"] is False
    line = err.splitlines()[-1]  # after the plain status line of the wait
    assert line.startswith("gradient-evals: quality gate failed: correctness: ")
    assert "is below" in line


# -- results -------------------------------------------------------------------------------------------------


def test_runs_results_jsonl_to_stdout(cli: Cli, runs: list[str]) -> None:
    code, out, err = cli("runs", "results", runs[0], "--format", "jsonl", "--per-page", "25")
    assert code == 0
    assert err == ""
    records = [json.loads(line) for line in out.splitlines()]
    raw = raw_prompts(cli.server, runs[0])
    assert [r["prompt_id"] for r in records] == [p["prompt_id"] for p in raw]
    assert [r["input"] for r in records] == [p["input"] for p in raw]
    assert [r["output_tokens"] for r in records] == [int(p["output_tokens"]) for p in raw]
    assert cli("runs", "results", runs[0], "--json")[1] == cli("runs", "results", runs[0], "--format", "jsonl")[1]


def test_runs_results_csv_to_stdout_and_file(cli: Cli, runs: list[str], tmp_path: Path) -> None:
    code, out, _ = cli("runs", "results", runs[1], "--format", "csv", "--per-page", "50")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    raw = raw_prompts(cli.server, runs[1])
    assert [int(r["prompt_id"]) for r in rows] == [p["prompt_id"] for p in raw]
    assert "metric:correctness" in rows[0]

    target = tmp_path / "out.csv"
    code, out, _ = cli("runs", "results", runs[1], "--format", "csv", "--output", str(target), "--per-page", "50")
    assert code == 0
    assert out.strip() == f"wrote {PROMPTS} prompts to {target}"
    assert (
        target.read_text(encoding="utf-8").replace("\r\n", "\n")
        == cli("runs", "results", runs[1], "--format", "csv", "--per-page", "50")[1]
    )


def test_runs_results_table(cli: Cli, runs: list[str]) -> None:
    code, out, _ = cli("runs", "results", runs[0], "--per-page", "40")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["PROMPT", "CONTEXT_ADHERENCE", "CORRECTNESS", "TONE"]
    assert len(lines) == PROMPTS + 2, "one header for the whole stream"
    assert str(raw_prompts(cli.server, runs[0])[-1]["prompt_id"]) in lines[-1]
    assert cli("runs", "results", runs[0], "--output", "x.txt")[0] == 2


def test_download_progress_only_on_a_terminal(cli: Cli, runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--token", cli.server.token, "--base-url", cli.server.base_url, "runs", "summary", runs[0]]) == 0
    drawn = re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue())  # without rich's colours
    assert "2/2 pages" in drawn
    assert f"{PROMPTS}/{PROMPTS} prompts" in drawn
    assert drawn.endswith("\x1b[2K"), "the progress bar is erased at the end"


def test_waiting_line_on_a_terminal(cli: Cli, test_case: str, runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    argv = ["--token", cli.server.token, "--base-url", cli.server.base_url, "runs", "create"]
    argv += ["--test-case", test_case, "--agent", AGENTS[0], "--wait", "--poll-interval", "0.05"]
    assert main(argv) == 0
    drawn = terminal.getvalue()
    assert "waiting: " in drawn
    assert "SUCCESSFUL" in drawn
    assert "run " not in drawn, "a terminal gets a live view redrawn in place, not a log"
    assert drawn.endswith("\x1b[2K"), "the live view is erased at the end"


# -- summary and compare -------------------------------------------------------------------------------------


def test_runs_summary_table_json_and_gate(cli: Cli, runs: list[str]) -> None:
    raw = raw_prompts(cli.server, runs[0])
    code, out, err = cli("runs", "summary", runs[0], "--pass-threshold", "correctness=70")
    assert code == 0
    assert err == ""
    row = next(line.split() for line in out.splitlines() if line.startswith("correctness"))
    assert float(row[3]) == pytest.approx(raw_mean(raw, "correctness"), abs=0.01)

    code, out, _ = cli("runs", "summary", runs[0], "--json", "--pass-threshold", "correctness=70")
    data = json.loads(out)["summary"]
    assert data["prompt_count"] == PROMPTS
    correctness = data["metrics"]["correctness"]
    assert correctness["mean"] == pytest.approx(raw_mean(raw, "correctness"))
    passed = sum(
        1
        for p in raw
        for m in p["prompt_level_metric_results"]
        if m["metric_name"] == "correctness" and m["number_value"] >= 70
    )
    assert correctness["passed"] == passed
    assert correctness["pass_rate"] == pytest.approx(passed / PROMPTS)

    code, _, err = cli("runs", "summary", runs[0], "--fail-under", "correctness=100", "--fail-under", "nope=1")
    assert code == 1
    [line] = err.splitlines()
    assert "correctness:" in line
    assert "nope: no such metric" in line


def test_runs_compare(cli: Cli, runs: list[str]) -> None:
    base, cand = runs
    delta = raw_mean(raw_prompts(cli.server, cand), "correctness") - raw_mean(
        raw_prompts(cli.server, base), "correctness"
    )
    worse = (base, cand) if delta < 0 else (cand, base)
    code, out, _ = cli("runs", "compare", *worse, "--regression-test", "point")
    assert code == 0, "without a gate the verdict is only reported"
    assert "verdict: FAILED" in out
    code, _, err = cli("runs", "compare", *worse, "--fail-on-regression", "--regression-test", "point")
    assert code == 1
    assert err.startswith("gradient-evals: quality gate failed: correctness: dropped by")
    allowed = f"correctness=-{abs(delta) + 0.5:.3f}"
    code, _, _ = cli("runs", "compare", *worse, "--threshold", allowed, "--regression-test", "point")
    assert code == 0
    code, out, _ = cli("runs", "compare", *worse, "--json", "--show", "3", "--min-score", "correctness=101")
    assert code == 1
    data = json.loads(out)
    assert data["metrics"]["correctness"]["delta"] == pytest.approx(-abs(delta))
    assert data["matched"] == PROMPTS
    assert len(data["regressions"]) == 3
    # The paired statistics of every metric, as the regression gates of evaluate report them.
    statistics = data["metrics"]["correctness"]["statistics"]
    assert statistics["method"] == "paired-t"
    assert statistics["n"] == PROMPTS
    assert statistics["delta"] == pytest.approx(-abs(delta))
    assert statistics["ci_low"] < statistics["delta"] < statistics["ci_high"]
    code, out, _ = cli("runs", "compare", *worse)
    assert "95% INTERVAL" in out
    assert f"{PROMPTS} paired-t" in out
    # By default a drop is decided on the paired prompts: it fails only when confidently beyond the tolerance, and
    # a drop they cannot decide passes with a note, unless a conclusive result is required.
    code, out, err = cli("runs", "compare", *worse, "--fail-on-regression")
    assert code == (1 if statistics["outcome"] == "failed" else 0), (statistics, out, err)
    if statistics["outcome"] == "inconclusive":
        assert "note: inconclusive: correctness: got worse by" in out
        code, _, err = cli("runs", "compare", *worse, "--fail-on-regression", "--require-conclusive")
        assert code == 1
        assert "a conclusive result is required" in err


# -- the output file's format --------------------------------------------------------------------------------


def test_output_format_comes_from_the_extension(cli: Cli, runs: list[str], tmp_path: Path) -> None:
    as_csv = tmp_path / "results.csv"
    code, _, _ = cli("runs", "results", runs[0], "--output", str(as_csv))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.read_text(encoding="utf-8"))))
    assert len(rows) == PROMPTS
    assert "metric:correctness" in rows[0]

    as_jsonl = tmp_path / "results.JSONL"
    code, out, _ = cli("runs", "results", runs[0], "--output", str(as_jsonl), "--json")
    assert code == 0
    assert json.loads(out)["format"] == "jsonl"
    assert len([json.loads(line) for line in as_jsonl.read_text(encoding="utf-8").splitlines()]) == PROMPTS

    code, out, _ = cli("runs", "results", runs[0], "--output", str(tmp_path / "also.csv"), "--json")
    assert code == 0
    assert json.loads(out)["format"] == "csv", "--json is about stdout, not the file's format"


@pytest.mark.parametrize(
    ("name", "fmt", "says"),
    [
        ("results.csv", "jsonl", "does not match"),
        ("results.jsonl", "csv", "does not match"),
        ("results.csv", "table", "--format table"),
        ("results.txt", None, "cannot tell the format"),
    ],
)
def test_output_format_mismatch_is_a_usage_error(
    cli: Cli, runs: list[str], tmp_path: Path, name: str, fmt: str | None, says: str
) -> None:
    target = tmp_path / name
    cli.server.clear_requests()
    code, out, err = cli("runs", "results", runs[0], "--output", str(target), *(["--format", fmt] if fmt else []))
    assert code == 2
    assert out == ""
    assert says in err
    assert err.count("\n") == 1
    assert not target.exists()
    assert cli.server.requests == [], "refused before any request"


# -- gates on unfinished runs and empty comparisons ----------------------------------------------------------


def test_summary_gate_fails_on_a_run_that_has_not_finished(cli: Cli, server: FakeGradientServer) -> None:
    running = server.add_run(prompts=10, status="EVALUATION_RUN_RUNNING_DATASET")
    code, out, err = cli("runs", "summary", running, "--fail-under", "correctness=0")
    assert code == 1
    assert "has not finished (RUNNING_DATASET)" in err
    assert "--wait" in err
    code, out, _ = cli("runs", "summary", running, "--fail-under", "correctness=0", "--json")
    assert code == 1
    verdict = json.loads(out)["verdict"]
    assert verdict["passed"] is False
    assert "has not finished" in verdict["reasons"][0]
    code, _, err = cli("runs", "summary", running)
    assert code == 0, "without a gate the partial summary is shown"
    assert "note:" in err
    assert "has not finished" in err


def test_summary_wait_gates_the_finished_run(cli: Cli, test_case: str) -> None:
    code, out, _ = cli("runs", "create", "--test-case", test_case, "--agent", AGENTS[0])
    assert code == 0
    run = out.strip()
    code, out, err = cli(
        "runs", "summary", run, "--wait", "--poll-interval", "0.05", "--fail-under", "correctness=0", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["summary"]["prompt_count"] == PROMPTS
    assert data["verdict"]["passed"] is True
    assert f"run {run}: SUCCESSFUL" in err


def test_summary_gate_on_a_failed_run_exits_4(cli: Cli, server: FakeGradientServer) -> None:
    failed = server.add_run(prompts=5, status="EVALUATION_RUN_FAILED", error_description="agent unreachable")
    code, _, err = cli("runs", "summary", failed, "--fail-under", "correctness=0")
    assert code == 4
    assert err.splitlines()[-1] == f"gradient-evals: run failed: {failed} ended FAILED: agent unreachable"


def test_compare_with_no_matched_prompt_does_not_pass_silently(cli: Cli, server: FakeGradientServer) -> None:
    empty = server.add_run(test_case_uuid=server.add_test_case(prompts=0))
    full = server.add_run(prompts=10)
    code, out, err = cli("runs", "compare", empty, full, "--fail-on-regression")
    assert code == 1
    assert "0 prompts matched" in out
    assert "verdict: FAILED" in out
    assert err.startswith("gradient-evals: quality gate failed: no prompt of")
    code, out, _ = cli("runs", "compare", empty, full, "--fail-on-regression", "--json")
    assert code == 1
    assert json.loads(out)["verdict"]["passed"] is False
    code, _, err = cli("runs", "compare", empty, full)
    assert code == 0, "without a gate it is reported only"
    assert err.startswith("gradient-evals: warning: no prompt of")


# -- worst regressions: one ranking for the table and --json --------------------------------------------------


def worst_from_table(out: str) -> list[tuple[str, int]]:
    lines = out.split("worst regressions", 1)[1].splitlines()[3:]
    rows = []
    for line in lines:
        if not line.strip():
            break
        metric, prompt = line.split()[:2]
        rows.append((metric, int(prompt)))
    return rows


def test_compare_table_and_json_list_the_same_worst_regressions(cli: Cli, runs: list[str]) -> None:
    code, out, _ = cli("runs", "compare", *runs, "--show", "6")
    assert code == 0
    table = worst_from_table(out)
    assert len(table) == 6
    code, out, _ = cli("runs", "compare", *runs, "--show", "6", "--json")
    data = json.loads(out)
    assert [(r["metric"], r["candidate_prompt_id"]) for r in data["regressions"]] == table
    assert data["regression_count"] >= 6
    code, out, _ = cli("runs", "compare", *runs, "--show", "0", "--json")
    everything = json.loads(out)["regressions"]
    assert len(everything) == data["regression_count"]
    assert [(r["metric"], r["candidate_prompt_id"]) for r in everything[:6]] == table


def test_worst_regressions_are_ranked_across_scales() -> None:
    from gradient_evals.cli._views import worst_regressions
    from gradient_evals.results import (
        MetricComparison,
        MetricSummary,
        PromptRegression,
        RunComparison,
        RunSummary,
        Verdict,
    )

    def summary(name: str, low: float, high: float) -> MetricSummary:
        return MetricSummary(name=name, count=10, min=low, max=high, mean=(low + high) / 2)

    def regression(metric: str, prompt: int, base: float, cand: float) -> PromptRegression:
        return PromptRegression(
            metric=metric,
            base_prompt_id=prompt,
            candidate_prompt_id=prompt,
            input=None,
            base_value=base,
            candidate_value=cand,
        )

    metrics = {
        name: MetricComparison(name=name, base=summary(name, 0, top), candidate=summary(name, 0, top))
        for name, top in (("grounded", 1), ("score", 100))
    }
    regressions = (regression("grounded", 1, 1.0, 0.0), regression("score", 2, 90, 80), regression("score", 3, 90, 30))
    result = RunComparison(
        base=RunSummary(evaluation_run_uuid="b"),
        candidate=RunSummary(evaluation_run_uuid="c"),
        matched=3,
        unmatched_base=0,
        unmatched_candidate=0,
        metrics=metrics,
        regressions=regressions,
        verdict=Verdict(passed=False),
    )
    ranked = worst_regressions(result)
    assert [r.candidate_prompt_id for r in ranked] == [1, 3, 2], "a 0-1 metric falling from 1 to 0 ranks first"
    assert worst_regressions(result, 2) == ranked[:2]


def test_compare_gate_fails_when_a_run_has_not_finished(cli: Cli, server: FakeGradientServer, test_case: str) -> None:
    base = server.add_run(test_case_uuid=test_case)
    running = server.add_run(test_case_uuid=test_case, status="EVALUATION_RUN_RUNNING_DATASET")
    code, _, err = cli("runs", "compare", base, running, "--min-score", "correctness=0")
    assert code == 1
    assert "has not finished (RUNNING_DATASET)" in err
    code, _, err = cli("runs", "compare", base, running)
    assert code == 0, "without a gate the partial comparison is shown"
    assert "warning:" in err
    assert "has not finished" in err
