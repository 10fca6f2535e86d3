"""Metrics by name: how a name a user writes ("hallucination rate") finds the one metric of the catalog it means.

Case is ignored, and so are the differences between spaces, underscores and hyphens. A name that matches no
metric, or more than one, is a ``ValueError`` naming the close matches. ``client.evaluation_metrics`` resolves
names with it; the evaluation workflows check gate and star metric names with it.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Sequence
from typing import TypeAlias

from .._exceptions import InvalidArgumentError
from ..types import EvaluationMetric

__all__ = ["MetricRef", "match_metric", "metric_name_key"]

MetricRef: TypeAlias = EvaluationMetric | uuid.UUID | str
"""A metric as a method takes it: the catalog's model, its UUID, or its name (matched case-insensitively)."""


def metric_name_key(name: str) -> str:
    """How metric names are compared everywhere: case, spaces, underscores and hyphens ignored.

    "Hallucination rate", "hallucination_rate" and "HALLUCINATION-RATE" are one name to a user.
    """
    return " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()


def match_metric(catalog: Sequence[EvaluationMetric], name: str, argument: str) -> EvaluationMetric:
    """The one metric of ``catalog`` called ``name``, or a ``ValueError`` naming the close matches.

    Case is ignored, and so are the differences between spaces, underscores and hyphens.
    """
    key = metric_name_key(name)
    found = [m for m in catalog if m.metric_name is not None and metric_name_key(m.metric_name) == key]
    if len(found) == 1:
        return found[0]
    if found:
        choices = ", ".join(f"{m.metric_name!r} ({m.metric_uuid})" for m in found)
        raise InvalidArgumentError(
            f"{argument}: the metric name {name!r} is ambiguous: {choices}; pass the metric UUID"
        )
    names = sorted({m.metric_name for m in catalog if m.metric_name})
    by_key = {metric_name_key(n): n for n in names}
    close = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=5, cutoff=0.5)]
    # A word of the name inside a metric's name ("hallucination" in "Hallucination rate") is a match too.
    close += [
        n for n in names if n not in close and any(word in metric_name_key(n) for word in key.split() if len(word) > 3)
    ]
    hint = f"close matches: {', '.join(map(repr, close[:5]))}" if close else f"known metrics: {', '.join(names[:20])}"
    raise InvalidArgumentError(f"{argument}: no metric is called {name!r} ({hint})")
