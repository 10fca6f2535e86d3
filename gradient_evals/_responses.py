"""Reading what the server answered: rate-limit headers, how long it asked to wait, and the typed error a
response maps to.

The transport sends and retries; what a response means (which exception, which wait, which rate-limit numbers)
is decided here, one rule for the retries and the pacer alike.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

import httpx

from . import _json
from ._body import BodyError, BodyTooLarge
from ._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    UnprocessableEntityError,
)

__all__ = [
    "EPOCH_THRESHOLD",
    "MAX_CLOCK_SKEW",
    "MAX_RESET_DELAY",
    "body_error",
    "clock_skew",
    "header_int",
    "retry_after_seconds",
    "seconds_until_reset",
    "status_error",
    "validation_error",
]

E = TypeVar("E", bound=APIResponseValidationError)

_HEADER_INT: Final = re.compile(r"-?[0-9]{1,18}")  # beyond 18 digits no header value here means anything
EPOCH_THRESHOLD: Final = 1_000_000_000
"""A ``ratelimit-reset`` below this is a delay in seconds; from it on, the epoch second the window resets."""
MAX_RESET_DELAY: Final = 86_400.0
"""A reset further away than a day is not believed (a clock or server gone wrong) and is ignored."""
MAX_CLOCK_SKEW: Final = 600.0
"""Seconds a server's ``Date`` may be from the local clock and still be believed: beyond, a clock has gone wrong
(the server's or this machine's) and waits are read on the local clock; see ``Pacer.server_time``."""
_RATE_LIMIT_HEADERS: Final = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after")
_STATUS_ERRORS: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def header_int(value: str | None) -> int | None:
    """A header's integer; ``None`` when absent or not plain ASCII digits of sane length (never a 400-digit int)."""
    if value is None:
        return None
    value = value.strip()
    return int(value) if _HEADER_INT.fullmatch(value) else None


def seconds_until_reset(reset: int | None, *, now: float | None = None) -> float | None:
    """Seconds until a ``ratelimit-reset`` value, under the one rule used for 429s and for polling alike.

    Values below :data:`EPOCH_THRESHOLD` are a delay in seconds; larger ones are the epoch second the window
    resets (DigitalOcean sends those). A reset in the past is 0; a negative value, or one more than
    :data:`MAX_RESET_DELAY` away, is ignored (``None``) rather than believed.
    """
    if reset is None or reset < 0:
        return None
    if reset < EPOCH_THRESHOLD:
        delay = float(reset)
    else:
        if reset > EPOCH_THRESHOLD * 100:  # far beyond any date this code will see: not an epoch second
            return None
        delay = max(0.0, reset - (time.time() if now is None else now))
    return delay if delay <= MAX_RESET_DELAY else None


def clock_skew(date: str, *, now: float) -> float | None:
    """The server's clock minus ``now`` as a ``Date`` header shows it; ``None`` for a value that is not a date."""
    try:
        when = email.utils.parsedate_to_datetime(date[:64])  # an HTTP date is 29 characters
        if when.tzinfo is None:
            return None
        skew = when.timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None
    return skew if math.isfinite(skew) else None


def _request_id(response: httpx.Response, body: Any) -> str | None:
    if type(body) is dict and isinstance(body.get("request_id"), str):
        return body["request_id"]  # type: ignore[no-any-return]
    request_id: str | None = response.headers.get("x-request-id")
    return request_id


def validation_error(response: httpx.Response, content: bytes, problem: str) -> APIResponseValidationError:
    return _response_error(response, problem, APIResponseValidationError, content[:200])


def deferred_validation_error(response: httpx.Response, content: bytes) -> Callable[[str], APIResponseValidationError]:
    """What :func:`validation_error` would give for this response, made later (for a field converted on first read).

    Only the strings the error needs are kept, never the response (its request holds the token) nor its body.
    """
    request = response.request
    method, path, status = request.method, request.url.path, response.status_code
    request_id = response.headers.get("x-request-id")
    excerpt = content[:200].decode("utf-8", "replace")

    def make(problem: str) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"{method} {path} returned {status} but {problem}" + (f" (request_id={request_id})" if request_id else ""),
            status_code=status,
            request_id=request_id,
            body_excerpt=excerpt,
            method=method,
            url=path,
        )

    return make


def body_error(response: httpx.Response, exc: BodyError) -> APIResponseValidationError:
    """A 2xx body that could not be read: too large (:class:`ResponseTooLargeError`) or undecodable."""
    if not isinstance(exc, BodyTooLarge):
        return validation_error(response, b"", str(exc))
    return _response_error(response, f"{exc}; reading stopped there", ResponseTooLargeError, exc.head, limit=exc.limit)


def _response_error(response: httpx.Response, problem: str, error: type[E], head: bytes, **details: Any) -> E:
    """``error`` for a response whose body is not what was expected, saying which request and what was wrong."""
    request = response.request
    request_id = response.headers.get("x-request-id")
    return error(
        f"{request.method} {request.url.path} returned {response.status_code} but {problem}"
        + (f" (request_id={request_id})" if request_id else ""),
        status_code=response.status_code,
        request_id=request_id,
        body_excerpt=head.decode("utf-8", "replace"),
        method=request.method,
        url=request.url.path,
        **details,
    )


def retry_after_seconds(
    headers: httpx.Headers, *, now: float | None = None, use_rate_limit_reset: bool = True
) -> float | None:
    """How long the server asked to wait: ``Retry-After`` (seconds or HTTP date), else ``ratelimit-reset``.

    ``ratelimit-reset`` is the end of the rate-limit window and is sent on every response; it says how long to
    wait only when the rate limit was hit (a 429), so other statuses pass ``use_rate_limit_reset=False``.
    """
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value is not None:
        value = value.strip()
        seconds: float | None
        try:
            seconds = float(value)
        except ValueError:
            seconds = _seconds_until_date(value, now)
        if seconds is not None and math.isfinite(seconds):
            return max(0.0, seconds)
    if use_rate_limit_reset:
        return seconds_until_reset(header_int(headers.get("ratelimit-reset")), now=now)
    return None


def _seconds_until_date(value: str, now: float) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def status_error(response: httpx.Response, content: bytes) -> APIStatusError:
    request = response.request
    status = response.status_code
    try:
        body: Any = _json.loads(content) if content else None
    except (ValueError, RecursionError):
        body = None
    error_id = body.get("id") if type(body) is dict and isinstance(body.get("id"), str) else None
    error_message = body.get("message") if type(body) is dict and isinstance(body.get("message"), str) else None
    request_id = _request_id(response, body)
    rate_limit = {name: response.headers[name] for name in _RATE_LIMIT_HEADERS if name in response.headers}
    reason = error_message or response.reason_phrase or "error"
    message = f"{request.method} {request.url.path} returned {status}"
    if error_id:
        message += f" {error_id}"
    message += f": {reason}"
    if request_id:
        message += f" (request_id={request_id})"
    retry_after = (
        retry_after_seconds(response.headers, use_rate_limit_reset=status == 429) if status in (429, 503) else None
    )
    if retry_after is not None:
        message += f"; retry after {retry_after:.0f} s"
    kwargs: dict[str, Any] = {
        "status_code": status,
        "error_id": error_id,
        "error_message": error_message,
        "request_id": request_id,
        "rate_limit": rate_limit,
        "retry_after": retry_after,
        "method": request.method,
        "url": request.url.path,
    }
    error_cls = _STATUS_ERRORS.get(status)
    if error_cls is None:
        error_cls = InternalServerError if status >= 500 else APIStatusError
    return error_cls(message, **kwargs)
