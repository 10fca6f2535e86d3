"""Checks on the answers: what 10 checks add to building one agent's result of 1,000 prompts, and what a
catastrophic regular expression costs per answer.

- **10 checks x 1,000 prompts**: one agent's result is built from the same 1,000-prompt run (fetched once from
  the emulator, its pages converted again each round, trace spans left unconverted until first read, as they
  arrive) without checks and with 10 checks (a ``json_schema``, a ``regex``, the tool checks that read the
  trace spans...). The difference is what the checks add to an evaluation. Target: at most 0.5 s.
- **a pathological regex**: ``(a+)+$`` (exponential backtracking) on 10,000 ``a`` and a ``!``, 5 such answers
  among 5 ordinary ones, with the default time budget of 0.1 s per answer: the time per stuck answer, and the
  reason those prompts fail with. Target: about the budget per answer (the budget, plus starting the next
  worker process).
"""

from __future__ import annotations

import time

import anyio
import httpx
from _harness import arguments, emit, emulator, fmt_seconds, run_rounds, series_data, table, timed

from gradient_evals import AsyncGradientEvals
from gradient_evals._convert import structure
from gradient_evals._json import loads as decode
from gradient_evals.checks import (
    DEFAULT_REGEX_TIMEOUT,
    Contains,
    ExpectedInAnswer,
    IContains,
    IsJSON,
    JSONSchema,
    MaxOutputTokens,
    MaxWords,
    NotContains,
    Regex,
    ToolCalled,
    judge_all,
)
from gradient_evals.types import EvaluationPrompt, EvaluationRun, ResultsPage
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result

PROMPTS = 1_000
TARGET_SECONDS = 0.5
CHECKS = (
    Regex(r"ORD-\d{5}"),
    JSONSchema({"type": "object", "required": ["answer", "order_id"], "properties": {"order_id": {"type": "string"}}}),
    IsJSON(),
    Contains("the"),
    NotContains(["Acme Corp", "Globex"]),
    IContains("order"),
    MaxWords(300),
    MaxOutputTokens(500),
    ToolCalled("search_docs"),
    ExpectedInAnswer(),
)


async def _raw_pages(base_url: str, token: str, run_uuid: str) -> tuple[EvaluationRun, list[bytes]]:
    async with AsyncGradientEvals(token, base_url=base_url) as client:
        run = await client.evaluation_runs.retrieve(run_uuid)
    raw = []
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for page in range(1, PROMPTS // 100 + 1):  # the pages' bytes: converted again every round
            url = f"{base_url}/v2/gen-ai/evaluation_runs/{run_uuid}/results"
            response = await http.get(url, params={"page": page, "per_page": 100})
            response.raise_for_status()
            raw.append(response.content)
    return run, raw


def _build(run: EvaluationRun, raw: list[bytes], settings: GateSettings) -> float:
    pages = [structure(decode(body), ResultsPage) for body in raw]
    assert sum(len(p.prompts) for p in pages) == PROMPTS

    async def build() -> None:
        await build_agent_result(run_uuid=str(run.evaluation_run_uuid), run=run, pages=pages, settings=settings)

    return timed(lambda: anyio.run(build))


def _pathological() -> tuple[float, str, float]:
    stuck = "a" * 10_000 + "!"
    prompts = [EvaluationPrompt(prompt_id=i, output=stuck if i % 2 else "aaaa") for i in range(10)]
    started = time.perf_counter()
    verdicts = judge_all(Regex(r"(a+)+$"), prompts)
    elapsed = time.perf_counter() - started
    reasons = {reason for ok, reason in verdicts if not ok}
    assert [ok for ok, _ in verdicts] == [i % 2 == 0 for i in range(10)], verdicts
    assert len(reasons) == 1
    ordinary_started = time.perf_counter()
    judge_all(Regex(r"(a+)+$"), [EvaluationPrompt(output="aaaa")] * 10)
    ordinary = time.perf_counter() - ordinary_started
    return elapsed / 5, reasons.pop(), ordinary


def main() -> None:
    args = arguments(__doc__ or "", rounds=5)
    with emulator(prompts=[PROMPTS]) as emu:
        run, raw = anyio.run(_raw_pages, emu.base_url, emu.token, emu.runs[PROMPTS])
    without, with_checks = GateSettings(), GateSettings(checks=CHECKS)
    series = run_rounds(
        [("no checks", lambda: _build(run, raw, without)), ("10 checks", lambda: _build(run, raw, with_checks))],
        rounds=args.rounds,
    )
    added = series["10 checks"].median - series["no checks"].median
    per_answer, reason, ordinary = _pathological()
    markdown = "\n".join(
        [
            f"One agent's result of {PROMPTS:,} prompts built without and with 10 checks (one `json_schema`, one "
            "`regex`, a tool check reading the trace spans):",
            "",
            table(list(series.values()), baseline="no checks"),
            "",
            f"- the checks add **{fmt_seconds(added)}** (target at most {TARGET_SECONDS} s: "
            f"{'met' if added <= TARGET_SECONDS else '**not met**'})",
            f"- a pathological regex (`(a+)+$` on 10,000 `a` and a `!`), budget {DEFAULT_REGEX_TIMEOUT} s: "
            f"**{fmt_seconds(per_answer)} per stuck answer** (the budget, plus starting the next worker), and the "
            f'prompt fails with "{reason}"; the same check on 10 ordinary answers takes {fmt_seconds(ordinary)}',
        ]
    )
    data = {
        **series_data(list(series.values())),
        "added_seconds": added,
        "pathological_per_answer_seconds": per_answer,
        "regex_budget_seconds": DEFAULT_REGEX_TIMEOUT,
        "ordinary_regex_batch_seconds": ordinary,
    }
    emit(args, "Checks on the answers", markdown, data)


if __name__ == "__main__":
    main()
