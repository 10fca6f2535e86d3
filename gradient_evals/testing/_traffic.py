"""What the emulator saw: the request log, and the rate-limit counter behind the ``ratelimit-*`` headers."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

__all__ = ["RATE_LIMIT", "RecordedRequest", "Traffic"]

RATE_LIMIT = 5000
RATE_WINDOW = 3600


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received, as seen by the server.

    ``status`` is None when no response was sent (a ``reset`` fault); ``fault`` is the fault's name
    (``Fault.name``) when one fired.  ``path`` is the raw path as sent, without the query string.
    """

    method: str
    path: str
    query: dict[str, str]
    authorized: bool
    status: int | None
    fault: str | None
    had_authorization_header: bool
    request_id: str = ""
    body: bytes = b""
    # Left out of the repr: the headers hold the client's bearer token, and reprs end up in logs and reports.
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    time: float = 0.0


class Traffic:
    """The request log and the rate-limit window; thread-safe.

    By default ``ratelimit-remaining`` counts down from 5000 per response and wraps around, never enforced.
    With ``rate_limit=(limit, seconds)`` the limit is enforced over a sliding window, as the API does: each
    admitted request counts for ``seconds``, ``ratelimit-reset`` is the epoch second (rounded up) at which the
    oldest counted request expires, and a request over the limit is refused with a 429 and ``Retry-After``.
    """

    def __init__(self, rate_limit: tuple[int, float] | None = None) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._request_count = 0
        self._window_start = int(time.time())
        self.rate_limit = rate_limit
        self._admitted: deque[float] = deque()  # when each request of the sliding window was admitted

    def record(self, entry: RecordedRequest) -> None:
        """Append one request to the log."""
        with self._lock:
            self._requests.append(entry)

    def requests(self) -> list[RecordedRequest]:
        """A copy of the log, in the order responses were decided."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Empty the log."""
        with self._lock:
            self._requests.clear()

    def admit(self) -> list[tuple[str, str]] | None:
        """Count a request against an enforced limit: None when it may proceed, else the headers of its 429."""
        if self.rate_limit is None:
            return None
        limit, window = self.rate_limit
        with self._lock:
            now = time.time()
            self._expire(now, window)
            if len(self._admitted) < limit:
                self._admitted.append(now)
                return None
            free_at = self._admitted[0] + window
            return [*self._window_headers(now, limit, window), ("Retry-After", str(max(1, math.ceil(free_at - now))))]

    def _expire(self, now: float, window: float) -> None:
        while self._admitted and self._admitted[0] <= now - window:
            self._admitted.popleft()

    def _window_headers(self, now: float, limit: int, window: float) -> list[tuple[str, str]]:
        oldest = self._admitted[0] if self._admitted else now
        return [
            ("ratelimit-limit", str(limit)),
            ("ratelimit-remaining", str(max(0, limit - len(self._admitted)))),
            ("ratelimit-reset", str(math.ceil(oldest + window))),
        ]

    def rate_headers(self, *, exhausted: bool = False, reset_in: int | None = None) -> list[tuple[str, str]]:
        """The ``ratelimit-*`` headers of one response (each call counts one response, unless enforced)."""
        if self.rate_limit is not None and not exhausted:
            limit, window = self.rate_limit
            with self._lock:
                now = time.time()
                self._expire(now, window)
                return self._window_headers(now, limit, window)
        with self._lock:
            self._request_count += 1
            now = int(time.time())
            while now >= self._window_start + RATE_WINDOW:
                self._window_start += RATE_WINDOW
            remaining = 0 if exhausted else RATE_LIMIT - 1 - (self._request_count - 1) % RATE_LIMIT
            reset = now + reset_in if reset_in is not None else self._window_start + RATE_WINDOW
        return [
            ("ratelimit-limit", str(RATE_LIMIT)),
            ("ratelimit-remaining", str(remaining)),
            ("ratelimit-reset", str(reset)),
        ]
