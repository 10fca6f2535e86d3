"""Reading one response body within a size limit, decompressing it as it streams in.

httpx can decode ``Content-Encoding`` itself, but one network read of a gzip bomb may inflate a thousandfold
before anything can count it. Here each inflate step yields at most :data:`PIECE` bytes and reading stops as
soon as the body passes its limit, so one body costs about ``limit + PIECE`` bytes of memory at most, however
it is sent: big, endless (chunked without end) or compressed.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Final

import httpx

from ._defaults import DEFAULT_MAX_RESPONSE_BYTES

__all__ = [
    "ACCEPT_ENCODING",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "PIECE",
    "BodyError",
    "BodyTooLarge",
    "UndecodableBody",
    "iter_decoded",
    "read_body",
]

ACCEPT_ENCODING: Final = "gzip, deflate"
"""The content codings the SDK asks for, and so the only ones it decodes."""
PIECE: Final = 64 * 1024
"""The most bytes one inflate step may produce."""

_GZIP: Final = frozenset({"gzip", "x-gzip"})
_EXCERPT: Final = 200


class BodyError(Exception):
    """The body could not be read as sent; the transport turns this into a typed API error."""


class BodyTooLarge(BodyError):
    """The decoded body passed ``limit`` bytes; ``head`` is its beginning, for the error's excerpt."""

    def __init__(self, limit: int, head: bytes) -> None:
        super().__init__(f"the body is larger than max_response_bytes={limit}")
        self.limit = limit
        self.head = head


class UndecodableBody(BodyError):
    """The body does not decode as its ``Content-Encoding`` says, or uses a coding the SDK did not ask for."""


class _Inflater:
    """One gzip or deflate stream, inflated at most :data:`PIECE` bytes per step."""

    def __init__(self, coding: str) -> None:
        # HTTP's "deflate" is zlib-wrapped, but some servers send raw deflate: try that if the header is refused.
        self._raw_fallback = coding == "deflate"
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding in _GZIP else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while True:
            try:
                out = self._zlib.decompress(pending, PIECE)
            except zlib.error as exc:
                if self._raw_fallback and not self._started:
                    self._raw_fallback = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise UndecodableBody(f"the body does not decompress as its Content-Encoding says ({exc})") from None
            self._started = True
            if out:
                yield out
            pending = self._zlib.unconsumed_tail
            # A full piece may leave output inside zlib even when all input was taken: ask again until short.
            if not pending and len(out) < PIECE:
                return

    def finish(self) -> None:
        if self._started and not self._zlib.eof:
            raise UndecodableBody("the compressed body ends before its end marker")


def _inflater_for(headers: httpx.Headers) -> _Inflater | None:
    codings = [c.strip().lower() for c in headers.get_list("content-encoding", split_commas=True)]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and (codings[0] in _GZIP or codings[0] == "deflate"):
        return _Inflater(codings[0])
    shown = ", ".join(codings)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise UndecodableBody(f"the body has Content-Encoding {shown!r}, but the SDK asked for {ACCEPT_ENCODING!r}")


def _declared_length(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The decoded body of a streamed ``response``; :class:`BodyTooLarge` as soon as it passes ``limit``.

    Raises :class:`UndecodableBody` for a coding other than gzip or deflate, or a body that does not decode.
    Network errors (``httpx.TransportError``) propagate as they are.
    """
    try:
        # A response made in memory (httpx.MockTransport, test doubles) arrives already read and decoded.
        content = response.content
    except httpx.ResponseNotRead:
        pass
    else:
        if len(content) > limit:
            raise BodyTooLarge(limit, content[:_EXCERPT])
        return content
    inflater = _inflater_for(response.headers)
    if inflater is None:
        declared = _declared_length(response.headers)
        if declared is not None and declared > limit:
            raise BodyTooLarge(limit, b"")
    pieces: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        for piece in inflater.feed(chunk) if inflater is not None else (chunk,):
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                raise BodyTooLarge(limit, b"".join(pieces[:4])[:_EXCERPT])
    if inflater is not None:
        inflater.finish()
    return b"".join(pieces)


async def iter_decoded(response: httpx.Response) -> AsyncIterator[bytes]:
    """The decoded body of a streamed ``response`` in pieces of at most :data:`PIECE` bytes each (once inflated),
    for a caller that counts them as they come and stops where it likes.

    Raises :class:`UndecodableBody` as :func:`read_body` does; network errors propagate as they are.
    """
    try:
        content = response.content  # made in memory (test doubles): already read and decoded
    except httpx.ResponseNotRead:
        pass
    else:
        for start in range(0, len(content), PIECE):
            yield content[start : start + PIECE]
        return
    inflater = _inflater_for(response.headers)
    async for chunk in response.aiter_raw():
        if inflater is None:
            for start in range(0, len(chunk), PIECE):
                yield chunk[start : start + PIECE]
        else:
            for piece in inflater.feed(chunk):
                yield piece
    if inflater is not None:
        inflater.finish()
