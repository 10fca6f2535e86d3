"""The credential-free HTTP path to object storage: presigned uploads and downloads.

A presigned URL carries its own signature, and it points at another origin than the API (a storage bucket).
Requests to it therefore go through a second ``httpx.AsyncClient`` that has never seen the API token: no
``Authorization`` header, no auth hook, no cookies shared with the API client, no proxy or ``.netrc`` credentials
taken from the environment (``trust_env=False``), and no redirects followed (a redirect could lead a file, or a
signed URL, anywhere). The client is made on first use and closed with the API client.

Each method here is one attempt; retrying and asking for a fresh URL are the workflow's decisions
(:mod:`gradient_evals.workflows.datasets`), since only it can ask the API for another URL.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final

import anyio
import httpx

from ._exceptions import GradientEvalsError, ObjectStorageError
from ._transport import USER_AGENT, is_loopback

__all__ = ["CHUNK_SIZE", "FileChangedError", "StorageClient", "redact_url"]

log = logging.getLogger("gradient_evals")

CHUNK_SIZE: Final = 1024 * 1024
"""Bytes read from disk (or the network) at a time: what an upload or a download holds in memory."""

_ERROR_EXCERPT: Final = 200
_ERROR_SCAN: Final = 4096
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


class StorageClient:
    """Uploads to and downloads from presigned URLs, without any credential of the API client."""

    def __init__(self, *, timeout: float | httpx.Timeout, allow_insecure_http: bool = False) -> None:
        self._timeout = timeout
        self._allow_insecure_http = allow_insecure_http
        self._client: httpx.AsyncClient | None = None
        self.closed = False

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The storage path's own httpx client (made on first use)."""
        if self.closed:
            raise RuntimeError("this client has been closed")
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool."""
        self.closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def check_url(self, url: object, what: str) -> httpx.URL:
        """Parse a presigned URL from the API, refusing one that is not absolute http(s)."""
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
        if parsed.scheme == "http" and not self._allow_insecure_http and not is_loopback(parsed.host):
            raise ObjectStorageError(
                f"the API returned a plain-HTTP {what} to {parsed.host!r}; refusing to send data unencrypted "
                "(pass allow_insecure_http=True to the client to allow it)"
            )
        return parsed

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

            async def chunks() -> AsyncIterator[bytes]:
                remaining = size
                while remaining:
                    chunk = await file.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        raise FileChangedError(f"{os.fspath(path)} became shorter while it was being uploaded")
                    remaining -= len(chunk)
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
            response = await self._send(request, stream=False)
        if not response.is_success:
            raise _status_error(response, "upload")

    async def download(
        self,
        url: httpx.URL,
        write: Callable[[bytes], Awaitable[object]],
        *,
        on_bytes: Callable[[int], object] | None = None,
    ) -> int:
        """GET ``url``, handing the body to ``write`` ``CHUNK_SIZE`` at a time; returns the bytes received."""
        request = self.http_client.build_request("GET", url)
        response = await self._send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise _status_error(response, "download")
            written = 0
            try:
                async for chunk in response.aiter_bytes(CHUNK_SIZE):
                    await write(chunk)
                    written += len(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
            except httpx.TransportError as exc:
                raise _connection_error(request, exc) from exc
            return written
        finally:
            await response.aclose()

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        where = redact_url(request.url)
        log.debug("storage %s %s", request.method, where)
        try:
            response = await self.http_client.send(request, stream=stream, follow_redirects=False)
        except httpx.TransportError as exc:
            raise _connection_error(request, exc) from exc
        log.debug("storage %s %s -> %d", request.method, where, response.status_code)
        return response


def _connection_error(request: httpx.Request, exc: httpx.TransportError) -> ObjectStorageError:
    where = redact_url(request.url)
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else f"failed: {type(exc).__name__}"
    return ObjectStorageError(f"{request.method} {where} {kind}", method=request.method, url=where)


def _status_error(response: httpx.Response, what: str) -> ObjectStorageError:
    request = response.request
    where = redact_url(request.url)
    if response.is_redirect:
        detail = "a redirect, which is not followed"
    else:
        # S3-style storage explains itself in XML (<Code>AccessDenied</Code><Message>Request has expired</Message>).
        # Only those two elements are shown: the rest of such a body can echo the request's signature.
        text = response.content[:_ERROR_SCAN].decode("utf-8", "replace")
        parts = [m.group(1).strip()[:_ERROR_EXCERPT] for m in _ERROR_ELEMENTS.finditer(text)]
        detail = ": ".join(p for p in parts if p) or response.reason_phrase
    return ObjectStorageError(
        f"the {what} was refused: {request.method} {where} -> {response.status_code} ({detail})",
        status_code=response.status_code,
        method=request.method,
        url=where,
    )
