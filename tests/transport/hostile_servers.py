"""Hostile HTTP servers on loopback, and helpers to point a client at them.

A responder gets the connection and the request bytes it read, and writes whatever it likes: a body that
never ends, a byte at a time, a gzip bomb, a lying ``Content-Encoding``. The server records every request
it received, so a test can check what a peer (a proxy, say) was shown.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gradient_evals import AsyncGradientEvals, RetryPolicy

TOKEN = "tok_HOSTILE_0123456789abcdef"  # distinctive, so that a leak is easy to spot
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
RUN_JSON = (
    b'{"evaluation_run": {"evaluation_run_uuid": "' + RUN.encode() + b'", "status": "EVALUATION_RUN_SUCCESSFUL"}}'
)

Responder = Callable[["Connection"], None]


class Connection:
    """One accepted connection, as a responder sees it."""

    def __init__(self, sock: socket.socket, request: bytes, stop: threading.Event) -> None:
        self.sock = sock
        self.request = request
        self.stop = stop
        self.sent = 0

    def send(self, data: bytes) -> bool:
        """Send ``data``; False once the client has gone (the responder should then return)."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True

    def send_chunk(self, data: bytes) -> bool:
        """One chunk of a ``Transfer-Encoding: chunked`` body."""
        return self.send(b"%x\r\n%s\r\n" % (len(data), data))


def head(status: str = "200 OK", *headers: str) -> bytes:
    """A status line and headers, ended by the blank line."""
    return ("".join([f"HTTP/1.1 {status}\r\n", *(f"{h}\r\n" for h in headers), "\r\n"])).encode("latin-1")


def whole(body: bytes, *headers: str, status: str = "200 OK") -> Responder:
    """A responder that sends one complete response with a ``Content-Length``."""

    def respond(conn: Connection) -> None:
        conn.send(head(status, f"Content-Length: {len(body)}", "Connection: close", *headers) + body)

    return respond


class HostileServer:
    """A loopback server; every connection runs ``responder`` in its own thread."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[bytes] = []
        self.connections: list[Connection] = []
        self.stop = threading.Event()
        self.done = threading.Event()  # set each time a responder returns
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            request = _read_request(sock)
            self.requests.append(request)
            conn = Connection(sock, request, self.stop)
            self.connections.append(conn)
            try:
                self.responder(conn)
            finally:
                self.done.set()

    def close(self) -> None:
        self.stop.set()
        self._sock.close()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=10)


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head_part.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head_part + b"\r\n\r\n" + body


@pytest.fixture
def hostile() -> Iterator[Callable[[Responder], HostileServer]]:
    """``hostile(responder)`` starts a server; all are closed after the test."""
    servers: list[HostileServer] = []

    def start(responder: Responder) -> HostileServer:
        server = HostileServer(responder)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def no_retry() -> RetryPolicy:
    return RetryPolicy(max_retries=0)


def client_of(url: str, **options: Any) -> AsyncGradientEvals:
    """An async client of ``url`` with the test token, no retries unless ``retry=`` says otherwise."""
    settings: dict[str, Any] = {"access_token": TOKEN, "base_url": url, "retry": no_retry()}
    settings.update(options)
    return AsyncGradientEvals(**settings)


class CountingStream(httpx.AsyncByteStream):
    """Counts the raw bytes the SDK pulled from the network, to show that reading stopped early."""

    def __init__(self, inner: httpx.AsyncByteStream, counter: list[int]) -> None:
        self._inner = inner
        self._counter = counter

    async def __aiter__(self) -> Any:
        async for chunk in self._inner:
            self._counter[0] += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CountingTransport(httpx.AsyncBaseTransport):
    """A real network transport whose response bodies are counted as they are read."""

    def __init__(self) -> None:
        self.read = [0]
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=CountingStream(response.stream, self.read),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def drip(interval: float = 0.05, *headers: str) -> Responder:
    """Headers at once, then a body of one byte every ``interval`` seconds, for ever (until the client leaves)."""

    def respond(conn: Connection) -> None:
        if not conn.send(head("200 OK", "Content-Type: application/json", "Transfer-Encoding: chunked", *headers)):
            return
        while not conn.stop.wait(interval):
            if not conn.send_chunk(b" "):
                return

    return respond


def endless(chunk: bytes = b"[" * 16384) -> Responder:
    """A chunked body that never ends: the same chunk again and again until the client hangs up."""

    def respond(conn: Connection) -> None:
        if not conn.send(head("200 OK", "Content-Type: application/json", "Transfer-Encoding: chunked")):
            return
        while not conn.stop.is_set() and conn.send_chunk(chunk):
            pass

    return respond


def refused_port() -> int:
    """A loopback port nothing listens on."""
    sock = socket.create_server(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
