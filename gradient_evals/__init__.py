"""gradient_evals: run agent evaluations on DigitalOcean's Gradient AI platform and read every result.

```python
from gradient_evals import AsyncGradientEvals, GradientEvals, types
```

The models live in :mod:`gradient_evals.types`, what the SDK computes from them in :mod:`gradient_evals.results`,
the aliases to annotate with in :mod:`gradient_evals.typing`.
"""

import importlib
from typing import TYPE_CHECKING, Any

# The errors load with the package: they are small, and `except gradient_evals.APIError` should cost nothing.
# Re-exported: the exception classes listed here (and again in __all__) are those of `_exceptions`, not copies.
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ArgumentTypeError,
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
    InvalidArgumentError,
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


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        module = importlib.import_module(module_name, __name__)
        value = module if name in ("types", "results") else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentTypeError",
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
    "InvalidArgumentError",
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
