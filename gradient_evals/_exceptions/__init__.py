"""The exception hierarchy: everything the SDK raises on purpose derives from :class:`GradientEvalsError`.

```
GradientEvalsError
 ├── APIError
 │    ├── APIConnectionError
 │    │    └── APITimeoutError
 │    ├── APIResponseValidationError
 │    │    └── ResponseTooLargeError      the body passed max_response_bytes
 │    ├── APIStatusError
 │    │    ├── BadRequestError            400
 │    │    ├── AuthenticationError        401
 │    │    ├── PermissionDeniedError      403
 │    │    ├── NotFoundError              404
 │    │    ├── ConflictError              409
 │    │    ├── UnprocessableEntityError   422
 │    │    ├── RateLimitError             429
 │    │    └── InternalServerError        >= 500
 │    ├── RunCreationUnknownError         a create whose outcome is unknown
 │    ├── ObjectStorageError              an upload to / download from object storage failed
 │    │    ├── StorageDestinationError    a presigned URL points where the SDK does not send data
 │    │    └── DownloadTooLargeError      a download passed its size limit
 │    └── DatasetCreationError            a dataset's file was uploaded, but creating the dataset failed
 ├── InvalidArgumentError (also a ValueError) an argument refused before anything is sent (bad UUID, NaN bound)
 ├── ArgumentTypeError (also a TypeError) an argument of a type the SDK does not take
 ├── ConfigurationError (also a ValueError) the client cannot be set up as asked (no token...)
 ├── UnknownSettingError (also a TypeError) a keyword of evaluate that is no setting (in _settings_method)
 ├── InvalidDatasetError (also a ValueError) a dataset file is not a valid dataset CSV (names file and line)
 ├── RepeatsError (also a ValueError)     repeats, max_runs or a quarantine file that cannot be run
 ├── PaginationError                      the server's paging went wrong (loops, repeats)
 ├── ExportError (also an OSError)        an export could not write its file
 ├── ClientStateError (also a RuntimeError) the client is closed, forked, or on another loop
 ├── EvaluationRunTimeout                 (also a TimeoutError) waiting for a run ran out of time
 └── EvaluationRunFailed                  a run ended FAILED or CANCELLED
```

Defined in three modules: ``api`` (what a request to the API ran into), ``storage`` (object storage and a
dataset's creation) and ``base`` (the root, and what no single request answered); this package re-exports them
all, and ``gradient_evals`` re-exports them again.

Messages never contain the access token: they are built from status lines, the server's error body and the
request's method and path only.
"""

from .api import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    RunCreationUnknownError,
    UnprocessableEntityError,
)
from .base import (
    ArgumentTypeError,
    ClientStateError,
    ConfigurationError,
    DeadlineExceeded,
    EvaluationRunFailed,
    EvaluationRunTimeout,
    ExportError,
    GradientEvalsError,
    InvalidArgumentError,
    InvalidDatasetError,
    MultipleErrors,
    PaginationError,
    RepeatsError,
)
from .storage import (
    DatasetCreationError,
    DownloadTooLargeError,
    ObjectStorageError,
    StorageDestinationError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentTypeError",
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
    "RepeatsError",
    "ResponseTooLargeError",
    "RunCreationUnknownError",
    "StorageDestinationError",
    "UnprocessableEntityError",
]
