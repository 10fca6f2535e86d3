"""The API's models, one module per resource: frozen, slotted attrs classes with keyword-only fields.

Every field is optional, as it is in the API: a key the server leaves out becomes ``None`` (or an empty tuple for
lists). Enum fields are *open*: a value this version of the SDK does not know stays a plain ``str`` instead of
failing the page, so their type is ``Enum | str | None``. Unknown keys are ignored.

```python
from gradient_evals import types

def score(prompt: types.EvaluationPrompt) -> float | None: ...
```
"""

from ._shared import (
    JSONValue,
    MetricResult,
    MetricResultStatus,
    MetricValueType,
    PageLinks,
    PageMeta,
    UInt64Count,
)
from .evaluation_metrics import (
    AssociatedModelEvaluationPreset,
    CustomEvaluationMetricConfig,
    EvaluationMetric,
    EvaluationMetricCategory,
    EvaluationMetricsList,
    EvaluationMetricSource,
    EvaluationMetricType,
    EvaluationScope,
)
from .evaluation_runs import (
    AgentSpan,
    AgentType,
    ChildSpan,
    CreatedEvaluationRuns,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationRunStatus,
    LLMSpan,
    PromptChunk,
    ResultsPage,
    RetrieverChunk,
    RetrieverSpan,
    SpanCommon,
    ToolSpan,
    TraceSpan,
    TraceSpanType,
    WorkflowSpan,
)
from .evaluation_test_cases import (
    EvaluationDataset,
    EvaluationDatasetType,
    EvaluationRunsPage,
    EvaluationTestCase,
    EvaluationTestCasesList,
    StarMetric,
    UpdatedEvaluationTestCase,
)
from .reports import (
    AgentResult,
    EvaluationProgress,
    EvaluationReport,
    GateKind,
    GateResult,
    LeaderboardEntry,
    PromptOutcome,
    SliceResult,
)
from .summaries import (
    MetricComparison,
    MetricSummary,
    PromptRegression,
    RunComparison,
    RunSummary,
    Verdict,
)

__all__ = [
    "AgentResult",
    "AgentSpan",
    "AgentType",
    "AssociatedModelEvaluationPreset",
    "ChildSpan",
    "CreatedEvaluationRuns",
    "CustomEvaluationMetricConfig",
    "EvaluationDataset",
    "EvaluationDatasetType",
    "EvaluationMetric",
    "EvaluationMetricCategory",
    "EvaluationMetricSource",
    "EvaluationMetricType",
    "EvaluationMetricsList",
    "EvaluationProgress",
    "EvaluationPrompt",
    "EvaluationReport",
    "EvaluationRun",
    "EvaluationRunStatus",
    "EvaluationRunsPage",
    "EvaluationScope",
    "EvaluationTestCase",
    "EvaluationTestCasesList",
    "GateKind",
    "GateResult",
    "JSONValue",
    "LLMSpan",
    "LeaderboardEntry",
    "MetricComparison",
    "MetricResult",
    "MetricResultStatus",
    "MetricSummary",
    "MetricValueType",
    "PageLinks",
    "PageMeta",
    "PromptChunk",
    "PromptOutcome",
    "PromptRegression",
    "ResultsPage",
    "RetrieverChunk",
    "RetrieverSpan",
    "RunComparison",
    "RunSummary",
    "SliceResult",
    "SpanCommon",
    "StarMetric",
    "ToolSpan",
    "TraceSpan",
    "TraceSpanType",
    "UInt64Count",
    "UpdatedEvaluationTestCase",
    "Verdict",
    "WorkflowSpan",
]
