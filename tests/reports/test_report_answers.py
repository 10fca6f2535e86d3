"""The answers behind each failure: matched with the baseline, ranked by impact, escaped in every report, bounded."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import anyio
import attrs
import pytest

from gradient_evals.reports._answers import MARKDOWN_ANSWERS, MARKDOWN_BUDGET
from gradient_evals.reports._diff import DIFF_LIMIT, DIFF_WORK, Segment, word_diff
from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.reports.suites import render_suites_markdown
from gradient_evals.results import EvaluationReport
from gradient_evals.types import EvaluationPrompt, MetricResult, MetricValueType
from gradient_evals.workflows.explain import explained_prompts
from gradient_evals.workflows.report import GateSettings, build_agent_result, build_report

HOSTILE = "<script>alert(1)</script> **bold** | [x](http://evil.example) </details> \x1b[2J\u202e\ud800"


def _prompt(kit: SimpleNamespace, pid: int, value: float, output: str, reasoning: str = "ok") -> EvaluationPrompt:
    result = MetricResult(
        metric_name="correctness",
        metric_value_type=MetricValueType.NUMBER,
        number_value=value,
        reasoning=reasoning,
    )
    return EvaluationPrompt(
        prompt_id=pid,
        input=f"question {pid}",
        output=output,
        ground_truth="truth",
        prompt_level_metric_results=(result,),
    )


async def _report(kit: SimpleNamespace, *, answer: str, prompts: int = 3) -> EvaluationReport:
    settings = GateSettings(fail_under={"correctness": 50.0}, max_regression={"correctness": 5.0})
    base = [_prompt(kit, i, 90.0, f"old answer {i}", "matches the truth") for i in range(1, prompts + 1)]
    # prompt 1 falls furthest; prompt 2 falls less; the others hold
    now = [_prompt(kit, 1, 10.0, answer, HOSTILE), _prompt(kit, 2, 60.0, "new answer 2")]
    now += [_prompt(kit, i, 90.0, f"old answer {i}") for i in range(3, prompts + 1)]
    the_run = kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha")
    agent = await build_agent_result(
        run_uuid=kit.uuid_of(1),
        run=the_run,
        pages=kit.pages(now),
        settings=settings,
        baseline_run_uuid=kit.uuid_of(9),
        baseline_pages=kit.pages(base),
    )
    return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])


def test_the_worst_prompts_carry_their_baseline_answers_and_reasoning(kit: SimpleNamespace) -> None:
    report = anyio.run(lambda: _report(kit, answer="a wrong answer"))
    items, left_out = explained_prompts(report)
    assert [i.prompt.prompt_id for i in items] == [1, 2], "worst first; prompt 3 held and is not explained"
    assert left_out == 0
    first = items[0].prompt
    assert first.baseline is not None
    assert first.baseline.output == "old answer 1"
    assert first.baseline.reasoning == {"correctness": "matches the truth"}
    assert first.reasoning == {"correctness": HOSTILE}
    held = report.agents[0].prompts[2]
    assert held.baseline is None, "a prompt that passed and held keeps no baseline copy"
    assert explained_prompts(report, 1) == (items[:1], 1)
    page = render_html(report, answers=1)
    assert "1 more prompts failed, errored or regressed and are left out" in page
    with pytest.raises(ValueError, match="answers"):
        render_html(report, answers=-1)


def test_answers_and_reasoning_are_escaped_in_every_report(kit: SimpleNamespace) -> None:
    report = anyio.run(lambda: _report(kit, answer=HOSTILE))
    page = render_html(report)
    for raw in ("<script>", "\x1b", "\u202e", "\ud800", "</details> "):
        assert raw not in page
    assert "&lt;script&gt;" in page
    page.encode("utf-8")
    markdown = render_markdown(report)
    for raw in ("<script>", "\x1b", "\u202e", "**bold**", "](http", "| [x]"):
        assert raw not in markdown
    assert markdown.count("<details>") == markdown.count("</details>") == 2, "no answer closes a block"
    blocks = markdown[markdown.index("<details>") :]
    assert "\n\n<details>" in blocks
    assert all(line.strip() for line in blocks.split("\n\n")[0].splitlines()), "no blank line inside a block"
    root = ET.fromstring(render_junit(report).encode("utf-8"))  # noqa: S314 - our own output
    output = root.find(".//testcase/system-out").text  # type: ignore[union-attr]
    assert "baseline: old answer 1" in output
    assert "\x1b" not in output


def test_huge_answers_keep_the_markdown_within_the_job_summary_limit(kit: SimpleNamespace) -> None:
    report = anyio.run(lambda: _report(kit, answer="<b>" * 400_000, prompts=40))
    markdown = render_markdown(report)
    assert len(markdown.encode("utf-8")) < 300 * 1024  # GitHub's limit is 1 MiB per step
    junit = render_junit(report)
    assert len(junit.encode("utf-8")) < 200 * 1024
    assert len(render_html(report).encode("utf-8")) < 2 * 1024 * 1024


def test_word_diff_marks_what_changed_and_rebuilds_both_answers() -> None:
    diff = word_diff("In short: restart the app now.", "Here: restart the app today, please.")
    before, after = diff.before, diff.after
    assert diff.compared
    assert "".join(s.text for s in before) == "In short: restart the app now."
    assert "".join(s.text for s in after) == "Here: restart the app today, please."
    assert [s.text.strip() for s in before if s.kind == "removed"] == ["In short:", "now."]
    assert [s.text.strip() for s in after if s.kind == "added"] == ["Here:", "today, please."]
    assert {s.kind for s in word_diff(None, "x").after} == {"added"}


def _shared_words(segments: list[Segment]) -> list[str]:
    return " ".join(s.text for s in segments if s.kind == "same").split()


def _longest_common(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal, row[0] = 0, 0
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def test_word_diff_keeps_the_most_words_both_answers_share() -> None:
    rng = random.Random(5)
    for _ in range(200):
        a = [rng.choice("abc") for _ in range(rng.randint(0, 12))]
        b = [rng.choice("abc") for _ in range(rng.randint(0, 12))]
        diff = word_diff(" ".join(a), " ".join(b))
        assert "".join(s.text for s in diff.before) == " ".join(a)
        assert "".join(s.text for s in diff.after) == " ".join(b)
        shared = _shared_words(diff.before)
        assert shared == _shared_words(diff.after)
        assert len(shared) == _longest_common(a, b), (a, b)


def _repeating(pattern: list[str], words: int) -> str:
    return " ".join(pattern[i % len(pattern)] for i in range(words))


def test_word_diff_of_long_repeating_answers_stops_at_its_budget_and_shows_both_whole() -> None:
    # Patterns that share most words at shifted places: the case that cost difflib seconds per answer.
    before = _repeating(["the", "cat", "sat", "on", "a", "mat", "and", "the", "dog"], 1500)
    after = _repeating(["a", "dog", "sat", "on", "the", "cat", "mat"], 1000)
    diff = word_diff(before, after)
    assert not diff.compared
    assert DIFF_WORK < diff.work <= DIFF_WORK + 2 * DIFF_LIMIT, "the work stops at the budget"
    assert [s.kind for s in diff.before] == [s.kind for s in diff.after] == ["same"]
    assert diff.before[0].text == before[:DIFF_LIMIT] + " \u2026"
    assert diff.after[0].text.startswith(after[:100])
    # one word repeated against two alternating: the pair difflib's matcher spent about 20 s on
    alternating = word_diff(" ".join(["yes"] * 1000), " ".join("yes" if i % 2 else "no" for i in range(1000)))
    assert not alternating.compared
    assert alternating.work <= DIFF_WORK + 2 * DIFF_LIMIT
    small = word_diff("one two three", "one two four")
    assert small.compared
    assert small.work < 20


def test_html_says_when_two_answers_are_shown_without_a_diff(kit: SimpleNamespace) -> None:
    note = "the two answers differ too much to mark word by word"
    long_answer = _repeating(["a", "dog", "sat", "on", "the", "cat", "mat"], 1000)
    report = anyio.run(lambda: _report(kit, answer=long_answer, prompts=2))
    assert note not in render_html(report), "prompt 2's short answers are marked; prompt 1's baseline is short"

    async def long_baseline() -> EvaluationReport:
        settings = GateSettings(fail_under={"correctness": 50.0}, max_regression={"correctness": 5.0})
        base = [_prompt(kit, 1, 90.0, _repeating(["the", "cat", "sat", "on", "a", "mat", "and", "dog"], 1000))]
        agent = await build_agent_result(
            run_uuid=kit.uuid_of(1),
            run=kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha"),
            pages=kit.pages([_prompt(kit, 1, 10.0, long_answer)]),
            settings=settings,
            baseline_run_uuid=kit.uuid_of(9),
            baseline_pages=kit.pages(base),
        )
        return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])

    page = render_html(anyio.run(long_baseline))
    assert page.count(note) == 1
    answers = page[page.index('id="answers"') :]
    assert "<ins>" not in answers
    assert "<del>" not in answers


@attrs.frozen
class _Suite:
    name: str
    report: EvaluationReport | None
    error: Exception | None = None


def test_six_suites_share_one_answers_budget_and_stay_under_githubs_limit(kit: SimpleNamespace) -> None:
    # Every character of these answers is written as a 5-byte character reference: the heaviest blocks there are.
    heavy = "*_`|" * 2000

    async def failing_everywhere() -> EvaluationReport:
        settings = GateSettings(fail_under={"correctness": 50.0})
        prompts = [_prompt(kit, i, 10.0, heavy, heavy) for i in range(1, 13)]
        prompts = [attrs.evolve(p, input=heavy + str(p.prompt_id), ground_truth=heavy) for p in prompts]
        agent = await build_agent_result(
            run_uuid=kit.uuid_of(1),
            run=kit.run(kit.uuid_of(1), kit.AGENT_A, "alpha"),
            pages=kit.pages(prompts),
            settings=settings,
        )
        return build_report(test_case_uuid=kit.TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])

    report = anyio.run(failing_everywhere)
    one = render_markdown(report)
    assert one.count("<details>") == MARKDOWN_ANSWERS, "one suite alone shows its worst 10"
    document = render_suites_markdown([_Suite(f"suite {n}", report) for n in range(6)])
    blocks = re.findall(r"<details>.*?</details>", document, flags=re.DOTALL)
    assert sum(len(b.encode("utf-8")) for b in blocks) <= MARKDOWN_BUDGET, "the budget is the document's"
    assert len(document.encode("utf-8")) < 1024 * 1024, "GitHub's job-summary limit per step"
    assert document.count("<details>") < 6 * MARKDOWN_ANSWERS
    assert "more prompts left out: see the HTML report or the JUnit XML." in document
