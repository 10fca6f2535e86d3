"""The credential-free HTTP path to object storage: presigned uploads and downloads.

A presigned URL carries its own signature, and it points at another origin than the API (a storage bucket).
Requests to it therefore go through a second ``httpx.AsyncClient`` that has never seen the API token: no
``Authorization`` header, no auth hook, no cookies shared with the API client, no proxy or ``.netrc`` credentials
taken from the environment (``trust_env=False``), and no redirects followed (a redirect could lead a file, or a
signed URL, anywhere). The client is made on first use and closed with the API client.

The storage is treated as possibly hostile, like the API: where it may send data is decided by
:mod:`gradient_evals._storage_destinations`; an answer that is not saved is read to at most
:data:`MAX_ERROR_BODY_BYTES`; a download stops at its limit counted after decompression; and the client's
``timeout`` bounds each attempt as a whole (a store dripping bytes cannot hold it), extended only by the time the
data itself needs at :data:`MIN_TRANSFER_RATE`, so that a large file on a slow but honest link still gets through.

Each method here is one attempt; retrying and asking for a fresh URL are the workflow's decisions
(:mod:`gradient_evals.workflows.datasets`), since only it can ask the API for another URL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Final

import anyio
import httpx

from ._body import ACCEPT_ENCODING, UndecodableBody, iter_decoded
from ._exceptions import (
    ClientStateError,
    DownloadTooLargeError,
    GradientEvalsError,
    ObjectStorageError,
    StorageDestinationError,
)
from ._storage_destinations import DestinationRefused, guarded_transport, refusal_for_host
from ._tls import verifying_context
from ._transport import USER_AGENT, attempt_deadline

__all__ = [
    "CHUNK_SIZE",
    "MAX_ERROR_BODY_BYTES",
    "MIN_TRANSFER_RATE",
    "FileChangedError",
    "StorageClient",
    "redact_url",
]

log = logging.getLogger("gradient_evals")

CHUNK_SIZE: Final = 1024 * 1024
"""Bytes read from disk at a time: what an upload holds in memory."""
MAX_ERROR_BODY_BYTES: Final = 8 * 1024
"""The most of a storage answer that is read when it is not saved (an error's explanation, a PUT's reply)."""
MIN_TRANSFER_RATE: Final = 64 * 1024
"""Bytes per second: each byte moved extends an attempt's deadline by the time it needs at this rate."""

_ERROR_EXCERPT: Final = 200
_ERROR_ELEMENTS: Final = re.compile(r"<(?:Code|Message)>([^<]*)</(?:Code|Message)>")


class FileChangedError(GradientEvalsError):
    """The file being uploaded changed size after it was checked: what was checked is not what would be sent."""


def redact_url(url: str | httpx.URL) -> str:
    """``url`` without its query string and fragment, where a presigned URL keeps its signature."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "<invalid URL>"
    return str(parsed.copy_with(query=None, fragment=None, username=None, password=None))


class _Deadline:
    """One attempt's deadline: ``timeout`` from its start, plus the time the bytes moved so far need."""

    def __init__(self, scope: anyio.CancelScope, seconds: float | None) -> None:
        self._scope = scope
        self._seconds = seconds
        self._start = anyio.current_time()
        self._moved = 0
        if seconds is not None:
            scope.deadline = self._start + seconds

    def moved(self, count: int) -> None:
        self._moved += count
        if self._seconds is not None:
            self._scope.deadline = self._start + self._seconds + self._moved / MIN_TRANSFER_RATE


class StorageClient:
    """Uploads to and downloads from presigned URLs, without any credential of the API client."""

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout,
        allow_insecure_http: bool = False,
        allow_private_storage: bool = False,
    ) -> None:
        self._timeout = timeout
        self._allow_insecure_http = allow_insecure_http
        self._allow_private = allow_private_storage
        self._client: httpx.AsyncClient | None = None
        self.closed = False

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The storage path's own httpx client (made on first use)."""
        if self.closed:
            raise ClientStateError("this client has been closed")
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,
                # The mounts below take every URL, so the client's own transport is never used: given the shared
                # context, it does not build one of its own.
                verify=verifying_context(trust_env=True),
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
                mounts={
                    "http://": guarded_transport(
                        allow_private=self._allow_private, require_loopback=not self._allow_insecure_http
                    ),
                    "https://": guarded_transport(allow_private=self._allow_private, require_loopback=False),
                },
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        self.closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def check_url(self, url: object, what: str) -> httpx.URL:
        """Parse a presigned URL from the API, refusing one that may not be used (before any connection).

        Every connection checks its addresses again (:mod:`gradient_evals._storage_destinations`); this first
        look gives the clearest message, and proves a plain-HTTP host loopback by resolving it.
        """
        if not isinstance(url, str) or not url:
            raise ObjectStorageError(f"the API returned no {what}")
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise ObjectStorageError(f"the API returned an invalid {what}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ObjectStorageError(f"the API returned a {what} that is not an absolute http(s) URL")
        if parsed.userinfo:
            raise ObjectStorageError(f"the API returned a {what} with credentials in it; refusing to use it")
        where = redact_url(parsed)
        insecure = parsed.scheme == "http" and not self._allow_insecure_http
        refusal = refusal_for_host(parsed.host, allow_private=self._allow_private, require_loopback=insecure)
        if refusal is None and insecure:
            refusal = await self._loopback_refusal(parsed.host, parsed.port or 80)
        if refusal is not None:
            prefix = f"the API returned a plain-HTTP {what}" if insecure else f"the API returned a {what}"
            suffix = " (pass allow_insecure_http=True to the client to allow it)" if insecure else ""
            raise StorageDestinationError(
                f"{prefix} to {where}; refusing it: {refusal}{suffix}", method=None, url=where
            )
        return parsed

    async def _loopback_refusal(self, host: str, port: int) -> str | None:
        """Why plain HTTP may not go to ``host``: loopback is what it resolves to, whatever its name says."""
        found: list[tuple[object, object, object, object, tuple[object, ...]]] = []
        with anyio.move_on_after(attempt_deadline(self._timeout)), contextlib.suppress(OSError):
            found = list(await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        if not found:
            return f"{host} does not resolve (in time), so it cannot be shown to be loopback"
        for *_, sockaddr in found:
            refusal = refusal_for_host(str(sockaddr[0]), allow_private=self._allow_private, require_loopback=True)
            if refusal is not None:
                return f"{host} resolves to {refusal}"
        return None

    @contextlib.contextmanager
    def _attempt(self, request: httpx.Request) -> Iterator[_Deadline]:
        """One attempt, bounded as a whole; every failure of it becomes an :class:`ObjectStorageError`."""
        where = redact_url(request.url)
        with anyio.CancelScope() as scope:
            deadline = _Deadline(scope, attempt_deadline(self._timeout))
            try:
                yield deadline
            except DestinationRefused as exc:
                raise StorageDestinationError(
                    f"{request.method} {where} refused: {exc}", method=request.method, url=where
                ) from None
            except httpx.TransportError as exc:
                raise _connection_error(request, exc) from exc
        if scope.cancelled_caught:
            raise ObjectStorageError(f"{request.method} {where} timed out", method=request.method, url=where)

    async def put_file(
        self,
        url: httpx.URL,
        path: str | os.PathLike[str],
        *,
        offset: int,
        size: int,
        content_type: str,
        on_bytes: Callable[[int], object] | None = None,
    ) -> None:
        """PUT ``size`` bytes of ``path`` from ``offset``, streamed from disk ``CHUNK_SIZE`` at a time.

        Raises :class:`ObjectStorageError` (``status_code`` ``None`` when no answer came) or
        :class:`FileChangedError`.
        """
        client = self.http_client
        async with await anyio.open_file(path, "rb") as file:
            await file.seek(offset)
            with self._attempt(client.build_request("PUT", url)) as deadline:  # that request only names it

                async def chunks() -> AsyncIterator[bytes]:
                    remaining = size
                    while remaining:
                        chunk = await file.read(min(CHUNK_SIZE, remaining))
                        if not chunk:
                            raise FileChangedError(f"{os.fspath(path)} became shorter while it was being uploaded")
                        remaining -= len(chunk)
                        deadline.moved(len(chunk))
                        if on_bytes is not None:
                            on_bytes(len(chunk))
                        yield chunk
                    if await file.read(1):
                        raise FileChangedError(f"{os.fspath(path)} grew while it was being uploaded")

                # An explicit Content-Length makes httpx send the body as it is read, without chunked encoding,
                # which presigned PUT URLs do not accept.
                request = client.build_request(
                    "PUT",
                    url,
                    content=chunks(),
                    headers={"Content-Type": content_type, "Content-Length": str(size)},
                )
                response = await self._send(request)
                try:
                    if not response.is_success:
                        raise _status_error(response, "upload", await _excerpt(response))
                finally:
                    await response.aclose()  # a success's body is not wanted: none of it is read

    async def download(
        self,
        url: httpx.URL,
        write: Callable[[bytes], Awaitable[object]],
        *,
        limit: int,
        label: str,
        on_bytes: Callable[[int], object] | None = None,
    ) -> int:
        """GET ``url``, handing the decoded body to ``write`` piece by piece; returns the bytes received.

        Raises :class:`DownloadTooLargeError` once the body passes ``limit`` bytes after decompression (``label``
        names what is downloaded in messages), :class:`ObjectStorageError` for anything else.
        """
        request = self.http_client.build_request("GET", url)
        where = redact_url(request.url)
        with self._attempt(request) as deadline:
            response = await self._send(request)
            try:
                if not response.is_success:
                    raise _status_error(response, "download", await _excerpt(response))
                declared = _declared_length(response)
                if declared is not None and declared > limit:
                    raise _too_large(label, limit, where, f"its declared length is {declared:,} bytes")
                written = 0
                try:
                    async for piece in iter_decoded(response):
                        written += len(piece)
                        if written > limit:
                            raise _too_large(label, limit, where, "it passed the limit while being received")
                        await write(piece)
                        deadline.moved(len(piece))
                        if on_bytes is not None:
                            on_bytes(len(piece))
                except (UndecodableBody, httpx.DecodingError) as exc:
                    raise ObjectStorageError(
                        f"{label}: the download from {where} is not what its headers say: {exc}",
                        status_code=response.status_code,
                        method="GET",
                        url=where,
                    ) from None
                return written
            finally:
                await response.aclose()
        raise AssertionError("unreachable: the attempt either returns or raises")  # pragma: no cover

    async def _send(self, request: httpx.Request) -> httpx.Response:
        where = redact_url(request.url)
        log.debug("storage %s %s", request.method, where)
        response = await self.http_client.send(request, stream=True, follow_redirects=False)
        log.debug("storage %s %s -> %d", request.method, where, response.status_code)
        return response


def _declared_length(response: httpx.Response) -> int | None:
    if response.headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    value = response.headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _too_large(label: str, limit: int, where: str, how: str) -> DownloadTooLargeError:
    return DownloadTooLargeError(
        f"{label}: the download from {where} is larger than the limit of {limit:,} bytes ({how}); nothing was "
        "written (pass max_bytes= to allow more)",
        limit=limit,
        method="GET",
        url=where,
    )


async def _excerpt(response: httpx.Response) -> bytes:
    """At most :data:`MAX_ERROR_BODY_BYTES` of a body that is only read for its explanation."""
    pieces: list[bytes] = []
    size = 0
    with contextlib.suppress(UndecodableBody, httpx.DecodingError, httpx.TransportError):
        async for piece in iter_decoded(response):
            pieces.append(piece[: MAX_ERROR_BODY_BYTES - size])
            size += len(pieces[-1])
            if size >= MAX_ERROR_BODY_BYTES:
                break
    return b"".join(pieces)


def _connection_error(request: httpx.Request, exc: httpx.TransportError) -> ObjectStorageError:
    where = redact_url(request.url)
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else f"failed: {type(exc).__name__}"
    return ObjectStorageError(f"{request.method} {where} {kind}", method=request.method, url=where)


def _status_error(response: httpx.Response, what: str, body: bytes) -> ObjectStorageError:
    request = response.request
    where = redact_url(request.url)
    if response.is_redirect:
        detail = "a redirect, which is not followed"
    else:
        # S3-style storage explains itself in XML (<Code>AccessDenied</Code><Message>Request has expired</Message>).
        # Only those two elements are shown: the rest of such a body can echo the request's signature.
        text = body.decode("utf-8", "replace")
        parts = [m.group(1).strip()[:_ERROR_EXCERPT] for m in _ERROR_ELEMENTS.finditer(text)]
        detail = ": ".join(p for p in parts if p) or response.reason_phrase
    return ObjectStorageError(
        f"the {what} was refused: {request.method} {where} -> {response.status_code} ({detail})",
        status_code=response.status_code,
        method=request.method,
        url=where,
    )
