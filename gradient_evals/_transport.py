"""The one place that talks HTTP: authentication, sending, the retry loop and request logging.

Resources describe a request (method, path, query, body) and the model it returns; everything between that
description and the bytes on the wire is here, so a change of HTTP library touches this module alone (with
:mod:`._responses`, which reads what came back, and :mod:`._retry`, which decides what is sent again).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import anyio
import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._body import ACCEPT_ENCODING, DEFAULT_MAX_RESPONSE_BYTES, BodyError, read_body
from ._body_shapes import body_decoder
from ._convert import ConversionError, structure
from ._defaults import DEFAULT_BASE_URL
from ._deferred import ON_DEFERRED_ERROR
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    ClientStateError,
    InvalidArgumentError,
)
from ._loop_binding import LoopBinding
from ._pacer import Pacer
from ._ratelimit import RateLimitPolicy
from ._responses import body_error, deferred_validation_error, status_error, validation_error
from ._retry import RetryPolicy, retry_pause, should_retry
from ._tls import verifying_context
from ._validation import check_timeout
from ._version import __version__

__all__ = ["DEFAULT_BASE_URL", "Transport"]

T = TypeVar("T")

log = logging.getLogger("gradient_evals")

USER_AGENT: Final = f"gradient-evals/{__version__}"

_MAX_FAST_URL: Final = 65_536  # httpx refuses longer URLs
_MAX_ERROR_BODY: Final = 1024 * 1024  # an error body only supplies a message: the rest is not read


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and effective port: two URLs with the same origin may share credentials."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, port)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses, the only hosts plain HTTP is allowed to by default."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Transport:
    """Sends requests for the client: one ``httpx.AsyncClient``, bearer auth, retries, typed errors."""

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy,
        http_client: httpx.AsyncClient | None,
        allow_insecure_http: bool,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        rate_limit: RateLimitPolicy | None = None,
    ) -> None:
        try:
            url = httpx.URL(base_url)
        except httpx.InvalidURL as exc:
            raise InvalidArgumentError(f"base_url is not a valid URL: {exc}") from None
        # First, so that no message below repeats a URL that holds a secret.
        if url.userinfo:
            raise InvalidArgumentError("base_url must not carry credentials")
        if url.scheme not in ("http", "https") or not url.host:
            # Not the URL itself: a token passed as base_url by mistake would end up in the message.
            raise InvalidArgumentError(
                "base_url must be an absolute http(s) URL like 'https://api.digitalocean.com', got one with "
                f"scheme {url.scheme or None!r} and host {url.host or None!r}"
            )
        if url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host):
            raise InvalidArgumentError(
                f"refusing to send the access token over plain HTTP to {url.host!r}; use https, "
                "or pass allow_insecure_http=True if this is really what you want"
            )
        self.base_url = url.copy_with(path=url.path.rstrip("/") or "", query=None, fragment=None)
        self._base = str(self.base_url).rstrip("/")
        self._own_prefix = self._base + "/"
        self.origin = origin_of(self.base_url)
        self.timeout = timeout
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self._owns_client = http_client is None
        if http_client is None:
            trust_env = may_use_environment_proxy(self.base_url)
            http_client = httpx.AsyncClient(
                timeout=timeout,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
                trust_env=trust_env,
                verify=verifying_context(trust_env=trust_env),
            )
        self._client = http_client
        # Only attributes hold the header, never a local: a traceback printed with its locals would show it.
        self._auth_header = f"Bearer {access_token}"
        self._headers: Final = {
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": USER_AGENT,
            "Authorization": self._auth_header,
        }
        self._json_headers: Final = {**self._headers, "Content-Type": "application/json"}
        self.pacer = Pacer(rate_limit)
        self.closed = False
        self._loop_binding = LoopBinding()

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The underlying httpx client (shared with the user when they passed their own)."""
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool, unless it belongs to the user."""
        self.closed = True
        if self._owns_client:
            await self._client.aclose()

    def url_for(self, path: str) -> str:
        """An absolute URL on the API's origin for an already-escaped path."""
        return self._base + path

    def same_origin(self, url: str) -> bool:
        """True when ``url`` may receive the token: the same scheme, host and port as the base URL."""
        # Every request checks its own URL, which url_for built on the base: recognise that by its prefix rather
        # than parsing it again. Only plain printable ASCII of a length httpx accepts takes this path, so the
        # answer is the one parsing would give.
        if (
            type(url) is str
            and url.startswith(self._own_prefix)
            and len(url) <= _MAX_FAST_URL
            and url.isascii()
            and url.isprintable()
        ):
            return True
        try:
            return origin_of(httpx.URL(url)) == self.origin
        except (httpx.InvalidURL, TypeError, ValueError):
            return False

    async def request(
        self,
        method: str,
        url: str,
        *,
        cast_to: type[T],
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        idempotent: bool = True,
    ) -> T:
        """Send one logical request (with retries) and convert its body to ``cast_to``.

        ``url`` is absolute and must be on the base URL's origin: the token is never sent elsewhere.
        ``key`` names the envelope member that holds the object (``{"evaluation_run": {...}}``).
        A non-idempotent request is retried only where the server cannot have acted on it (a refused
        connection, a 429); other failures are raised as they are, and ``may_have_been_processed`` tells
        the caller whether to warn of a possible duplicate.
        """
        if not self.same_origin(url):
            raise InvalidArgumentError("refusing to send the access token to another origin")
        if self.closed:
            raise ClientStateError("this client has been closed: create a new one to make more calls")
        self._loop_binding.check()
        timeout = self.timeout if timeout is None else check_timeout(timeout)
        request = self._client.build_request(
            method,
            url,
            params=params,
            content=None if json_body is None else json.dumps(json_body, separators=(",", ":")).encode(),
            headers=self._headers if json_body is None else self._json_headers,
            timeout=timeout,
        )
        decode = body_decoder(cast_to, key)
        try:
            response, content, data = await self._attempt(request, timeout, decode)
        except APIError as exc:
            if self.retry.max_retries == 0 or not should_retry(self.retry, exc, idempotent):
                raise
            response, content, data = await self._retry(request, timeout, idempotent, exc, decode)
        return self._parse(response, content, data, cast_to, key)

    async def _retry(
        self,
        request: httpx.Request,
        timeout: float | httpx.Timeout,
        idempotent: bool,
        failure: APIError,
        decode: Callable[[bytes], Any],
    ) -> tuple[httpx.Response, bytes, Any]:
        """Attempts 2 and later, once the first failed in a way worth retrying.

        The first attempt runs outside tenacity: most requests succeed at once, and building a retry loop for
        each of them would cost more than the rest of the SDK's work on a request.
        """
        pause = retry_pause(self.retry, failure, 1)
        log.info("retrying after %s (attempt 1, waiting %.2f s)", _short(failure), pause)
        await anyio.sleep(pause)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.max_retries),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: should_retry(self.retry, exc, idempotent)),
            sleep=anyio.sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(request, timeout, decode)
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    async def _attempt(
        self, request: httpx.Request, timeout: float | httpx.Timeout, decode: Callable[[bytes], Any]
    ) -> tuple[httpx.Response, bytes, Any]:
        method, path = request.method, request.url.path
        ticket = await self.pacer.acquire(method, path, timeout)  # held here while the budget is low
        started = time.perf_counter()
        try:
            # httpx times each read separately; a server that drips bytes would never hit it, so the timeout
            # also bounds the whole attempt: connecting, sending and reading the body.
            with anyio.fail_after(attempt_deadline(timeout)):
                response, content = await self._exchange(request)
        except (httpx.TimeoutException, TimeoutError) as exc:
            log.debug("HTTP %s %s timed out after %.1f ms", method, path, _ms(started))
            raise APITimeoutError(
                f"{method} {path} timed out (timeout={_describe_timeout(timeout)}) at {self._base}",
                method=method,
                url=path,
            ) from detached(exc)
        except httpx.DecodingError as exc:  # from a client that decodes in memory (httpx.MockTransport)
            raise APIResponseValidationError(
                f"{method} {path} returned a body that does not decode as its Content-Encoding says ({exc})",
                method=method,
                url=path,
            ) from detached(exc)
        except httpx.RequestError as exc:  # TransportError, and whatever else httpx adds under RequestError
            log.debug("HTTP %s %s failed: %s", method, path, type(exc).__name__)
            # The base URL is named: a stale GRADIENT_BASE_URL is then seen at once (it never carries credentials).
            raise APIConnectionError(
                f"{method} {path} failed: {type(exc).__name__}: {exc} (base URL {self._base})",
                method=method,
                url=path,
            ) from detached(exc)
        self.pacer.observe(ticket, response)
        if log.isEnabledFor(logging.DEBUG):  # the header lookup is most of the line's cost: only when it is shown
            log.debug(
                "HTTP %s %s -> %d in %.1f ms (request_id=%s)",
                method,
                path,
                response.status_code,
                _ms(started),
                response.headers.get("x-request-id"),
            )
        if not response.is_success:
            raise status_error(response, content)
        try:
            data = decode(content)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
            # ValueError covers invalid UTF-8 (UnicodeDecodeError) as well as invalid JSON.
            raise validation_error(response, content, f"the body is not valid JSON ({exc})") from detached(exc)
        return response, content, data

    async def _exchange(self, request: httpx.Request) -> tuple[httpx.Response, bytes]:
        """Send ``request`` and read its body within ``max_response_bytes``, decompressing as it streams."""
        response = await self._client.send(request, stream=True, follow_redirects=False)
        try:
            if response.is_success:
                try:
                    content = await read_body(response, self.max_response_bytes)
                except BodyError as exc:
                    raise body_error(response, exc) from detached(exc)
            else:
                try:
                    content = await read_body(response, min(self.max_response_bytes, _MAX_ERROR_BODY))
                except BodyError:
                    content = b""  # the status says what went wrong; an unreadable body only loses the message
        finally:
            await response.aclose()
        return response, content

    def _parse(self, response: httpx.Response, content: bytes, data: Any, cast_to: type[T], key: str | None) -> T:
        if key is not None:
            if type(data) is not dict:
                raise validation_error(response, content, f"expected a JSON object with {key!r}")
            data = data.get(key)
            if data is None:
                raise validation_error(response, content, f"the response has no {key!r}")
        token = ON_DEFERRED_ERROR.set(_deferred_error_factory(response, content))
        try:
            return structure(data, cast_to)
        except ConversionError as exc:
            where = f" in {key!r}" if key else ""
            # Detached: the converter's frames hold half-built models whose repr fails in a traceback with locals.
            raise validation_error(response, content, f"unexpected JSON{where}: {exc}") from detached(exc)
        finally:
            ON_DEFERRED_ERROR.reset(token)

    # Inside tenacity's loop, attempt n is the request's attempt n + 1: the first ran before the loop.

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return retry_pause(self.retry, exc, state.attempt_number + 1)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info("retrying after %s (attempt %d, waiting %.2f s)", _short(exc), state.attempt_number + 1, wait)


def attempt_deadline(timeout: float | httpx.Timeout) -> float | None:
    """The seconds one attempt may take in all: the number itself, or the longest part of an ``httpx.Timeout``.

    ``None`` (no deadline) only when some part of the ``httpx.Timeout`` is ``None``: unlimited was asked for.
    """
    if not isinstance(timeout, httpx.Timeout):
        return float(timeout)
    parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return None if any(part is None for part in parts) else max(float(part) for part in parts if part is not None)


def may_use_environment_proxy(base_url: httpx.URL) -> bool:
    """Whether the SDK's own client may take a proxy from the environment (``HTTPS_PROXY``, ``ALL_PROXY``...).

    Only for ``https`` to a remote host: the proxy then sees a CONNECT to the host and port, and the request
    itself (the token included) travels inside TLS. A plain-HTTP request through a proxy would hand it the
    token in clear text, and a loopback URL must really reach this machine, so those always go direct.
    """
    return base_url.scheme == "https" and not is_loopback(base_url.host)


def detached(exc: BaseException) -> BaseException:
    """``exc`` with the frames of it and its whole chain dropped; type and message stay.

    It becomes the ``__cause__`` of a typed error. The frames inside httpx hold the request's headers and
    those inside the converter hold half-built objects: a traceback printed with locals would show the token
    or fail on a broken ``repr``. The SDK's own frames keep no such locals.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return exc


def _deferred_error_factory(response: httpx.Response, content: bytes) -> Callable[[str, BaseException], BaseException]:
    make = deferred_validation_error(response, content)

    def error(problem: str, cause: BaseException) -> BaseException:
        failure = make(problem)
        failure.__cause__ = detached(cause)
        return failure

    return error


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _short(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}" if exc is not None else "nothing"


def _describe_timeout(timeout: float | httpx.Timeout) -> str:
    return f"{timeout:g}s" if isinstance(timeout, int | float) else repr(timeout)
