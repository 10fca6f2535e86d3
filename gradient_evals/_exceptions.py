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
 ├── ConfigurationError (also a ValueError) the client cannot be set up as asked (no token...)
 ├── UnknownSettingError (also a TypeError) a keyword of evaluate that is no setting (in _settings_method)
 ├── InvalidDatasetError (also a ValueError) a dataset file is not a valid dataset CSV (names file and line)
 ├── PaginationError                      the server's paging went wrong (loops, repeats)
 ├── ExportError (also an OSError)        an export could not write its file
 ├── ClientStateError (also a RuntimeError) the client is closed, forked, or on another loop
 ├── EvaluationRunTimeout                 (also a TimeoutError) waiting for a run ran out of time
 └── EvaluationRunFailed                  a run ended FAILED or CANCELLED
```

Messages never contain the access token: they are built from status lines, the server's error body and the
request's method and path only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types.evaluation_runs import EvaluationRun

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
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
    "MultipleErrors",
    "InvalidDatasetError",
    "NotFoundError",
    "ObjectStorageError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RunCreationUnknownError",
    "StorageDestinationError",
    "UnprocessableEntityError",
]


class GradientEvalsError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigurationError(GradientEvalsError, ValueError):
    """The client cannot be set up as asked: no access token, a malformed base URL, plain HTTP to a remote host."""


class APIError(GradientEvalsError):
    """A request to the API did not give the expected result.

    ``method`` and ``url`` name the request (the URL never carries credentials; the token travels in a header).
    ``page`` is set when the request fetched one page of a stream, so a failed stream says where it stopped.
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.page: int | None = None

    def __str__(self) -> str:
        if self.page is None:
            return self.message
        return f"{self.message} (while fetching page {self.page})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class APIConnectionError(APIError):
    """The request could not be sent, or no complete response came back (DNS, refused, reset, TLS...)."""


class APITimeoutError(APIConnectionError):
    """The request did not complete within the configured timeout."""


class APIResponseValidationError(APIError):
    """A successful (2xx) response whose body is not the JSON the API documents.

    Raised for an HTML page from a proxy, a truncated body, a body that does not decompress as its
    ``Content-Encoding`` says, invalid UTF-8, or JSON of the wrong shape. ``status_code``,
    ``request_id`` and a short ``body_excerpt`` help to report it.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.request_id = request_id
        self.body_excerpt = body_excerpt


class ResponseTooLargeError(APIResponseValidationError):
    """A response body grew past the client's ``max_response_bytes`` (counted after decompression).

    Reading stops at the limit, so a huge, endless or highly compressed body costs at most about ``limit``
    bytes of memory. ``limit`` is the limit that was passed. Not retried: the same request would most likely
    get the same answer; raise ``max_response_bytes`` if such bodies are expected.
    """

    # The parent's keyword arguments are repeated (not **kwargs) so the signature stays typed and documented.
    def __init__(
        self,
        message: str,
        *,
        limit: int,
        status_code: int | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(
            message,
            status_code=status_code,
            request_id=request_id,
            body_excerpt=body_excerpt,
            method=method,
            url=url,
        )
        self.limit = limit


class APIStatusError(APIError):
    """The API answered with a non-success status.

    Attributes:
        status_code: the HTTP status.
        error_id: the ``id`` of the API's error body (``"not_found"``, ``"too_many_requests"``...), if any.
        error_message: the ``message`` of the API's error body, if any.
        request_id: from the error body or the ``x-request-id`` header; quote it to support.
        rate_limit: the ``ratelimit-*`` and ``retry-after`` headers of the response, when present.
        retry_after: seconds the server asked to wait before trying again (429 and 503), when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_id: str | None = None,
        error_message: str | None = None,
        request_id: str | None = None,
        rate_limit: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.retry_after = retry_after
        self.status_code = status_code
        self.error_id = error_id
        self.error_message = error_message
        self.request_id = request_id
        self.rate_limit: Mapping[str, str] = dict(rate_limit or {})


class BadRequestError(APIStatusError):
    """400: the API refused the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """403: the token lacks the scope this call needs (``genai:read`` / ``genai:create``)."""


class NotFoundError(APIStatusError):
    """404: no such evaluation run, prompt or test case (or not visible to this token)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but its values were refused."""


class RateLimitError(APIStatusError):
    """429: the rate limit was exceeded and retries did not get through (or the wait was longer than allowed).

    ``retry_after`` is the number of seconds the server asked to wait (``Retry-After`` or ``ratelimit-reset``).
    """


class InternalServerError(APIStatusError):
    """5xx: the service failed; retried automatically for the idempotent calls."""


class RunCreationUnknownError(APIError):
    """A create request may have reached the server, no answer came back, and its runs could not be told apart.

    ``create`` has already looked for them in the test case's run list (see the README's "Errors" section);
    ``candidates`` holds the runs it saw that may be this request's (with its ``run_name``), possibly none.
    Retrying blindly could start duplicate evaluation runs: decide from the candidates.
    """

    def __init__(
        self,
        message: str,
        *,
        test_case_uuid: str,
        run_name: str | None,
        cause: BaseException | None = None,
        candidates: Sequence[EvaluationRun] = (),
    ) -> None:
        super().__init__(message, method="POST")
        self.test_case_uuid = test_case_uuid
        self.run_name = run_name
        self.cause = cause
        self.candidates: tuple[EvaluationRun, ...] = tuple(candidates)


class ObjectStorageError(APIError):
    """A transfer to or from object storage (a presigned upload or download URL) failed, retries included.

    ``status_code`` is the storage's answer, or ``None`` when no answer came. ``url`` is the URL without its
    query string: the signature in a presigned URL is never shown.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code


class StorageDestinationError(ObjectStorageError):
    """A presigned URL points at a destination the SDK does not send data to or read data from.

    Refused before any connection is made: link-local and cloud metadata addresses always; private-network
    addresses unless the client was made with ``allow_private_storage=True``; plain HTTP except to an address
    that is loopback once resolved (or with ``allow_insecure_http=True``). Not retried.
    """


class DownloadTooLargeError(ObjectStorageError):
    """A download passed ``limit`` bytes (counted after decompression); nothing was written to the target."""

    def __init__(self, message: str, *, limit: int, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message, status_code=None, method=method, url=url)
        self.limit = limit


class DatasetCreationError(APIError):
    """A dataset's file is in storage, but the request creating the dataset failed.

    The upload need not be repeated: finish by hand with ``client.evaluation_datasets.create(name=...,
    file_upload_dataset={"original_file_name": e.original_file_name, "stored_object_key": e.object_key,
    "size_in_bytes": e.size_in_bytes})``, after checking with ``list()`` that the dataset does not already exist
    (when the answer was lost, the server may have created it). ``cause`` is the underlying error.
    """

    def __init__(
        self,
        message: str,
        *,
        object_key: str,
        original_file_name: str,
        size_in_bytes: int,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, method="POST")
        self.object_key = object_key
        self.original_file_name = original_file_name
        self.size_in_bytes = size_in_bytes
        self.cause = cause


class PaginationError(GradientEvalsError):
    """The server's paging could not be followed safely (a page that repeats or does not advance)."""

    def __init__(self, message: str, *, page: int | None = None) -> None:
        super().__init__(message)
        self.page = page


class ExportError(GradientEvalsError, OSError):
    """An export could not write its file: a directory at the path, a missing folder, no permission, a full disk.

    ``path`` is the destination asked for. The message names it and the reason, never the temporary file the
    export writes first; ``errno`` and ``strerror`` are those of the failed operation, when there was one.
    """

    def __init__(self, message: str, *, path: str, errno: int | None = None, strerror: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.errno = errno
        self.strerror = strerror

    def __str__(self) -> str:
        # OSError would format "[Errno n] ..." from the attributes; the message already says it in words.
        return self.message


class ClientStateError(GradientEvalsError, RuntimeError):
    """The client cannot be used here: it was closed, it was made in the parent of a forked process, or it is
    bound to another event loop than the one calling it. The message says which and what to do instead."""


class EvaluationRunTimeout(GradientEvalsError, TimeoutError):
    """Waiting for an evaluation run to finish ran past its deadline. ``run`` is the last state seen."""

    def __init__(self, message: str, *, run_uuid: str, run: EvaluationRun | None = None) -> None:
        super().__init__(message)
        self.run_uuid = run_uuid
        self.run = run


class EvaluationRunFailed(GradientEvalsError):
    """An evaluation run ended FAILED or CANCELLED. ``run`` is its final state."""

    def __init__(self, message: str, *, run: EvaluationRun) -> None:
        super().__init__(message)
        self.run = run


class MultipleErrors(GradientEvalsError):
    """Several steps that ran at once failed. ``errors`` holds every failure, in the order they happened.

    One failure is always raised as itself; this error is raised only when there are two or more, so a caller
    never meets a bare ``ExceptionGroup``.
    """

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.errors: tuple[BaseException, ...] = tuple(errors)
        first = self.errors[0] if self.errors else None
        detail = "" if first is None else f"; the first: {type(first).__name__}: {first}"
        super().__init__(f"{len(self.errors)} errors{detail}")


class DeadlineExceeded(GradientEvalsError, TimeoutError):
    """A whole call (such as ``evaluate``) ran past its ``timeout``. ``step`` names what it was doing then."""

    def __init__(self, message: str, *, step: str) -> None:
        super().__init__(message)
        self.step = step


class RepeatsError(GradientEvalsError, ValueError):
    """Repeats asked for that cannot be run: a ``repeats`` that is not a whole number from 1 to 10, more runs
    planned than ``max_runs`` allows, or a ``quarantine`` file that does not exist or is not UTF-8. Raised before
    anything is uploaded or created; the message starts with the setting's name."""


class InvalidDatasetError(GradientEvalsError, ValueError):
    """A dataset file is not a valid dataset CSV: invalid UTF-8 or CSV, a bad header, a ragged row, a limit passed.

    ``dataset`` names it (a path, or the dataset's UUID), ``line`` is the line of the file where the problem is
    when known, and ``row`` the data row (1 for the first row after the header).
    """

    def __init__(self, message: str, *, dataset: str, line: int | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.dataset = dataset
        self.line = line
        self.row = row
