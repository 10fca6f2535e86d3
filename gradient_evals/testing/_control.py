"""Changing a running emulator from another process: an agent's quality for the runs made from now on.

The emulator answers ``PUT /_emulator/agents/{agent}/quality`` (``handlers/emulator_control.py``); this is its
client, used by ``gradient-evals emulator-agent NAME=QUALITY``. In the emulator's own process, call
``FakeGradientServer.set_agent_profile`` instead.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import httpx

from .._exceptions import InvalidArgumentError

__all__ = ["EmulatorControlError", "check_quality", "set_agent_quality"]


class EmulatorControlError(Exception):
    """The emulator refused the change (``refused`` is True: an unknown agent, a bad quality) or could not be
    reached; the message says which, naming the URL."""

    def __init__(self, message: str, *, refused: bool) -> None:
        super().__init__(message)
        self.refused = refused


def check_quality(value: object) -> float:
    """A quality from 0 to 100, or ``ValueError`` saying what it must be."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgumentError(f"a quality is a number from 0 to 100, got {value!r}")
    if not 0 <= value <= 100:
        raise InvalidArgumentError(f"a quality is a number from 0 to 100, got {value!r}")
    return float(value)


def set_agent_quality(base_url: str, token: str, agent: str, quality: float, *, timeout: float = 10.0) -> str:
    """Set ``agent``'s quality (0-100) on the emulator at ``base_url``; returns the agent's UUID."""
    check_quality(quality)
    url = f"{base_url.rstrip('/')}/_emulator/agents/{quote(agent, safe='')}/quality"
    try:
        response = httpx.put(
            url, json={"quality": quality}, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise EmulatorControlError(f"cannot reach the emulator at {url}: {exc}", refused=False) from None
    if response.status_code != 200:
        try:
            message = str(response.json().get("message", ""))[:300]
        except ValueError:
            message = ""
        raise EmulatorControlError(
            f"the emulator at {base_url} refused: {message or response.reason_phrase} (HTTP {response.status_code})",
            refused=response.status_code in (400, 404),
        )
    return str(response.json().get("agent_uuid", agent))
