"""Render the HTML report of 50 failing prompts whose answers are built to make a word diff slow: time per report.

Each prompt's answer today and at the baseline are long (about the diff's 4,000 characters) and made of a few
words: patterns repeating from shifted places, words drawn at random from five, or one word repeated against two
alternating; the two share most of their words at different places, the input that made the word diff
super-linear (difflib took seconds to tens of seconds per answer, so up to half an hour per report). The
report explains its default 50 prompts, each with the two answers side by side. Measured: the whole
``render_html`` (target: under 2 s), the Markdown summary beside it, and one word diff of the hardest pair alone,
with how many of the 50 pairs were marked word by word and how many were shown whole (their diff ran out of its
budget). For scale, difflib's matcher (the diff before) is timed once on one pair. No emulator: the report is
built in memory.
"""

from __future__ import annotations

import difflib
import random
import time
from collections.abc import Callable
from typing import Any

import anyio
from _harness import Series, arguments, emit, fmt_seconds, run_rounds, series_data, table

from gradient_evals.reports._diff import DIFF_WORK, _clip, _words, word_diff
from gradient_evals.reports.html import render_html
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.results import EvaluationReport
from gradient_evals.types import EvaluationPrompt, MetricResult, MetricValueType, PageMeta, ResultsPage
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report

PROMPTS = 50
RUN, BASELINE, AGENT = (f"00000000-0000-4000-8000-{n:012d}" for n in (1, 2, 3))
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
PATTERNS = [
    ["the", "cat", "sat", "on", "a", "mat", "and", "the", "dog"],
    ["a", "dog", "sat", "on", "the", "cat", "mat"],
    ["restart", "the", "app", "then", "restart", "the", "server"],
    ["yes", "no", "yes", "yes", "no"],
]


def shifted(rng: random.Random) -> str:
    """About 4,000 characters of one of a few patterns of words, repeating from a random place."""
    pattern = PATTERNS[rng.randrange(len(PATTERNS))]
    start = rng.randrange(len(pattern))
    return " ".join(pattern[(start + i) % len(pattern)] for i in range(1200))[:4000]


def drawn(rng: random.Random) -> str:
    """2,000 words drawn from five."""
    return " ".join(rng.choice(["a", "b", "c", "d", "e"]) for _ in range(2000))


def hostile_pair(rng: random.Random, n: int) -> tuple[str, str]:
    """The baseline's answer and today's: shifted patterns, drawn words, or one word repeated against two
    alternating (the pair difflib took about 20 s over)."""
    if n % 3 == 0:
        return shifted(rng), shifted(rng)
    if n % 3 == 1:
        return drawn(rng), drawn(rng)
    return " ".join(["yes"] * 1000), " ".join("yes" if i % 2 else "no" for i in range(1000))


def prompt(pid: int, value: float, output: str) -> EvaluationPrompt:
    result = MetricResult(metric_name="correctness", metric_value_type=MetricValueType.NUMBER, number_value=value)
    return EvaluationPrompt(
        prompt_id=pid, input=f"question {pid}", output=output, prompt_level_metric_results=(result,)
    )


def page(prompts: list[EvaluationPrompt]) -> list[ResultsPage]:
    return [ResultsPage(prompts=tuple(prompts), meta=PageMeta(page=1, pages=1, total=len(prompts)))]


async def hostile_report() -> tuple[EvaluationReport, list[tuple[str, str]]]:
    rng = random.Random(29)
    pairs = [hostile_pair(rng, n) for n in range(PROMPTS)]
    settings = GateSettings(fail_under={"correctness": 50.0}, max_regression={"correctness": 5.0})
    agent = await build_agent_result(
        run_uuid=RUN,
        run=None,
        pages=page([prompt(i + 1, 10.0, now) for i, (_, now) in enumerate(pairs)]),
        settings=settings,
        baseline_run_uuid=BASELINE,
        baseline_pages=page([prompt(i + 1, 90.0, then) for i, (then, _) in enumerate(pairs)]),
    )
    report = build_report(test_case_uuid=TEST_CASE, agents=[agent], settings=settings, metrics=["correctness"])
    return report, pairs


def seconds(func: Callable[[], Any]) -> Callable[[], float]:
    def measure() -> float:
        started = time.perf_counter()
        func()
        return time.perf_counter() - started

    return measure


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=5)
    report, pairs = anyio.run(hostile_report)
    page_html = render_html(report)
    shown = page_html.count("<details")
    diffs = [word_diff(then, now) for then, now in pairs]
    whole = sum(1 for d in diffs if not d.compared)
    hardest = max(range(PROMPTS), key=lambda i: diffs[i].work)
    old, new = (" ".join(w.strip() for w in _words(_clip(text))).split() for text in pairs[2])
    started = time.perf_counter()  # the word diff before: difflib on the words of one pair, timed once
    difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    before = time.perf_counter() - started
    html_name = f"render_html, {PROMPTS} hostile answers"
    contenders = [
        (html_name, seconds(lambda: render_html(report))),
        ("render_markdown, same report", seconds(lambda: render_markdown(report))),
        ("word_diff of the hardest pair alone", seconds(lambda: word_diff(*pairs[hardest]))),
    ]
    series = run_rounds(contenders, rounds=args.rounds)
    ordered: list[Series] = list(series.values())
    html_time = series[html_name].median
    markdown = (
        f"{PROMPTS} failing prompts, each answer about 4,000 characters of a few repeating words, its baseline's "
        f"likewise ({shown} answer blocks on the page); {args.rounds} rounds after one warm-up round. "
        f"Of the {PROMPTS} pairs, {PROMPTS - whole} were marked word by word and {whole} shown whole after their "
        f"diff spent its budget of {DIFF_WORK:,} steps.\n\n"
        + table(ordered, baseline=html_name)
        + f"\n\nThe whole HTML report takes {fmt_seconds(html_time)} (target: under 2 s, "
        + ("met" if html_time < 2.0 else "**not met**")
        + f"). The word diff before (difflib's matcher) took {fmt_seconds(before)} on one of these pairs alone "
        "(a word repeated against two alternating), timed once."
    )
    emit(args, f"Rendering {PROMPTS} hostile answers (time per report)", markdown, series_data(ordered))


if __name__ == "__main__":
    main()
