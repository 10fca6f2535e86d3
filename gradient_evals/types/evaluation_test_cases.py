"""Models of ``client.evaluation_test_cases``."""

from __future__ import annotations

import attrs

from ._shared import PageLinks, PageMeta
from .evaluation_runs import EvaluationRun

__all__ = [
    "EvaluationRunsPage",
]

@attrs.frozen(kw_only=True)
class EvaluationRunsPage:
    """The runs of a test case as the API lists them (today in one response; paged if it ever pages)."""

    evaluation_runs: tuple[EvaluationRun, ...] = ()
    meta: PageMeta = attrs.field(factory=PageMeta)
    links: PageLinks = attrs.field(factory=PageLinks)
