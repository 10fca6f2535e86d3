"""What the SDK computes from the API's answers: summaries, comparisons, verdicts and evaluation reports.

:mod:`gradient_evals.types` mirrors what the API sends; this module holds what the workflows make of it. Each
class is defined next to the workflow that computes it (``gradient_evals.workflows``) and imported from here:

```python
from gradient_evals.results import EvaluationReport, RunSummary

def headline(report: EvaluationReport) -> str:
    return "passed" if report.passed else "; ".join(report.verdict.reasons)
```

Rendering a report is a call, not a method of the report: ``gradient_evals.reports.junit.render_junit(report)``,
``gradient_evals.reports.markdown.render_markdown(report)`` and ``gradient_evals.reports.html.render_html(report)``
(the HTML page needs Jinja2, which the command line's dependencies include).
"""

from .workflows.compare_results import MetricComparison, PromptRegression, RunComparison
from .workflows.evaluate_results import (
    AgentResult,
    EvaluationProgress,
    EvaluationReport,
    GateKind,
    GateResult,
    LeaderboardEntry,
    PromptOutcome,
    SliceResult,
)
from .workflows.repeats_results import FlakyPrompt, MetricSpread, RepeatGroup, RepeatJudgement
from .workflows.summary_results import MetricSummary, RunSummary, Verdict

__all__ = [
    "AgentResult",
    "EvaluationProgress",
    "EvaluationReport",
    "FlakyPrompt",
    "GateKind",
    "GateResult",
    "LeaderboardEntry",
    "MetricComparison",
    "MetricSpread",
    "MetricSummary",
    "PromptOutcome",
    "PromptRegression",
    "RepeatGroup",
    "RepeatJudgement",
    "RunComparison",
    "RunSummary",
    "SliceResult",
    "Verdict",
]
