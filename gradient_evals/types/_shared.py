"""What several resources share: metric results, page meta and links, JSON values."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeAlias

import attrs

__all__ = [
    "JSONValue",
    "MetricResult",
    "MetricResultStatus",
    "MetricValueType",
    "PageLinks",
    "PageMeta",
    "UInt64Count",
]

JSONValue: TypeAlias = Any
"""Any value JSON can hold, kept exactly as the server sent it (trace span inputs and outputs)."""

UInt64Count: TypeAlias = int | str
"""A 64-bit count (tokens, bytes) that the API sends as a string (``"input_tokens": "12345"``).

It is an ``int`` whenever the server sends a decimal number (as a string or as a JSON number). The
specification allows any string there, so any other string is kept exactly as sent rather than failing the whole
response: check ``isinstance(value, int)`` before doing arithmetic with it. Identifiers the API also types as
64-bit strings (``created_by_user_id``) are plain ``str`` fields, never converted.
"""


class MetricValueType(StrEnum):
    """Which of a metric result's value fields holds its value."""

    UNSPECIFIED = "METRIC_VALUE_TYPE_UNSPECIFIED"
    NUMBER = "METRIC_VALUE_TYPE_NUMBER"
    STRING = "METRIC_VALUE_TYPE_STRING"
    PERCENTAGE = "METRIC_VALUE_TYPE_PERCENTAGE"


class MetricResultStatus(StrEnum):
    """Outcome of scoring one metric for one prompt or span."""

    UNSPECIFIED = "EVALUATION_METRIC_RESULT_STATUS_UNSPECIFIED"
    COMPLETED = "EVALUATION_METRIC_RESULT_STATUS_COMPLETED"
    FAILED = "EVALUATION_METRIC_RESULT_STATUS_FAILED"
    SKIPPED = "EVALUATION_METRIC_RESULT_STATUS_SKIPPED"


@attrs.frozen(kw_only=True)
class MetricResult:
    """One metric's result for a run, a prompt or a span."""

    metric_name: str | None = None
    metric_uuid: str | None = None
    metric_value_type: MetricValueType | str | None = None
    number_value: float | None = None
    string_value: str | None = None
    reasoning: str | None = None
    error_description: str | None = None
    status: MetricResultStatus | str | None = None

    @property
    def value(self) -> float | str | None:
        """The metric's value, taken from the field its ``metric_value_type`` names.

        A number for NUMBER and PERCENTAGE (a percentage stays on its 0-100 scale), a string for STRING, and
        for an unspecified or unknown type whichever of the two the server filled in.
        """
        kind = self.metric_value_type
        if kind == MetricValueType.STRING:
            return self.string_value
        if kind in (MetricValueType.NUMBER, MetricValueType.PERCENTAGE):
            return self.number_value
        return self.number_value if self.number_value is not None else self.string_value

    @property
    def is_error(self) -> bool:
        """True when the metric could not be computed."""
        return bool(self.error_description) or self.status == MetricResultStatus.FAILED


@attrs.frozen(kw_only=True)
class PageMeta:
    """Where a page stands in the whole result set."""

    page: int | None = None
    pages: int | None = None
    total: int | None = None


@attrs.frozen(kw_only=True)
class PageLinks:
    """Links to other pages (the API nests them under ``links.pages``; they are flattened here)."""

    first: str | None = None
    previous: str | None = None
    next: str | None = None
    last: str | None = None
