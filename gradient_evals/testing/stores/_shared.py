"""What every store of a server shares: the settings, and one RNG and one lock for deterministic draws.

The stores draw identifiers and synthetic data from one generator, in the order the calls arrive, so a seed and
a sequence of calls always give the same data; the lock keeps those draws (and the records they make) atomic.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from typing import Protocol

from ..._exceptions import InvalidArgumentError

__all__ = ["Draws", "StateSettings", "check_new_id", "is_finite_number"]


class StateSettings(Protocol):
    """The server settings that shape the data; read when used, so they may change while serving."""

    seed: int
    run_duration: float
    per_page_max: int
    default_per_page: int
    final_status: str


@dataclass(frozen=True)
class Draws:
    """The seed, its random generator and the lock every draw and write happens under."""

    seed: int
    rng: random.Random
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def for_seed(cls, seed: int) -> Draws:
        return cls(seed, random.Random(f"gradient-evals-emulator:{seed}"))


def check_new_id(given: str, taken: object, what: str) -> str:
    """``given`` as a new identifier: any non-empty string (placeholders such as ``"example string"`` too)."""
    if not isinstance(given, str) or not given:
        raise InvalidArgumentError(f"a {what} id is a non-empty string, got {given!r}")
    if isinstance(taken, dict | set) and given in taken:
        raise InvalidArgumentError(f"a {what} with id {given!r} already exists")
    return given


def is_finite_number(value: object) -> bool:
    """A real number (not a bool) that JSON can carry: neither NaN nor an infinity."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
