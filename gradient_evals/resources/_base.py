"""What every resource shares: the transport it sends through."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._transport import Transport


class AsyncResource:
    """Base of the async resources; holds the client's transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
