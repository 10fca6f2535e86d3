"""gradient_evals: run agent evaluations on DigitalOcean's Gradient AI platform and read every result.

```python
from gradient_evals import AsyncGradientEvals, GradientEvals, types
```

The models live in :mod:`gradient_evals.types`, what the SDK computes from them in :mod:`gradient_evals.results`,
the aliases to annotate with in :mod:`gradient_evals.typing`.
"""

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# The errors load with the package: they are small, and `except gradient_evals.APIError` should cost nothing.
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
    RepeatsError,
    ResponseTooLargeError,
    RunCreationUnknownError,
    StorageDestinationError,
    UnprocessableEntityError,
)
from ._version import __version__

if TYPE_CHECKING:
    from . import results, types
    from ._blocking import SyncPager
    from ._client import AsyncGradientEvals
    from ._pagination import AsyncPager
    from ._ratelimit import RateLimitPolicy, RateLimitState
    from ._retry import RetryPolicy
    from ._settings_method import UnknownSettingError
    from ._sync import GradientEvals
    from .workflows.evaluate_settings import EvaluationSettings

# Loaded on first use (PEP 562): the client brings httpx, the models, the resources and the workflows with it,
# which a program that only names an error, reads `__version__` or imports a submodule should not pay for.
# The values are the modules that define each name; `types` and `results` are submodules themselves.
_LAZY: dict[str, str] = {
    "AsyncGradientEvals": "._client",
    "AsyncPager": "._pagination",
    "EvaluationSettings": ".workflows.evaluate_settings",
    "GradientEvals": "._sync",
    "RateLimitPolicy": "._ratelimit",
    "RateLimitState": "._ratelimit",
    "RetryPolicy": "._retry",
    "SyncPager": "._blocking",
    "UnknownSettingError": "._settings_method",
    "results": ".results",
    "types": ".types",
}

# Names importable from the top level before the models moved to `gradient_evals.types`: they keep working for
# one release, with a DeprecationWarning naming the new home.
_MOVED_TO_TYPES = frozenset(
    (
        "AgentSpan",
        "AgentType",
        "ChildSpan",
        "CreatedEvaluationRuns",
        "EvaluationPrompt",
        "EvaluationRun",
        "EvaluationRunStatus",
        "EvaluationRunsPage",
        "JSONValue",
        "LLMSpan",
        "MetricResult",
        "MetricResultStatus",
        "MetricValueType",
        "PageLinks",
        "PageMeta",
        "PromptChunk",
        "ResultsPage",
        "RetrieverChunk",
        "RetrieverSpan",
        "SpanCommon",
        "ToolSpan",
        "TraceSpan",
        "TraceSpanType",
        "WorkflowSpan",
    )
)
# Those of them the SDK computes now live in `gradient_evals.results`, and the warning names that home.
_MOVED_TO_RESULTS = frozenset(
    ("MetricComparison", "MetricSummary", "PromptRegression", "RunComparison", "RunSummary", "Verdict")
)


def _moved(name: str, home: str) -> Any:
    warnings.warn(
        f"gradient_evals.{name} is deprecated; import it from gradient_evals.{home}", DeprecationWarning, stacklevel=3
    )
    return getattr(importlib.import_module(f".{home}", __name__), name)


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        module = importlib.import_module(module_name, __name__)
        value = module if name in ("types", "results") else getattr(module, name)
        globals()[name] = value
        return value
    if name in _MOVED_TO_TYPES:
        return _moved(name, "types")
    if name in _MOVED_TO_RESULTS:
        return _moved(name, "results")
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
        from . import types as models
        from ._pagination import AsyncPager as Pager

        return Pager[models.ResultsPage, models.EvaluationPrompt]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
    "EvaluationSettings",
    "ExportError",
    "GradientEvals",
    "GradientEvalsError",
    "InternalServerError",
    "InvalidDatasetError",
    "MultipleErrors",
    "NotFoundError",
    "ObjectStorageError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitPolicy",
    "RateLimitState",
    "RepeatsError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RunCreationUnknownError",
    "StorageDestinationError",
    "SyncPager",
    "UnknownSettingError",
    "UnprocessableEntityError",
    "__version__",
    "results",
    "types",
]
