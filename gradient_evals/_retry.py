"""When a failed request is sent again, and after how long: the retry policy and the rules it applies.

The transport runs the retry loop; which failures are worth another attempt (and which may have reached the
server, so that a create must not simply be repeated) is decided here.
"""

from __future__ import annotations

import random
from typing import Final

import attrs
import httpx

from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    ArgumentTypeError,
    InvalidArgumentError,
    RateLimitError,
    ResponseTooLargeError,
)
from ._pacer import HeldTooLong

__all__ = ["RetryPolicy", "may_have_been_processed", "retry_policy", "retry_pause", "should_retry"]

_RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How failed requests are retried.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial_backoff: seconds before the first retry; doubles each time (with jitter), up to ``max_backoff``.
        max_backoff: the longest pause between two attempts when the server did not say how long to wait.
        max_retry_wait: the longest wait the SDK accepts from ``Retry-After`` or ``ratelimit-reset``; a 429
            asking for more raises :class:`RateLimitError` at once rather than sleeping for an hour.
        jitter: randomise backoff (full jitter between half and all of the computed pause).
    """

    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    initial_backoff: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_backoff: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_wait: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    jitter: bool = True

    def backoff(self, attempt: int) -> float:
        """The pause before retry number ``attempt`` (1-based) when the server gave no hint."""
        pause: float = min(self.max_backoff, self.initial_backoff * (2 ** (attempt - 1)))
        return pause * random.uniform(0.5, 1.0) if self.jitter else pause


def retry_policy(retry: object, max_retries: object) -> RetryPolicy:
    """The client's policy from its ``retry`` and ``max_retries`` arguments (the count overrides the policy's)."""
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise ArgumentTypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    policy = retry or RetryPolicy()
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgumentError(f"max_retries must be an int >= 0, got {max_retries!r}")
        policy = attrs.evolve(policy, max_retries=max_retries)
    return policy


def should_retry(policy: RetryPolicy, exc: BaseException, idempotent: bool) -> bool:
    """Whether ``exc`` is worth another attempt under ``policy`` (``idempotent``: the request may be repeated)."""
    if isinstance(exc, HeldTooLong):  # never sent: waiting is what a deadline ruled out
        return False
    if isinstance(exc, APIStatusError):
        if exc.retry_after is not None and exc.retry_after > policy.max_retry_wait:
            return False
        # A 429 is refused before anything is done, so even a create may be sent again.
        return exc.status_code == 429 or (idempotent and exc.status_code in _RETRYABLE_STATUSES)
    if isinstance(exc, APIConnectionError):
        return idempotent or _never_sent(exc)
    if isinstance(exc, ResponseTooLargeError):
        return False  # the same request would most likely be answered the same way
    if isinstance(exc, APIResponseValidationError):
        return idempotent
    return False


def retry_pause(policy: RetryPolicy, exc: BaseException | None, attempt: int) -> float:
    """The wait after failed attempt ``attempt``: what the server asked for, else backoff with jitter."""
    hinted = getattr(exc, "retry_after", None)
    if hinted is not None:
        return float(max(0.0, hinted))
    return policy.backoff(attempt)


def _never_sent(exc: BaseException) -> bool:
    """True when the request provably never reached the server (it could not connect)."""
    cause = exc.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def may_have_been_processed(exc: APIError) -> bool:
    """For a POST that failed: could the server have acted on it before the failure?"""
    if isinstance(exc, RateLimitError):
        return False
    if isinstance(exc, APIStatusError):
        return exc.status_code >= 500 or exc.status_code == 408
    if isinstance(exc, APIConnectionError):
        return not _never_sent(exc)
    return isinstance(exc, APIResponseValidationError)
