"""The report as JUnit XML (read back by real parsers), Markdown, HTML and terminal text, untrusted text escaped."""

from __future__ import annotations

import html.parser
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import anyio
import attrs
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import escape_markdown, render_markdown
from gradient_evals.results import EvaluationReport
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report

HOSTILE = "<script>alert('x')</script> | **bold** [link](http://evil.example) \x1b[31mred\x1b[0m \x00\u202e"


async def _hostile_report(kit: SimpleNamespace) -> EvaluationReport:
    settings = GateSettings(fail_under={"correctness": 50.0})
    the_run = kit.run(kit.uuid_of(1), kit.AGENT_A, HOSTILE)
    prompts = [kit.prompt(1, HOSTILE, {"correctness": 10.0, HOSTILE: "fail"}, output=HOSTILE)]
    agent = await build_agent_result(run_uuid=kit.uuid_of(1), run=the_run, pages=kit.pages(prompts), settings=settings)
    return build_report(
        test_case_uuid=kit.TEST_CASE,
        test_case_name=HOSTILE,
        agents=[agent],
        settings=settings,
        metrics=["correctness"],
        star_metric="correctness",
    )


@pytest.fixture(scope="module")
def hostile(kit: SimpleNamespace) -> EvaluationReport:
    return anyio.run(_hostile_report, kit)


# -- JUnit ---------------------------------------------------------------------------------------------------


def test_junit_has_a_suite_per_agent_a_case_per_gate_and_prompt(
    report: EvaluationReport, tmp_path: Path, kit: SimpleNamespace
) -> None:
    path = tmp_path / "report.xml"
    path.write_text(render_junit(report), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert [s.name for s in suites] == ["agent | <alpha>", "beta"]
    alpha, beta = suites
    cases = list(alpha)
    assert len(cases) == len(report.agents[0].gates) + 6
    assert alpha.tests == len(cases)
    gates = [c for c in cases if c.classname == "agent | <alpha>.gates"]
    assert [c.name for c in gates] == [g.name for g in report.agents[0].gates]
    failed_gates = {c.name for c in gates if any(isinstance(r, Failure) for r in c.result)}
    assert failed_gates == {
        "correctness worsens by at most 5",
        "hallucination worsens by at most 0.05",
        "no slice of topic worsens beyond the allowed change",
    }
    prompts = [c for c in cases if c.classname == "agent | <alpha>.prompts"]
    assert prompts[0].name == "prompt 1: question 1"
    # No gate counts single prompts: one under its threshold passes, with why and its answers as its output.
    assert prompts[0].result == []
    assert prompts[0].system_out.startswith("informational: ")
    assert (  # why, then the answers behind it: input, expected, now and at the baseline
        "correctness: 40 is below 60; tone: fail\ninput: question 1\nexpected: expected\n"
        "now: <b>answer</b> 0\nbaseline: an answer"
    ) in prompts[0].system_out
    assert "correctness = 40" in prompts[0].system_out
    assert "<b>answer</b> 0" in prompts[0].system_out  # the agent's output, as text
    assert prompts[5].result == []
    assert "errored: correctness: judge timed out" in prompts[5].system_out
    assert alpha.failures == 3  # the three failed gates
    assert alpha.errors == 0
    assert beta.failures == 0
    assert beta.errors == 0
    assert xml.tests == alpha.tests + beta.tests
    props = {p.name: p.value for p in alpha.properties()}
    assert props["evaluation_run_uuid"] == kit.uuid_of(1)
    assert props["baseline_run_uuid"] == kit.uuid_of(11)
    assert props["test_case_version"] == "2"


def test_junit_is_plain_xml_with_the_standard_attributes(report: EvaluationReport) -> None:
    root = ET.fromstring(render_junit(report).encode("utf-8"))  # noqa: S314 - our own output
    assert root.tag == "testsuites"
    for suite in root.findall("testsuite"):
        for attribute in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp"):
            assert suite.get(attribute) is not None, attribute
        assert float(suite.get("time") or "") == pytest.approx(42.0)
        cases = suite.findall("testcase")
        assert int(suite.get("tests") or -1) == len(cases)
        assert int(suite.get("failures") or -1) == sum(c.find("failure") is not None for c in cases)
        for case in cases:
            assert case.get("classname")
            assert case.get("name")
            assert len(list(case)) <= 1


def test_junit_strips_what_xml_cannot_carry(hostile: EvaluationReport) -> None:
    text = render_junit(hostile)
    root = ET.fromstring(text.encode("utf-8"))  # noqa: S314 - our own output; would fail on \x00 or \x1b
    assert "\x1b" not in text
    assert "\x00" not in text
    assert "\u202e" not in text
    output = root.find("testsuite/testcase/system-out")
    assert output is not None
    assert "<script>alert('x')</script>" in (output.text or "")  # kept as text, escaped in the XML
    assert "<script>" not in text


def test_junit_marks_a_failed_run_as_an_error_and_skipped_prompts_as_skipped(kit: SimpleNamespace) -> None:
    async def build() -> EvaluationReport:
        settings = GateSettings()
        failed = kit.run(kit.uuid_of(1), kit.AGENT_A, "a", status="EVALUATION_RUN_FAILED", error_description="boom")
        broken = await build_agent_result(run_uuid=kit.uuid_of(1), run=failed, pages=[], settings=settings)
        ok = kit.run(kit.uuid_of(2), kit.AGENT_A, "b")
        skipping = await build_agent_result(
            run_uuid=kit.uuid_of(2),
            run=ok,
            settings=settings,
            pages=kit.pages([kit.prompt(1, "q", {"correctness": kit.SKIPPED})]),
        )
        return build_report(test_case_uuid=kit.TEST_CASE, agents=[broken, skipping], settings=settings)

    xml = JUnitXml.fromstring(render_junit(anyio.run(build)))
    broken, skipping = list(xml)
    (status,) = list(broken)
    assert isinstance(status.result[0], Error)
    assert "FAILED: boom" in status.result[0].message
    assert broken.errors == 1
    assert isinstance(list(skipping)[1].result[0], Skipped)
    assert skipping.skipped == 1


# -- Markdown ------------------------------------------------------------------------------------------------


def test_markdown_has_the_verdict_leaderboard_deltas_and_worst_regressions(
    report: EvaluationReport, kit: SimpleNamespace
) -> None:
    text = render_markdown(report)
    assert text.startswith("## \u274c Evaluation of support bot v2: failed")
    assert f"`{kit.TEST_CASE}` v2" in text
    assert "### Leaderboard on correctness" in text
    assert re.search(r"\| 1 \| beta \| 75 \| \+5 \u2191 \| pass \|", text)
    # hallucination fell for beta (better, inverted) and rose for alpha (worse).
    assert "0.15 (-0.05 \u2191)" in text
    assert "0.22 (+0.12 \u2193)" in text
    assert "### Worst regressions" in text
    assert "Lower is better for hallucination." in text
    assert "slice topic=billing" in text.replace("\\", "")
    summary, _, answers = text.partition("### The answers behind the failures")
    assert len(summary.splitlines()) < 60  # a few dozen lines, then at most 10 answer blocks
    assert 0 < answers.count("<details>") <= 10


def test_markdown_escapes_untrusted_text(hostile: EvaluationReport) -> None:
    text = render_markdown(hostile)
    assert "<script>" not in text
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "**bold**" not in text
    assert "](http" not in text
    for line in text.splitlines():
        if line.startswith("| <"):
            raise AssertionError(line)
    # Table rows keep their column count: an escaped pipe does not split a cell.
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    counts = {len(re.findall(r"(?<!\\)\|", line)) for line in rows[:3]}
    assert len(counts) == 1
    assert escape_markdown("a|b_c") == "a\\|b\\_c"


# -- HTML ----------------------------------------------------------------------------------------------------


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs_:
            if name in ("src", "href", "xlink:href", "action") and value:
                self.urls.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_with_inline_charts(report: EvaluationReport, kit: SimpleNamespace) -> None:
    page = render_html(report)
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert "link" not in parsed.tags
    assert "img" not in parsed.tags
    assert parsed.urls == []
    assert "default-src 'none'" in page
    assert parsed.tags.count("svg") >= 3 * 2 + 2  # a histogram per metric and agent, a score chart per metric
    assert "rect" in parsed.tags
    body = " ".join(parsed.text)
    assert "Leaderboard on correctness" in body
    assert "slice" in body.lower()
    assert "billing" in body
    assert kit.uuid_of(11) in body  # the baseline
    assert "judge timed out" in body


def test_html_escapes_untrusted_text(hostile: EvaluationReport) -> None:
    page = render_html(hostile)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "\x1b" not in page
    assert "\x00" not in page
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert "b" not in parsed.tags  # the agent's "<b>" never becomes markup


def test_html_renders_a_report_without_results(report: EvaluationReport) -> None:
    empty = attrs.evolve(report, agents=(), leaderboard=())
    assert "<svg" not in render_html(empty)


# -- terminal ------------------------------------------------------------------------------------------------


def test_terminal_view_prints_markup_in_names_literally(report: EvaluationReport) -> None:
    from rich.console import Console

    from gradient_evals.reports.terminal import render_terminal

    out = io.StringIO()
    render_terminal(report, Console(file=out, width=160, color_system=None))
    text = out.getvalue()
    assert "Evaluation of support bot v2: FAILED" in text
    assert "agent | <alpha>" in text
    assert "leaderboard on correctness" in text
    assert "FAIL agent | <alpha>: correctness: got worse by" in text

    tricky = attrs.evolve(report.agents[1], agent_name="[bold red]beta[/]\x1b[2J")
    out = io.StringIO()
    render_terminal(attrs.evolve(report, agents=(tricky,)), Console(file=out, width=160, color_system=None))
    assert "[bold red]beta[/]" in out.getvalue()
    assert "\x1b" not in out.getvalue()


def _junit_of_one_agent(kit: SimpleNamespace, settings: GateSettings, values: list[object]) -> tuple[bool, JUnitXml]:
    async def build() -> EvaluationReport:
        prompts = [kit.prompt(i + 1, f"q{i + 1}", {"correctness": v}) for i, v in enumerate(values)]
        agent = await build_agent_result(
            run_uuid=kit.uuid_of(1),
            run=kit.run(kit.uuid_of(1), kit.AGENT_A, "a"),
            pages=kit.pages(prompts),
            settings=settings,
        )
        return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings)

    report = anyio.run(build)
    return report.passed, JUnitXml.fromstring(render_junit(report))


def test_a_passing_verdict_writes_no_failure_and_informational_prompts_pass(kit: SimpleNamespace) -> None:
    # the score (the mean, 70) clears the floor; prompt 1 (10) is under it and prompt 5 errored: neither is a gate
    settings = GateSettings(fail_under={"correctness": 50.0})
    passed, xml = _junit_of_one_agent(kit, settings, [10.0, 90.0, 90.0, 90.0, kit.ERROR])
    assert passed
    (suite,) = list(xml)
    assert (xml.failures, xml.errors, suite.failures, suite.errors) == (0, 0, 0, 0)
    prompts = [c for c in suite if c.classname.endswith(".prompts")]
    assert all(c.is_passed for c in prompts)
    assert "correctness: 10 is below 50" in prompts[0].system_out
    assert prompts[0].system_out.startswith("informational: ")
    assert "judge timed out" in prompts[4].system_out
    assert prompts[1].system_out is None, "a prompt with nothing to say has no output"


def test_require_complete_makes_an_errored_prompt_an_error_and_fails_the_verdict(kit: SimpleNamespace) -> None:
    settings = GateSettings(fail_under={"correctness": 50.0}, require_complete=True)
    passed, xml = _junit_of_one_agent(kit, settings, [10.0, 90.0, 90.0, 90.0, kit.ERROR])
    assert not passed
    (suite,) = list(xml)
    prompts = [c for c in suite if c.classname.endswith(".prompts")]
    assert isinstance(prompts[4].result[0], Error)
    assert prompts[0].is_passed, "under its threshold: still informational"
    gates = [c for c in suite if c.classname.endswith(".gates")]
    assert any(isinstance(r, Failure) for c in gates for r in c.result), "the completeness gate failed"
