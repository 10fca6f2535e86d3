"""Faults the emulator can inject, and the rules deciding on which requests they fire."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .._exceptions import InvalidArgumentError

__all__ = ["Fault", "FaultBook", "FaultRule", "error_id"]

_ERROR_IDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def error_id(status: int) -> str:
    """The ``id`` of an error body for an HTTP status (``"server_error"`` for unknown 5xx)."""
    if status in _ERROR_IDS:
        return _ERROR_IDS[status]
    return "server_error" if status >= 500 else "error"


@dataclass(frozen=True)
class Fault:
    """A misbehaviour of the server; build one with the class methods, then pass it to ``inject``.

    Every fault fires *before* the request is handled, so a faulted ``POST`` creates nothing -- unless the
    fault was built with ``after_action=True``: then the request is handled normally (a ``POST`` creates its
    runs) and the fault replaces the response the client would have seen.
    """

    kind: str
    status_code: int | None = None
    seconds: float = 0.0
    retry_after: float | None = None
    message: str | None = None
    after_action: bool = False

    @property
    def name(self) -> str:
        """Short label, also stored in ``RecordedRequest.fault`` (e.g. ``"status:503"``, ``"reset"``)."""
        if self.kind in ("status", "html_error"):
            return f"{self.kind}:{self.status_code}"
        return self.kind

    @classmethod
    def status(cls, code: int, *, message: str | None = None, after_action: bool = False) -> Fault:
        """Answer with HTTP ``code`` and a JSON error body (``{"id", "message", "request_id"}``)."""
        if not 400 <= code <= 599:
            raise InvalidArgumentError("a status fault needs a 4xx or 5xx code")
        return cls("status", status_code=code, message=message, after_action=after_action)

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1, *, after_action: bool = False) -> Fault:
        """Answer 429 with ``ratelimit-remaining: 0`` and, unless ``retry_after`` is None, ``Retry-After``.

        ``Retry-After`` is written as whole seconds (rounded up); ``ratelimit-reset`` is always set.
        """
        if retry_after is not None and retry_after < 0:
            raise InvalidArgumentError("retry_after must not be negative")
        return cls("rate_limited", status_code=429, retry_after=retry_after, after_action=after_action)

    @classmethod
    def html_error(cls, code: int = 502, *, after_action: bool = False) -> Fault:
        """Answer ``code`` with an HTML page (``content-type: text/html``), as a proxy in front would."""
        return cls("html_error", status_code=code, after_action=after_action)

    @classmethod
    def reset(cls, *, after_action: bool = False) -> Fault:
        """Close the connection abortively (TCP RST, ``SO_LINGER`` 0) without sending any response."""
        return cls("reset", after_action=after_action)

    @classmethod
    def truncated(cls, *, after_action: bool = False) -> Fault:
        """Send 200 with the real ``Content-Length`` but only half of the body, then close the connection."""
        return cls("truncated", status_code=200, after_action=after_action)

    @classmethod
    def stall(cls, seconds: float, *, after_action: bool = False) -> Fault:
        """Send the headers and part of the body, then go silent for ``seconds`` and close the connection."""
        return cls("stall", status_code=200, seconds=seconds, after_action=after_action)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (on top of the server latency), then answer normally."""
        return cls("delay", seconds=seconds)

    @classmethod
    def malformed_json(cls, *, after_action: bool = False) -> Fault:
        """Answer 200 with ``content-type: application/json`` and a body that is not valid JSON."""
        return cls("malformed_json", status_code=200, after_action=after_action)


class FaultRule:
    """An injected fault together with when it fires.  Returned by ``FakeGradientServer.inject``.

    Counting is per rule and only over requests matching ``method``/``path``.  When several rules want to
    fire on the same request, the one injected first wins and the others do not count a firing.
    """

    def __init__(
        self,
        fault: Fault,
        *,
        on_request: int | None,
        every: int | None,
        rate: float | None,
        times: int | None,
        method: str | None,
        path: str | None,
        rng: random.Random,
    ) -> None:
        chosen = [x is not None for x in (on_request, every, rate)]
        if sum(chosen) > 1:
            raise InvalidArgumentError("use at most one of on_request, every and rate")
        if on_request is not None and on_request < 1:
            raise InvalidArgumentError("on_request counts from 1")
        if every is not None and every < 1:
            raise InvalidArgumentError("every must be >= 1")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise InvalidArgumentError("rate must be within [0, 1]")
        if times is not None and times < 0:
            raise InvalidArgumentError("times must be >= 0")
        self.fault = fault
        self.on_request = on_request
        self.every = every
        self.rate = rate
        self.times = 1 if on_request is not None and times is None else times
        self.method = method.upper() if method else None
        self.path = path
        self.seen = 0
        self.fired = 0
        self._rng = rng

    def matches(self, method: str, path: str) -> bool:
        """Whether a request counts for this rule."""
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path in path

    def count_and_decide(self) -> bool:
        """Count one matching request and say whether the fault should fire on it."""
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.on_request is not None:
            return self.seen == self.on_request
        if self.every is not None:
            return self.seen % self.every == 0
        if self.rate is not None:
            return self._rng.random() < self.rate
        return True

    def __repr__(self) -> str:
        return (
            f"FaultRule({self.fault.name}, on_request={self.on_request}, every={self.every}, "
            f"rate={self.rate}, times={self.times}, method={self.method}, path={self.path}, "
            f"seen={self.seen}, fired={self.fired})"
        )


class FaultBook:
    """The injected rules of one server, in injection order; picks the fault of each request.  Thread-safe."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._counter = 0

    def add(self, make: Callable[[random.Random], FaultRule]) -> FaultRule:
        """Add the rule ``make(rng)`` builds; its RNG is seeded by the server seed and the rule's rank."""
        with self._lock:
            self._counter += 1
            rule = make(random.Random(f"gradient-evals-fault:{self._seed}:{self._counter}"))
            self._rules.append(rule)
            return rule

    def remove(self, rule: FaultRule) -> None:
        """Remove one rule (nothing happens if it is not there)."""
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        """A copy of the rules, in injection order."""
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str) -> Fault | None:
        """Count the request for every matching rule and return the fault to fire, if any (first rule wins)."""
        chosen: Fault | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.count_and_decide() and chosen is None:
                    rule.fired += 1
                    chosen = rule.fault
        return chosen
