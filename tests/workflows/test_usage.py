"""Tokens, cost and wall time of a run: counts parsed as the API sends them, prices per agent, bad tables refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gradient_evals import GradientEvalsError
from gradient_evals._convert import structure
from gradient_evals.types import EvaluationPrompt, EvaluationRun
from gradient_evals.workflows.usage import PricingError, cost_of, pricing_from, token_usage, wall_time
from gradient_evals.workflows.usage_results import Price


def _prompts(*pairs: tuple[object, object]) -> list[EvaluationPrompt]:
    # Through the converter, as a results page arrives: counts are strings in the JSON.
    raw = [{"prompt_id": i, "input_tokens": a, "output_tokens": b} for i, (a, b) in enumerate(pairs)]
    return [structure({k: v for k, v in r.items() if v is not None}, EvaluationPrompt) for r in raw]


def test_tokens_are_summed_and_missing_or_malformed_counts_counted_apart() -> None:
    usage = token_usage(_prompts(("120", "30"), ("80", None), ("lots", "10"), (None, "-")))
    assert (usage.prompts, usage.input_total, usage.output_total) == (4, 200, 40)
    assert (usage.input_counted, usage.output_counted) == (2, 2)
    assert (usage.input_missing, usage.output_missing, usage.input_malformed, usage.output_malformed) == (1, 1, 1, 1)
    assert (usage.input_mean, usage.output_mean) == (100.0, 20.0)
    assert usage.uncounted == 4
    empty = token_usage([])
    assert (empty.input_mean, empty.output_mean) == (None, None)


def test_cost_uses_the_agents_own_price_else_the_default() -> None:
    pricing = pricing_from(
        {"input_per_million": 1.0, "output_per_million": 4.0, "agents": {"big-bot": {"output_per_million": 20.0}}}
    )
    usage = token_usage(_prompts(("1000000", "500000")))
    default = cost_of(usage, pricing, ["uuid-1", "small-bot"])
    assert default is not None
    assert (default.input_cost, default.output_cost, default.total) == (1.0, 2.0, 3.0)
    own = cost_of(usage, pricing, ["uuid-2", "big-bot"])
    assert own is not None
    assert own.price == Price(input_per_million=1.0, output_per_million=20.0)  # input inherited from the default
    assert own.total == 11.0
    assert cost_of(usage, None, ["big-bot"]) is None
    only_agents = pricing_from({"agents": {"big-bot": {"input_per_million": 2, "output_per_million": 2}}})
    assert cost_of(usage, only_agents, ["small-bot"]) is None


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"input_per_million": -1}, "pricing.input_per_million"),
        ({"input_per_million": "cheap"}, "pricing.input_per_million"),
        ({"inputs_per_million": 1}, "pricing.inputs_per_million"),
        ({"agents": {"bot": {"output_per_million": -0.5}}}, "pricing.agents.bot.output_per_million"),
        ({"agents": {"bot": 3}}, "pricing.agents.bot"),
        ({"agents": []}, "pricing.agents"),
    ],
)
def test_bad_price_tables_name_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(PricingError) as caught:
        pricing_from(table)
    assert caught.value.key == key
    assert isinstance(caught.value, GradientEvalsError)


def test_wall_time_is_queued_to_finished() -> None:
    queued = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    run = EvaluationRun(queued_at=queued, finished_at=datetime(2026, 1, 1, 12, 1, 30, tzinfo=UTC))
    assert wall_time(run) == 90.0
    assert wall_time(EvaluationRun(queued_at=queued)) is None
    assert wall_time(EvaluationRun(queued_at=queued, finished_at=datetime(2025, 1, 1, tzinfo=UTC))) is None
    assert wall_time(None) is None
