"""gradient_evals: run agent evaluations on DigitalOcean's Gradient AI platform and read every result.

```python
from gradient_evals import AsyncGradientEvals, GradientEvals
```
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._client import AsyncGradientEvals
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    GradientEvalsError,
    InternalServerError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RunCreationUnknownError,
    UnprocessableEntityError,
)
from ._models import (
    AgentSpan,
    AgentType,
    ChildSpan,
    CreatedEvaluationRuns,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationRunsPage,
    EvaluationRunStatus,
    JSONValue,
    LLMSpan,
    MetricResult,
    MetricResultStatus,
    MetricValueType,
    PageLinks,
    PageMeta,
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
from ._pagination import AsyncPager
from ._summary import MetricComparison, MetricSummary, PromptRegression, RunComparison, RunSummary, Verdict
from ._transport import RateLimitInfo, RetryPolicy
from ._version import __version__
from .resources.evaluation_runs import AsyncResultsIterator

if TYPE_CHECKING:
    from ._sync import GradientEvals, SyncPager

# Loaded on first use, so that `import gradient_evals` does not pay for the blocking facade's event-loop
# thread machinery when only the async client is used.
_LAZY: dict[str, str] = {"GradientEvals": "._sync", "SyncPager": "._sync"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentSpan",
    "AgentType",
    "AsyncGradientEvals",
    "AsyncPager",
    "AsyncResultsIterator",
    "AuthenticationError",
    "BadRequestError",
    "ChildSpan",
    "ConfigurationError",
    "ConflictError",
    "CreatedEvaluationRuns",
    "EvaluationPrompt",
    "EvaluationRun",
    "EvaluationRunFailed",
    "EvaluationRunStatus",
    "EvaluationRunTimeout",
    "EvaluationRunsPage",
    "GradientEvals",
    "GradientEvalsError",
    "InternalServerError",
    "JSONValue",
    "LLMSpan",
    "MetricComparison",
    "MetricResult",
    "MetricResultStatus",
    "MetricSummary",
    "MetricValueType",
    "NotFoundError",
    "PageLinks",
    "PageMeta",
    "PaginationError",
    "PermissionDeniedError",
    "PromptChunk",
    "PromptRegression",
    "RateLimitError",
    "RateLimitInfo",
    "ResultsPage",
    "RetrieverChunk",
    "RetrieverSpan",
    "RetryPolicy",
    "RunComparison",
    "RunCreationUnknownError",
    "RunSummary",
    "SpanCommon",
    "SyncPager",
    "ToolSpan",
    "TraceSpan",
    "TraceSpanType",
    "UnprocessableEntityError",
    "Verdict",
    "WorkflowSpan",
    "__version__",
]
