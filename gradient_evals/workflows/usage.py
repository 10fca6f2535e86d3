"""Tokens, cost and wall time of runs: pure functions over prompts and runs (no request).

- **tokens**: each prompt's ``input_tokens`` / ``output_tokens`` (strings in the API's JSON, integers once read
  when they are decimal) are added up; a missing or malformed count is counted apart, never a crash, never a zero.
- **cost**: with a price table (``{"input_per_million": 0.5, "output_per_million": 1.5, "agents": {"bot":
  {...}}}``: dollars per million tokens, per-agent tables overriding the default), a run costs its tokens at the
  price of its agent; an agent without a price has no cost.
- **wall time**: from the run's ``queued_at`` to its ``finished_at``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

from .._exceptions import GradientEvalsError
from ..types import EvaluationPrompt, EvaluationRun
from .usage_results import Price, Pricing, RunCost, RunTokenUsage

__all__ = ["PRICE_KEYS", "PricingError", "cost_of", "pricing_from", "token_usage", "wall_time"]

PRICE_KEYS: Final = ("input_per_million", "output_per_million")


class PricingError(GradientEvalsError, ValueError):
    """A price table that cannot be used; ``key`` is the dotted path of the key at fault."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


def _price(table: object, where: str, fallback: Price | None) -> Price:
    if not isinstance(table, Mapping):
        raise PricingError(f"expected a table of {' and '.join(PRICE_KEYS)}, got {table!r}", where)
    values: dict[str, float] = {}
    for key, value in table.items():
        if key not in PRICE_KEYS:
            raise PricingError(f"unknown key (a price takes: {', '.join(PRICE_KEYS)})", f"{where}.{key}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise PricingError(f"expected dollars per million tokens (>= 0), got {value!r}", f"{where}.{key}")
        values[key] = float(value)
    base = fallback or Price()
    return Price(
        input_per_million=values.get("input_per_million", base.input_per_million),
        output_per_million=values.get("output_per_million", base.output_per_million),
    )


def pricing_from(table: Mapping[str, Any] | Pricing | None) -> Pricing | None:
    """A :class:`Pricing` from the ``pricing`` table (config or Python); :class:`PricingError` naming the key."""
    if table is None or isinstance(table, Pricing):
        return table
    if not isinstance(table, Mapping):
        raise PricingError(f"expected a table, got {table!r}", "pricing")
    own = {k: v for k, v in table.items() if k != "agents"}
    default = _price(own, "pricing", None) if own else None
    agents_table = table.get("agents", {})
    if not isinstance(agents_table, Mapping):
        raise PricingError(f"expected a table of agent = price table, got {agents_table!r}", "pricing.agents")
    agents = {}
    for name, price in agents_table.items():
        if not isinstance(name, str) or not name.strip():
            raise PricingError("agent names must be non-empty strings", "pricing.agents")
        agents[name.strip()] = _price(price, f"pricing.agents.{name}", default)
    return Pricing(default=default, agents=agents)


def token_usage(prompts: Iterable[EvaluationPrompt]) -> RunTokenUsage:
    """The tokens of these prompts (see the module documentation)."""
    counts = {"prompts": 0}
    for side in ("input", "output"):
        for part in ("total", "counted", "missing", "malformed"):
            counts[f"{side}_{part}"] = 0
    for prompt in prompts:
        counts["prompts"] += 1
        for side, value in (("input", prompt.input_tokens), ("output", prompt.output_tokens)):
            if value is None:
                counts[f"{side}_missing"] += 1
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                counts[f"{side}_total"] += value
                counts[f"{side}_counted"] += 1
            else:
                counts[f"{side}_malformed"] += 1
    return RunTokenUsage(**counts)


def cost_of(usage: RunTokenUsage, pricing: Pricing | None, agent_keys: Iterable[str | None]) -> RunCost | None:
    """What ``usage`` costs at the price for the first of ``agent_keys`` the table names (else its default);
    ``None`` without a price."""
    if pricing is None:
        return None
    price = next((pricing.agents[k] for k in agent_keys if k is not None and k in pricing.agents), pricing.default)
    if price is None:
        return None
    return RunCost(
        input_cost=usage.input_total * price.input_per_million / 1e6,
        output_cost=usage.output_total * price.output_per_million / 1e6,
        price=price,
        uncounted=usage.uncounted,
    )


def wall_time(run: EvaluationRun | None) -> float | None:
    """Seconds from the run's ``queued_at`` to its ``finished_at`` (``None`` unless both are known and in order)."""
    if run is None or run.queued_at is None or run.finished_at is None:
        return None
    try:
        seconds = (run.finished_at - run.queued_at).total_seconds()
    except TypeError:  # one aware, one naive: no honest difference
        return None
    return seconds if seconds >= 0 else None
