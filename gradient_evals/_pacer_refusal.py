"""When the pacer refuses to hold a request: the deadline no hold may pass, and the error raised instead.

A request is held only as long as the tightest of three bounds allows: the rate-limit policy's ``max_wait``, the
request's own timeout and the caller's cancel scope. Past it, the request is not sent and :class:`HeldTooLong`
says which bound ruled and how long the wait would have been.
"""

from __future__ import annotations

from typing import Final

import anyio
import httpx

from ._exceptions import RateLimitError

__all__ = ["HeldTooLong", "hold_deadline", "held_too_long"]

_HEADER_ROUNDING: Final = 1.0
"""Seconds by which the whole-second rate-limit headers may overstate a wait."""


class HeldTooLong(RateLimitError):
    """The request was not sent: the rate limit would have held it past a deadline.

    ``retry_after`` is how long it would have had to wait, or less: a wait read through the server's clock is
    believed for at most the policy's ``max_wait``, after which the client asks the server again. A
    :class:`RateLimitError`, raised before sending; the client does not retry it, since waiting is what the
    deadline ruled out.
    """


def hold_deadline(now: float, max_wait: float, timeout: float | httpx.Timeout | None) -> tuple[float, str]:
    """The time (on the clock ``now`` is read from) past which no request is held, and what sets it."""
    # `ratelimit-reset` and `Date` count whole seconds: a window said to move on in 60 s may read as 60.9 s
    # away. That rounding does not make a 60 s max_wait refuse a full window.
    deadline = now + max_wait + _HEADER_ROUNDING
    bound = f"the rate-limit policy's max_wait of {max_wait:g} s"
    if isinstance(timeout, int | float) and now + timeout < deadline:
        deadline, bound = now + timeout, f"the request's timeout of {timeout:g} s"
    scope_left = anyio.current_effective_deadline() - anyio.current_time()
    if now + scope_left < deadline:
        deadline, bound = now + scope_left, f"the caller's deadline ({max(0.0, scope_left):.1f} s away)"
    return deadline, bound


def held_too_long(
    method: str, path: str, *, claimed: float, bound: str, why: str, hold: float, headers: dict[str, str]
) -> HeldTooLong:
    """The error for a request the budget would hold ``claimed`` seconds, past ``bound``.

    ``hold`` is how long the pacer itself would have held it before asking the server again; ``headers`` are the
    rate-limit headers as last seen, carried by the error as a 429's would be.
    """
    again = f"; the server is asked again in {hold:.1f} s" if hold < claimed else ""
    return HeldTooLong(
        f"{method} {path} was not sent: the rate limit would have held it for {claimed:.1f} s ({why}), "
        f"longer than {bound}{again}",
        status_code=429,
        error_id="rate_limit_hold",
        rate_limit=headers,
        retry_after=hold,
        method=method,
        url=path,
    )
