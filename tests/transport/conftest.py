"""Fixtures of the transport tests: ``hostile(responder)`` starts a hand-written server on loopback."""

from __future__ import annotations

from transport.hostile_servers import hostile

__all__ = ["hostile"]
