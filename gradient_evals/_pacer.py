"""The pacer: the rate-limit budget of one client, shared by every request the client sends.

How it spends the budget, and when it holds or refuses a request, is described in :mod:`._ratelimit`.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

import anyio
import httpx

from ._pacer_refusal import HeldTooLong, held_too_long, hold_deadline
from ._ratelimit import RateLimitPolicy, RateLimitState
from ._responses import header_int, retry_after_seconds, seconds_until_reset
from ._server_clock import ServerClock

__all__ = ["HeldTooLong", "Pacer", "background_requests"]

log = logging.getLogger("gradient_evals")

_UNKNOWN_RESET_SPACING: Final = 1.0
"""Seconds between background requests when the budget is low but the server gave no reset time."""
_PROBE_WAIT: Final = 1.0
"""How long requests wait for the answer to the one request sent when the window should have moved on."""
_IN_FLIGHT_GRACE: Final = 5.0
"""Seconds past its timeout after which a request that never reported back stops counting as in flight."""
_UNBOUNDED_TIMEOUT: Final = 120.0
"""What an ``httpx.Timeout`` counts as for that purpose (it bounds each read, not the whole request)."""

_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("gradient_evals_background", default=False)
# The method and path of the request refused with a 429 in this task, whose retry is not held again.
_REFUSED: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "gradient_evals_refused", default=None
)


@contextlib.contextmanager
def background_requests() -> Iterator[None]:
    """Mark the requests sent inside as background work (pages, polls): they leave the reserve alone."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


class Pacer:
    """The rate-limit budget of one client: :meth:`acquire` before each attempt, :meth:`observe` after it.

    All of it runs on the client's event loop (the blocking client's threads all go through its loop thread),
    so its state needs no lock: nothing awaits between reading and updating it.
    """

    def __init__(
        self,
        policy: RateLimitPolicy | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.policy = policy
        # The clocks and the sleep are parameters so that tests can run the pacer on a simulated clock.
        self._clock = clock
        self._server_clock = ServerClock(wall)
        self._sleep = sleep
        self.enabled = policy is not None
        self._limit: int | None = None
        self._server_remaining: int | None = None
        self._reset: int | None = None
        self._reset_at: float | None = None  # monotonic time of the reset
        # Estimated requests left; unknown (infinite) until a response says.
        self._remaining: float = math.inf
        # At or below this estimate requests are planned one by one; minus infinity when pacing is off.
        self._low: float = 2.0 if policy is not None else -math.inf
        self._reserve = 0
        self._open = True  # False while a Retry-After or the client's own ceiling applies
        self._blocked_until = 0.0
        self._block_ticket = 0  # the first ticket issued after the server last asked for quiet
        self._next_slot = 0.0
        self._held_until = 0.0
        self._credited = False
        # When a reset read through the server's clock stops being believed and the server is asked again.
        self._ask_at = math.inf
        self._answers = 0
        self._tickets = itertools.count()
        self._in_flight: dict[int, float] = {}
        self._news: anyio.Event | None = None
        self._ceiling = policy.max_requests_per_minute if policy is not None else None
        self._recent: deque[float] | None = deque() if self._ceiling is not None else None
        if self._ceiling is not None:
            self._open = False

    # -- the two hooks -----------------------------------------------------------------------------------

    async def acquire(self, method: str, path: str, timeout: float | httpx.Timeout | None) -> int:
        """Wait until the budget allows a request; return the ticket :meth:`observe` takes back.

        Raises :class:`HeldTooLong` (a :class:`RateLimitError`) when the wait would pass a deadline.
        """
        ticket = next(self._tickets)
        if (self._open and self._remaining > self._low) or not self.enabled:
            self._take(ticket, timeout, 0.0)
        else:
            await self._wait_turn(ticket, method, path, timeout)
        return ticket

    def observe(self, ticket: int, response: httpx.Response) -> None:
        """Read the rate-limit headers (and ``Retry-After`` of a 429) of the answer to ``ticket``."""
        self._in_flight.pop(ticket, None)
        headers = response.headers
        # The limit and the server's clock change seldom: while plenty is left they are read every 64th answer
        # (a header lookup is most of what this method costs).
        self._answers += 1
        thorough = not self._answers & 63 or self._remaining <= self._low * 2 or self._limit is None
        if thorough and self._server_clock.measured is None:
            # Measured once: a server's clock that wanders from answer to answer must not move every wait with it.
            self._server_clock.measure(headers.get("date"))
        remaining = header_int(headers.get("ratelimit-remaining"))
        if remaining is not None:
            self._observe_budget(remaining, headers, thorough)
        if response.status_code == 429:
            self._observe_refusal(headers, response.request)
        elif self._blocked_until and ticket >= self._block_ticket:
            # A request sent after the server asked for quiet got through: the quiet is over.
            self._blocked_until = 0.0
            self._reopen()
        if self._news is not None:
            self._news.set()
            self._news = None

    # -- what others ask of it ---------------------------------------------------------------------------

    def allowance(self, wanted: int) -> int:
        """How many of ``wanted`` concurrent background requests the budget allows now (at least 1)."""
        if not self.enabled or math.isinf(self._remaining):
            return wanted
        return max(1, min(wanted, int(self._remaining - self._low)))

    def server_time(self) -> float:
        """The server's clock now (epoch seconds), as its first ``Date`` header showed it (to the second).

        A ``Date`` more than :data:`MAX_CLOCK_SKEW` from the local clock is not believed: this is then the local clock.
        """
        return self._server_clock.now()

    def clock_offsets(self) -> tuple[float, ...]:
        """The offsets from the local clock at which the server's clock may be: 0, and what its ``Date`` said.

        The second is there, believed or not, whenever a ``Date`` was read and differs from the local clock: a
        decision that must hold whichever clock is right (create recovery's) checks every one of them.
        """
        return self._server_clock.offsets()

    def state(self) -> RateLimitState | None:
        """A snapshot for ``client.rate_limit``; ``None`` until a response has carried rate-limit headers."""
        if self._server_remaining is None and self._limit is None:
            return None
        now = self._clock()
        reset_in = None if self._reset_at is None else max(0.0, self._reset_at - now)
        estimate = None if math.isinf(self._remaining) else max(0, int(self._remaining))
        return RateLimitState(
            limit=self._limit,
            remaining=self._server_remaining,
            reset=self._reset,
            reset_in=reset_in,
            estimated_remaining=estimate,
            reserve=self._reserve,
            spacing=self._spacing(now) if self.enabled else 0.0,
            holding=max(0.0, self._held_until - now),
            max_requests_per_minute=self._ceiling,
            pacing=self.enabled,
        )

    # -- machinery ---------------------------------------------------------------------------------------

    def _observe_budget(self, remaining: int, headers: httpx.Headers, thorough: bool) -> None:
        self._server_remaining = remaining
        limit = header_int(headers.get("ratelimit-limit")) if thorough else None
        if limit is not None and limit != self._limit:
            self._limit = limit
            if self.policy is not None:
                self._reserve = math.ceil(limit * self.policy.reserve)
                self._low = float(max(2 * self._reserve, 2))
        reset = header_int(headers.get("ratelimit-reset"))
        if remaining <= self._low * 2:
            self._forget_lost_requests()
        # The requests sent and not yet answered are not in this count (or some are: then the estimate errs low).
        estimate = float(remaining - len(self._in_flight))
        if reset is not None and reset == self._reset:
            # Until the window moves on the count only goes down: an answer overtaken by later ones must not
            # raise the estimate again.
            estimate = min(estimate, self._remaining)
            if self._clock() >= self._ask_at:
                self._read_reset(reset)  # the answer to asking again: the wait is read afresh, never kept
        elif reset is not None:
            self._reset = reset
            self._read_reset(reset)
        self._remaining = estimate

    def _read_reset(self, reset: int) -> None:
        until = seconds_until_reset(reset, now=self.server_time())
        now = self._clock()
        self._reset_at = None if until is None else now + until  # None: a value not to believe
        self._ask_at = now + self.policy.max_wait if self.policy is not None else math.inf
        if until is None or until > 0:
            self._credited = False

    def _until_reset(self, now: float) -> float | None:
        """Seconds until the window should move on, as far as the pacer believes the server: never past ``_ask_at``."""
        if self._reset_at is None:
            return None
        return min(self._reset_at, self._ask_at) - now

    def _observe_refusal(self, headers: httpx.Headers, request: httpx.Request) -> None:
        # The client retries a 429 only after waiting as long as the server asked: that retry is the request
        # that finds out whether the window has moved on, so the pacer lets it through (see _wait_turn).
        _REFUSED.set((request.method, request.url.path))
        wait = retry_after_seconds(headers, now=self.server_time(), use_rate_limit_reset=False)
        # A wait longer than max_wait is not kept for the whole client: no request would be held that long, so
        # each meets the server's own answer instead of a refusal made up from an old one.
        if wait is not None and self.policy is not None and wait <= self.policy.max_wait:
            self._blocked_until = max(self._blocked_until, self._clock() + wait)
            self._block_ticket = next(self._tickets)
            self._open = False
            log.debug("rate limit: the server asked for %.1f s of quiet; holding every request until then", wait)
        if header_int(headers.get("ratelimit-remaining")) is None:
            self._remaining = min(self._remaining, 0.0)

    def _forget_lost_requests(self) -> None:
        """Requests that never reported back (a failed connection, a cancelled task) stop counting in time."""
        now = self._clock()
        lost = [ticket for ticket, expiry in self._in_flight.items() if expiry < now]
        for ticket in lost:
            del self._in_flight[ticket]

    def _spacing(self, now: float) -> float:
        """Seconds between background requests under the present budget."""
        quiet = max(0.0, self._blocked_until - now)
        if self._remaining > self._low:
            return quiet
        until = self._until_reset(now)
        until_reset = _UNKNOWN_RESET_SPACING if until is None else max(0.0, until)
        available = self._remaining - self._reserve
        return max(quiet, until_reset / available if available >= 1 else until_reset)

    def _plan(self, now: float, background: bool) -> tuple[float, float | None, str, float]:
        """When this request may go: ``(hold, slot, why, claimed)``.

        ``slot`` is not None when the request is given a place in the spread-out sequence: it goes after
        ``hold`` and the next one may go at ``slot``. Otherwise it goes now when ``hold`` is 0, and is planned
        again after ``hold`` (or sooner, when an answer brings news). ``claimed`` is the wait the server's
        answer claims, which decides whether the request is refused; ``hold`` is never more than the pacer
        believes it before asking the server again.
        """
        if now < self._blocked_until:
            hold = self._blocked_until - now
            return hold, None, "the server asked for quiet (Retry-After)", hold
        recent = self._recent
        if recent is not None and self._ceiling is not None:
            while recent and recent[0] <= now - 60.0:
                recent.popleft()
            if len(recent) >= self._ceiling:
                hold = recent[0] + 60.0 - now
                return hold, None, f"at most {self._ceiling} requests a minute", hold
        if self._remaining > self._low:
            return 0.0, None, "", 0.0
        available = self._remaining - (self._reserve if background else 0)
        until_reset = self._until_reset(now)
        if available >= 1:
            if not background:
                return 0.0, None, "", 0.0
            start = max(now, self._next_slot)
            span = _UNKNOWN_RESET_SPACING * available if until_reset is None else max(0.0, until_reset + now - start)
            why = f"{self._remaining:.0f} of {self._limit} left, spread over {span:.1f} s to the reset"
            return start - now, start + span / available, why, start - now
        if until_reset is not None and until_reset > 0:
            left = "nothing" if self._remaining < 1 else "only the reserve"
            claimed = until_reset if self._reset_at is None else self._reset_at - now
            return until_reset, None, f"{left} left of {self._limit} until the window moves on", claimed
        if not self._credited:
            # The window should have moved on, but no answer has said so yet: send one request to find out.
            self._credited = True
            return 0.0, None, "", 0.0
        return _PROBE_WAIT, None, "waiting for the window to move on", _PROBE_WAIT

    async def _sleep_unless(self, news: anyio.Event, seconds: float) -> None:
        """Sleep ``seconds``, or less when an answer brings news of the budget."""

        async def sleep_then_stop() -> None:
            await self._sleep(seconds)
            group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(sleep_then_stop)
            await news.wait()
            group.cancel_scope.cancel()

    def _take(self, ticket: int, timeout: float | httpx.Timeout | None, hold: float) -> None:
        """Count a request as spent from the moment it is certain to be sent (after ``hold`` seconds)."""
        self._remaining -= 1
        bound = timeout if isinstance(timeout, int | float) else _UNBOUNDED_TIMEOUT
        self._in_flight[ticket] = self._clock() + hold + bound + _IN_FLIGHT_GRACE
        if self._recent is not None:
            self._recent.append(self._clock() + hold)

    async def _wait_turn(self, ticket: int, method: str, path: str, timeout: float | httpx.Timeout | None) -> None:
        if _REFUSED.get() == (method, path):
            # The retry of a refused request: the client already waited what the server asked for.
            _REFUSED.set(None)
            self._credited = True
            self._take(ticket, timeout, 0.0)
            return
        assert self.policy is not None  # only waited for while pacing
        deadline, bound = hold_deadline(self._clock(), self.policy.max_wait, timeout)
        background = _BACKGROUND.get()
        while True:
            now = self._clock()
            hold, slot, why, claimed = self._plan(now, background)
            if hold <= 0 and slot is None:
                break
            if now + claimed > deadline:
                raise self._refusal(method, path, claimed, bound, why, hold)
            if slot is not None:
                # A place in the spread-out sequence: booked now, so the next request plans after it.
                self._next_slot = slot
                self._take(ticket, timeout, hold)
                if hold > 0:
                    self._held_until = max(self._held_until, now + hold)
                    log.debug("rate limit: holding %s %s for %.2f s (%s)", method, path, hold, why)
                    await self._sleep(hold)
                self._reopen()
                return
            self._held_until = max(self._held_until, now + hold)
            log.debug("rate limit: holding %s %s for %.2f s (%s)", method, path, hold, why)
            news = self._news = self._news or anyio.Event()
            await self._sleep_unless(news, hold)
            if why == "waiting for the window to move on" and not news.is_set():
                self._credited = False  # the probe never answered: let another request find out
        self._take(ticket, timeout, 0.0)
        self._reopen()

    def _reopen(self) -> None:
        """Back to the one-comparison path once no Retry-After applies (and no ceiling is set)."""
        self._open = self._ceiling is None and self._clock() >= self._blocked_until

    def _refusal(self, method: str, path: str, claimed: float, bound: str, why: str, hold: float) -> HeldTooLong:
        headers = {}
        if self._limit is not None:
            headers["ratelimit-limit"] = str(self._limit)
        if self._server_remaining is not None:
            headers["ratelimit-remaining"] = str(self._server_remaining)
        if self._reset is not None:
            headers["ratelimit-reset"] = str(self._reset)
        return held_too_long(method, path, claimed=claimed, bound=bound, why=why, hold=hold, headers=headers)
