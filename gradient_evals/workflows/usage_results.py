"""What a run used: its tokens (:class:`RunTokenUsage`) and, with a price table, what they cost (:class:`RunCost`).

Data only, computed by :mod:`gradient_evals.workflows.usage`; the public home is :mod:`gradient_evals.results`.
"""

from __future__ import annotations

import attrs

__all__ = ["Price", "Pricing", "RunCost", "RunTokenUsage"]


@attrs.frozen(kw_only=True)
class RunTokenUsage:
    """The input and output tokens of a run's prompts, as the API reported them.

    The API sends each count as a string: a decimal count is added up, a missing one is counted in
    ``*_missing`` and anything else in ``*_malformed``; neither is taken as zero in a mean.
    """

    prompts: int = 0
    input_total: int = 0
    output_total: int = 0
    input_counted: int = 0
    """Prompts with a readable input token count."""
    output_counted: int = 0
    input_missing: int = 0
    output_missing: int = 0
    input_malformed: int = 0
    output_malformed: int = 0

    @property
    def input_mean(self) -> float | None:
        """Mean input tokens per prompt with a count (``None``: no prompt had one)."""
        return None if self.input_counted == 0 else self.input_total / self.input_counted

    @property
    def output_mean(self) -> float | None:
        """Mean output tokens per prompt with a count (``None``: no prompt had one)."""
        return None if self.output_counted == 0 else self.output_total / self.output_counted

    @property
    def uncounted(self) -> int:
        """Token counts missing or malformed, input and output together."""
        return self.input_missing + self.output_missing + self.input_malformed + self.output_malformed


@attrs.frozen(kw_only=True)
class Price:
    """Dollars per million tokens, in and out."""

    input_per_million: float = 0.0
    output_per_million: float = 0.0


@attrs.frozen(kw_only=True)
class Pricing:
    """A price table: a default price and per-agent overrides (keyed by agent name, UUID or deployment name)."""

    default: Price | None = None
    agents: dict[str, Price] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RunCost:
    """What a run's tokens cost at the price table's price for its agent, in dollars."""

    input_cost: float
    output_cost: float
    price: Price
    uncounted: int = 0
    """Token counts missing or malformed: the cost leaves them out, so it is a lower bound when this is not 0."""

    @property
    def total(self) -> float:
        """Input and output together, in dollars."""
        return self.input_cost + self.output_cost
