"""The clients' defaults, in a module that imports nothing: the clients' signatures show them, and importing a
client class must not load the transport, the workflows or httpx to learn them."""

from __future__ import annotations

from typing import Final

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_EVALUATE_TIMEOUT",
    "DEFAULT_MAX_POLL_INTERVAL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_TIMEOUT",
]

DEFAULT_BASE_URL: Final = "https://api.digitalocean.com"
DEFAULT_TIMEOUT: Final = 60.0
"""Seconds allowed per attempt of a request."""
DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
"""32 MiB: a page of this API is a few MB at most, so anything far bigger is a broken or hostile server."""
DEFAULT_EVALUATE_TIMEOUT: Final = 3600.0
"""Seconds ``evaluate`` waits for its runs, all told."""
DEFAULT_POLL_INTERVAL: Final = 2.0
"""Seconds between the first polls of a run's status."""
DEFAULT_MAX_POLL_INTERVAL: Final = 30.0
"""The longest wait between two polls (the interval grows while a run goes on)."""
