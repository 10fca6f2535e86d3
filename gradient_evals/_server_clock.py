"""The server's clock as the pacer reads it: the local clock plus the skew one ``Date`` header showed.

Rate-limit resets may come as epoch seconds on the server's clock. Reading them on a local clock that is off
would hold requests too long or not long enough, so the skew is measured once, and believed only when it is
more than the header's rounding and less than :data:`MAX_CLOCK_SKEW`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from ._responses import MAX_CLOCK_SKEW, clock_skew

__all__ = ["ServerClock"]

log = logging.getLogger("gradient_evals")

_DATE_RESOLUTION: Final = 2.0
"""Seconds of measured skew that are only the rounding of an HTTP ``Date`` (whole seconds, at both ends)."""


class ServerClock:
    """The server's clock, measured from its first readable ``Date`` header and then kept."""

    def __init__(self, wall: Callable[[], float]) -> None:
        self._wall = wall
        self._skew = 0.0  # the server's clock minus ours, when believed
        self.measured: float | None = None
        """What the ``Date`` said (the server's clock minus ours), believed or not; ``None`` until read."""

    def measure(self, date: str | None) -> None:
        """Read the skew from a ``Date`` header; a value that is not a date leaves it unmeasured."""
        skew = None if date is None else clock_skew(date, now=self._wall())
        if skew is None:
            return
        self.measured = skew
        if abs(skew) < _DATE_RESOLUTION:
            # A Date header counts whole seconds: a skew under two of them is the header's rounding, not a clock
            # that is off, and believing it would stretch a 60 s reset past a 60 s max_wait.
            self._skew = 0.0
        elif abs(skew) <= MAX_CLOCK_SKEW:
            self._skew = skew
        else:
            log.warning("the server's Date is %.0f s off the local clock: not believed for rate-limit resets", skew)

    def now(self) -> float:
        """The server's clock now (epoch seconds); the local clock when no believable ``Date`` was read."""
        return self._wall() + self._skew

    def offsets(self) -> tuple[float, ...]:
        """The offsets from the local clock at which the server's clock may be: 0, and what its ``Date`` said."""
        measured = self.measured
        return (0.0,) if measured is None or abs(measured) < 1.0 else (0.0, measured)
