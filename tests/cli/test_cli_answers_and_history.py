"""Against the emulator: a regressed prompt's answers (now and at the baseline) and input in every report, the
history of a test case (``runs history``, ``list_history``, the HTML trend) and ``runs watch``."""

from __future__ import annotations

import html
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals import GradientEvals
from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer
from gradient_evals.workflows.history import HistoryRow


def _evaluate(dataset: str, tmp: Path, n: int) -> list[str]:
    return [
        "evaluate", "--dataset", dataset, "--test-case", "nightly", "--metric", "correctness",
        "--star-metric", "correctness", "--agent", AGENTS[0], "--poll-interval", "0.05",
        "--max-regression", "correctness=20", "--fail-under", "correctness=60",
        "--junit-xml", str(tmp / f"junit{n}.xml"), "--markdown", str(tmp / f"summary{n}.md"),
        "--html", str(tmp / f"report{n}.html"),
    ]  # fmt: skip


@pytest.fixture
def three_evaluations(server: FakeGradientServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same test case evaluated three times: good, good, then regressed (different, wrong answers)."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    dataset = server.add_dataset(rows=4)
    for n, quality in enumerate((95, 92, 5), start=1):
        server.set_agent_profile(AGENTS[0], quality=quality)
        code, _, err = cli(*_evaluate(dataset, tmp_path, n))
        assert code == (1 if n == 3 else 0) or (n < 3 and code == 1), err  # a noisy judge may fail a prompt
    return tmp_path


def _regressed(server: FakeGradientServer) -> tuple[str, str, str]:
    """A prompt of the third run whose correctness fell: its input, its answer now and at the second run."""
    runs = sorted(server.runs_of(server.test_case_uuids[-1]), key=lambda u: server.run_json(u)["queued_at"])
    second, third = runs[1], runs[2]
    pid = server.prompt_ids(third)[0]
    now, then = server.prompt_json(third, pid), server.prompt_json(second, pid)
    assert now["output"] != then["output"], "the emulator's regressed agent answers differently"
    return now["input"], now["output"], then["output"]


def test_a_regressed_prompts_answers_are_in_every_report(server: FakeGradientServer, three_evaluations: Path) -> None:
    text, now, then = _regressed(server)
    page = (three_evaluations / "report3.html").read_text(encoding="utf-8")
    answers = page[page.index('id="answers"') :]
    shown = html.unescape(re.sub(r"<[^>]+>", "", answers))  # the text without the diff marks
    for value in (text, now, then):
        assert value in shown
    assert "<ins>" in answers, "the word-level difference is marked"
    assert "<del>" in answers
    markdown = (three_evaluations / "summary3.md").read_text(encoding="utf-8")
    assert "### The answers behind the failures" in markdown
    assert "<details>" in markdown
    assert "answer at the baseline" in markdown
    assert len(markdown.encode("utf-8")) < 1024 * 1024
    root = ET.parse(three_evaluations / "junit3.xml").getroot()  # noqa: S314 - our own output
    # a prompt's answers: in a failed regression gate's text, and in the prompt's own case as its output
    texts = [f.text or "" for f in root.iter("failure")] + [o.text or "" for o in root.iter("system-out")]
    assert any(f"input: {text}" in m and "now: " in m and "baseline: " in m for m in texts)
    assert any(then[:60] in m for m in texts), "the baseline's answer is in the file"


def test_the_third_evaluation_charts_the_three_runs(server: FakeGradientServer, three_evaluations: Path) -> None:
    runs = server.runs_of(server.test_case_uuids[-1])
    page = (three_evaluations / "report3.html").read_text(encoding="utf-8")
    trend = page[page.index('class="trend"') :]
    trend = trend[: trend.index("</svg>")]
    assert trend.count("<circle") == 3
    for uuid in runs:
        assert uuid[:8] in trend
    assert trend.count('class="now"') == 1, "the current run is marked"
    assert "<script" not in page
    markdown = (three_evaluations / "summary3.md").read_text(encoding="utf-8")
    assert re.search(r"\d+ \u2192 \d+(\.\d+)? \u2192 \*\*\d+(\.\d+)?\*\*", markdown), "a short row of numbers"


def test_runs_history_lists_every_run_of_the_test_case(
    server: FakeGradientServer, cli: Cli, three_evaluations: Path
) -> None:
    runs = server.runs_of(server.test_case_uuids[-1])
    code, out, err = cli("runs", "history", "--test-case", "nightly", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert {row["evaluation_run_uuid"] for row in listed} == set(runs)
    finished = [row["finished_at"] for row in listed]
    assert finished == sorted(finished, reverse=True), "newest first"
    assert all("correctness" in row["metrics"] for row in listed)
    code, out, _ = cli("runs", "history", "--test-case", server.test_case_uuids[-1], "--agent", AGENTS[0])
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["RUN", "FINISHED", "AGENT"]
    assert all(uuid in out for uuid in runs)
    code, out, _ = cli("runs", "history", "--test-case", "nightly", "--limit", "1", "--json")
    assert [row["evaluation_run_uuid"] for row in json.loads(out)] == [listed[0]["evaluation_run_uuid"]]
    code, _, err = cli("runs", "history", "--test-case", "no such test case")
    assert code == 2, err
    with GradientEvals(server.token, base_url=server.base_url) as client:
        rows = client.evaluation_test_cases.list_history("nightly", agent=AGENTS[0])
    assert [type(r) for r in rows] == [HistoryRow] * 3
    assert rows[0].star_metric == "correctness"


def test_runs_watch_in_a_pipe_prints_a_line_per_change(
    server: FakeGradientServer, cli: Cli, test_case: str, runs: list[str]
) -> None:
    code, out, err = cli("runs", "watch", *runs, "--poll-interval", "0.05")
    assert code == 0, err
    lines = out.splitlines()
    assert all("\x1b" not in line for line in lines), "plain lines in a pipe"
    for uuid in runs:
        mine = [line for line in lines if uuid in line]
        assert mine
        assert "SUCCESSFUL" in mine[-1]
        assert len(mine) == len(set(mine)), "one line per change, not per poll"
    failed = server.add_run(test_case_uuid=test_case, status="EVALUATION_RUN_FAILED", error_description="boom")
    assert cli("runs", "watch", failed, "--poll-interval", "0.05")[0] == 4, "exits as runs wait does"


def test_runs_watch_on_a_terminal_draws_a_live_table(
    server: FakeGradientServer, runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    argv = ["--token", server.token, "--base-url", server.base_url, "runs", "watch", *runs, "--poll-interval", "0.05"]
    assert main(argv) == 0
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())
    assert "watching 2 runs" in drawn
    assert "prompts scored" in drawn
    assert drawn.count("SUCCESSFUL") >= 2


def test_history_and_trend_label_each_run_with_its_agent_version(
    server: FakeGradientServer, cli: Cli, three_evaluations: Path
) -> None:
    # The emulator's agent has a version per hash its runs carry, named v1, v2... in the order of the runs.
    runs = sorted(server.runs_of(server.test_case_uuids[-1]), key=lambda u: server.run_json(u)["queued_at"])
    hashes = [server.run_json(u)["agent_version_hash"] for u in runs]
    assert len(set(hashes)) == 3
    page = (three_evaluations / "report3.html").read_text(encoding="utf-8")
    trend = page[page.index('class="trend"') :]
    trend = trend[: trend.index("</svg>")]
    assert re.findall(r">(v\d)</text>", trend) == ["v1", "v2", "v3"], "oldest first, each by its version"
    assert "agent version v3" in trend, "the tooltip names the version too"
    code, out, err = cli("runs", "history", "--test-case", "nightly", "--json")
    assert code == 0, err
    labelled = {row["evaluation_run_uuid"]: row["agent_version"] for row in json.loads(out)}
    assert labelled == {u: f"v{i}" for i, u in enumerate(runs, start=1)}
    code, out, _ = cli("runs", "history", "--test-case", "nightly")
    assert "AGENT VERSION" in out.splitlines()[0]
