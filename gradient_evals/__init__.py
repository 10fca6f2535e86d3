"""gradient_evals: run agent evaluations on DigitalOcean's Gradient AI platform and read every result.

```python
from gradient_evals import AsyncGradientEvals, GradientEvals, types
```

The models of the API live in :mod:`gradient_evals.types`, what the SDK computes from them in
:mod:`gradient_evals.results`, the aliases to annotate with in :mod:`gradient_evals.typing`.
"""

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from . import results, types
from ._client import AsyncGradientEvals

# Re-exported: the exception classes listed here (and again in __all__) are those of `_exceptions`, not copies.
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientStateError,
    ConfigurationError,
    ConflictError,
    DatasetCreationError,
    DeadlineExceeded,
    DownloadTooLargeError,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    ExportError,
    GradientEvalsError,
    InternalServerError,
    InvalidDatasetError,
    MultipleErrors,
    NotFoundError,
    ObjectStorageError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    RunCreationUnknownError,
    StorageDestinationError,
    UnprocessableEntityError,
)
from ._pagination import AsyncPager
from ._ratelimit import RateLimitPolicy, RateLimitState
from ._retry import RetryPolicy
from ._version import __version__

if TYPE_CHECKING:
    from ._blocking import SyncPager
    from ._sync import GradientEvals

# Loaded on first use, so that `import gradient_evals` does not pay for the blocking facade's event-loop
# thread machinery when only the async client is used.
_LAZY: dict[str, str] = {"GradientEvals": "._sync", "SyncPager": "._blocking"}

# Names importable from the top level before the models moved to `gradient_evals.types`: they keep working for
# one release, with a DeprecationWarning naming the new home.
_MOVED_TO_TYPES = frozenset(
    (
        "AgentSpan", "AgentType", "ChildSpan", "CreatedEvaluationRuns", "EvaluationPrompt", "EvaluationRun",
        "EvaluationRunStatus", "EvaluationRunsPage", "JSONValue", "LLMSpan", "MetricResult", "MetricResultStatus",
        "MetricValueType", "PageLinks", "PageMeta", "PromptChunk", "ResultsPage", "RetrieverChunk", "RetrieverSpan",
        "SpanCommon", "ToolSpan", "TraceSpan", "TraceSpanType", "WorkflowSpan",
    )
)
# Those of them the SDK computes now live in `gradient_evals.results`, and the warning names that home.
_MOVED_TO_RESULTS = frozenset(
    ("MetricComparison", "MetricSummary", "PromptRegression", "RunComparison", "RunSummary", "Verdict")
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    if name in _MOVED_TO_TYPES:
        warnings.warn(
            f"gradient_evals.{name} is deprecated; import it from gradient_evals.types",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(types, name)
    if name in _MOVED_TO_RESULTS:
        warnings.warn(
            f"gradient_evals.{name} is deprecated; import it from gradient_evals.results",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(results, name)
    if name == "RateLimitInfo":
        warnings.warn(
            "gradient_evals.RateLimitInfo is deprecated; nothing returns it: read client.rate_limit "
            "(a RateLimitState) for the rate limit as the client last saw it",
            DeprecationWarning,
            stacklevel=2,
        )
        from ._responses import RateLimitInfo

        return RateLimitInfo
    if name == "AsyncResultsIterator":
        warnings.warn(
            "gradient_evals.AsyncResultsIterator is deprecated; annotate with "
            "gradient_evals.AsyncPager[types.ResultsPage, types.EvaluationPrompt]",
            DeprecationWarning,
            stacklevel=2,
        )
        return AsyncPager[types.ResultsPage, types.EvaluationPrompt]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# Sorted; the error names repeat those of `_exceptions.__all__` because they are re-exported from here.
__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncGradientEvals",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "ClientStateError",
    "ConfigurationError",
    "ConflictError",
    "DatasetCreationError",
    "DeadlineExceeded",
    "DownloadTooLargeError",
    "EvaluationRunFailed",
    "EvaluationRunTimeout",
    "ExportError",
    "GradientEvals",
    "GradientEvalsError",
    "InternalServerError",
    "MultipleErrors",
    "InvalidDatasetError",
    "NotFoundError",
    "ObjectStorageError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitPolicy",
    "RateLimitState",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RunCreationUnknownError",
    "StorageDestinationError",
    "SyncPager",
    "UnprocessableEntityError",
    "__version__",
    "results",
    "types",
]
