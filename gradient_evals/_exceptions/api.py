"""What a request to the API ran into: no answer, an answer that is not what the API documents, an error status,
a create whose outcome is unknown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .base import GradientEvalsError

if TYPE_CHECKING:
    from ..types import EvaluationRun

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RunCreationUnknownError",
    "UnprocessableEntityError",
]


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
