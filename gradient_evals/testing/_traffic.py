"""What the emulator saw: the request log, and the rate-limit counter behind the ``ratelimit-*`` headers."""

from __future__ import annotations

import threading
import time
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

    ``ratelimit-remaining`` counts down from 5000 per response and wraps around; it is never enforced.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._request_count = 0
        self._window_start = int(time.time())

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

    def rate_headers(self, *, exhausted: bool = False, reset_in: int | None = None) -> list[tuple[str, str]]:
        """The ``ratelimit-*`` headers of one response (each call counts one response)."""
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
