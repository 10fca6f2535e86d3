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

from .workflows.checks_results import CheckFailure, CheckResult
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
from .workflows.model_compare_results import ModelComparison, ModelResult
from .workflows.repeats_results import FlakyPrompt, MetricSpread, RepeatGroup, RepeatJudgement
from .workflows.summary_results import MetricSummary, RunSummary, Verdict
from .workflows.usage_results import Price, Pricing, RunCost, RunTokenUsage

__all__ = [
    "AgentResult",
    "CheckFailure",
    "CheckResult",
    "EvaluationProgress",
    "EvaluationReport",
    "FlakyPrompt",
    "GateKind",
    "GateResult",
    "LeaderboardEntry",
    "MetricComparison",
    "MetricSpread",
    "MetricSummary",
    "ModelComparison",
    "ModelResult",
    "Price",
    "Pricing",
    "PromptOutcome",
    "PromptRegression",
    "RepeatGroup",
    "RepeatJudgement",
    "RunComparison",
    "RunCost",
    "RunSummary",
    "RunTokenUsage",
    "SliceResult",
    "Verdict",
]
