"""Spending the rate limit well: the policy a client is given and the snapshot it shows (``client.rate_limit``).

The API counts a token's requests in a sliding window and says so on every response: ``ratelimit-limit``
requests are allowed, ``ratelimit-remaining`` are left, and ``ratelimit-reset`` is the epoch second at which the
oldest counted request expires. Past the limit it answers 429 (with ``Retry-After`` on a burst).

The pacer reads those headers from every response and keeps an estimate of what is left, less the requests
already sent and not yet answered. While plenty is left a request costs one comparison. When little is left:

- *background* requests (pages of a stream, a wait's polls) leave a reserve for interactive calls and are
  spread evenly over the time to the reset instead of being sent at once and refused;
- any request waits for the reset when nothing at all is left, and every request waits out a ``Retry-After``;
- a pager fetches only as many pages at once as the budget allows (:meth:`Pacer.allowance`).

A request is never held past a deadline: the policy's ``max_wait``, the request's own timeout or an enclosing
cancel scope's deadline (``wait()``'s, or the caller's). Past one, the request is not sent and
:class:`RateLimitError` says how long it would have had to wait.

``ratelimit-reset`` is read on the server's clock, through the skew its first ``Date`` header shows (not
believed beyond ten minutes), and a wait read from it holds no request longer than ``max_wait``: then the server
is asked again, and its answer read afresh.

The pacer knows only this client's requests: other processes on the same token are invisible to it, except
through the headers, which show their spending after the fact.

The pacer that applies the policy, one per client and shared by every request it sends, is in :mod:`._pacer`.
"""

from __future__ import annotations

import math

import attrs

from ._exceptions import ArgumentTypeError, InvalidArgumentError

__all__ = ["RateLimitPolicy", "RateLimitState", "rate_limit_policy"]


def _check_reserve(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise InvalidArgumentError(f"reserve must be a fraction in [0, 1), got {value!r}")


def _check_max_wait(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value) or value < 0:
        raise InvalidArgumentError(f"max_wait must be a number of seconds >= 0, got {value!r}")


def _check_ceiling(instance: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"max_requests_per_minute must be an int >= 1 or None, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimitPolicy:
    """How the client spends its rate limit (``rate_limit=RateLimitPolicy(...)``; ``"auto"`` is the default one).

    Attributes:
        reserve: the fraction of the limit that background work (pages of a stream, a wait's polls) leaves
            for interactive calls (``retrieve``, ``create``...). 5% by default.
        max_wait: the longest the client holds one request for the rate limit; a longer hold raises
            :class:`RateLimitError` instead of sleeping.
        max_requests_per_minute: the client's own ceiling, below the server's. The pacer only knows this
            client's requests: several processes on one token each need a share of the limit set here.
    """

    reserve: float = attrs.field(default=0.05, validator=_check_reserve)
    max_wait: float = attrs.field(default=60.0, validator=_check_max_wait)
    max_requests_per_minute: int | None = attrs.field(default=None, validator=_check_ceiling)


@attrs.frozen(kw_only=True)
class RateLimitState:
    """What the client knows of its rate limit and what the pacer is doing about it (``client.rate_limit``).

    Attributes:
        limit: requests allowed per window (``ratelimit-limit`` of the last response).
        remaining: requests left, as the last response said (``ratelimit-remaining``).
        reset: the epoch second at which the oldest counted request expires (``ratelimit-reset``).
        reset_in: seconds from now until then, by the server's clock (its ``Date`` header).
        estimated_remaining: what the pacer counts on: ``remaining`` less the requests sent since.
        reserve: requests background work leaves for interactive calls.
        spacing: seconds the pacer currently puts between background requests (0 while plenty is left).
        holding: seconds until the last request the pacer is holding may go (0 when it holds none).
        max_requests_per_minute: the client's own ceiling, if one is set.
        pacing: False when the client was made with ``rate_limit=None``.
    """

    limit: int | None = None
    remaining: int | None = None
    reset: int | None = None
    reset_in: float | None = None
    estimated_remaining: int | None = None
    reserve: int = 0
    spacing: float = 0.0
    holding: float = 0.0
    max_requests_per_minute: int | None = None
    pacing: bool = True

    def __str__(self) -> str:
        parts = [
            f"limit {self.limit if self.limit is not None else 'unknown'}",
            f"{self.remaining if self.remaining is not None else 'unknown'} remaining",
        ]
        if self.reset_in is not None:
            parts.append(f"window moves on in {self.reset_in:.1f} s")
        text = ", ".join(parts)
        if not self.pacing:
            return text + "; pacing off"
        if self.max_requests_per_minute is not None:
            text += f"; at most {self.max_requests_per_minute} requests a minute"
        if self.spacing > 0:
            text += f"; background requests {self.spacing:.2f} s apart, {self.reserve} kept in reserve"
        if self.holding > 0:
            text += f"; holding requests for {self.holding:.2f} s"
        return text


def rate_limit_policy(option: object) -> RateLimitPolicy | None:
    """The policy for a ``rate_limit=`` option: ``"auto"``, a :class:`RateLimitPolicy` or ``None``."""
    if option is None or isinstance(option, RateLimitPolicy):
        return option
    if option == "auto":
        return RateLimitPolicy()
    raise ArgumentTypeError(f'rate_limit must be "auto", a RateLimitPolicy or None, got {option!r}')
