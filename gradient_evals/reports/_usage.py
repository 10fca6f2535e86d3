"""What every report shows about checks on the answers and about tokens, cost and wall time, as plain strings
(each renderer escapes them its own way)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ..results import AgentResult, CheckFailure, CheckResult, EvaluationReport
from ._format import prompt_title, truncate

__all__ = [
    "CheckRow",
    "UsageRow",
    "check_failures",
    "check_rows",
    "failure_title",
    "failures_text",
    "checks_html_view",
    "usage_rows",
]

ANSWER_SHOWN = 200


@attrs.frozen(kw_only=True)
class CheckRow:
    agent: str
    metric: str
    pass_rate: str
    required: str
    passed: bool


@attrs.frozen(kw_only=True)
class UsageRow:
    agent: str
    input_tokens: str
    output_tokens: str
    cost: str
    wall_time: str


def _rate(result: CheckResult) -> str:
    rate = result.pass_rate
    return "-" if rate is None else f"{rate:.4g}% ({result.passed_count}/{result.total})"


def check_rows(report: EvaluationReport) -> list[CheckRow]:
    """One row per agent and check."""
    return [
        CheckRow(
            agent=agent.label,
            metric=result.metric,
            pass_rate=_rate(result),
            required=f"{result.required_pass_rate:g}%",
            passed=result.passed,
        )
        for agent in report.agents
        for result in agent.checks
    ]


def check_failures(report: EvaluationReport, limit: int) -> Iterator[tuple[AgentResult, CheckResult, CheckFailure]]:
    """The failing prompts of every check, at most ``limit`` per agent and check."""
    for agent in report.agents:
        for result in agent.checks:
            for failure in result.failures[:limit]:
                yield agent, result, failure


def failure_title(failure: CheckFailure, limit: int = 80) -> str:
    """The failing prompt, and with repeats the run whose answer failed: ``prompt 3: What is ... (run 5f2c...)``."""
    title = prompt_title(failure.prompt_id, failure.input, limit)
    return title if failure.evaluation_run_uuid is None else f"{title} (run {failure.evaluation_run_uuid})"


def failures_text(result: CheckResult, limit: int = 20) -> str:
    """A check's failing prompts, one block each: the prompt, why, and the answer (clipped)."""
    blocks = [
        f"{failure_title(f)}: {f.reason}\nanswer: {truncate(f.output, ANSWER_SHOWN)}" for f in result.failures[:limit]
    ]
    if len(result.failures) > limit:
        blocks.append(f"... and {len(result.failures) - limit} more prompts")
    return "\n\n".join(blocks)


def _tokens(total: int, mean: float | None, uncounted: int) -> str:
    text = f"{total:,}" + ("" if mean is None else f" (mean {mean:,.0f})")
    return text + (f", {uncounted} uncounted" if uncounted else "")


def usage_rows(report: EvaluationReport) -> list[UsageRow]:
    """One row per agent with token counts (none when no agent has any)."""
    rows = []
    for agent in report.agents:
        tokens = agent.tokens
        if tokens is None:
            continue
        cost = agent.cost
        rows.append(
            UsageRow(
                agent=agent.label,
                input_tokens=_tokens(
                    tokens.input_total, tokens.input_mean, tokens.input_missing + tokens.input_malformed
                ),
                output_tokens=_tokens(
                    tokens.output_total, tokens.output_mean, tokens.output_missing + tokens.output_malformed
                ),
                cost="-" if cost is None else f"${cost.total:.4f}",
                wall_time="-" if agent.wall_time is None else f"{agent.wall_time:.1f} s",
            )
        )
    return rows


def checks_html_view(report: EvaluationReport, failures_shown: int = 5) -> dict[str, object]:
    """What the HTML page's "checks" and "tokens and cost" sections show (plain strings: the page escapes)."""
    return {
        "checks": check_rows(report),
        "failures": [
            {
                "agent": agent.label,
                "metric": result.metric,
                "prompt": failure_title(failure, 100),
                "reason": truncate(failure.reason, ANSWER_SHOWN),
                "answer": truncate(failure.output, ANSWER_SHOWN),
            }
            for agent, result, failure in check_failures(report, failures_shown)
        ],
        "usage": usage_rows(report),
        "cost": None if report.cost is None else f"${report.cost:.4f}",
    }
