"""A threaded HTTP listener on one address that starts and stops promptly and can drop its connections.

Generic over what it serves (``backend``), so that an emulator can listen on more than one port (the API,
and later an object-store origin) with the same machinery.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

__all__ = ["Listener", "ListeningServer"]

B = TypeVar("B")


class ListeningServer(ThreadingHTTPServer, Generic[B]):
    """The socket server: one thread per connection, each tracked so that closing can drop it."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    timeout = 1.0  # bounds handle_request() should a readiness report ever be spurious

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], backend: B) -> None:
        self.backend = backend
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        super().__init__(address, handler)
        host, port = self.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        self.base_url = f"http://{shown}:{port}"

    def serve_until_woken(self) -> None:
        """Accept connections until :meth:`wake` is called (no polling, so closing is immediate)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    self.handle_request()

    def wake(self) -> None:
        """Make :meth:`serve_until_woken` return."""
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Shut down every open connection (their handler threads then end)."""
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (or the server closing) mid-response are expected; stay quiet.
        return


class Listener(Generic[B]):
    """Serves ``handler`` over ``backend`` on ``(host, port)`` from a background thread."""

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], backend: B) -> None:
        self._server = ListeningServer((host, port), handler, backend)
        self._thread = threading.Thread(target=self._server.serve_until_woken, name="fake-gradient", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the bound socket."""
        return self._server.base_url

    def close(self) -> None:
        """Stop accepting, close the socket and drop every open connection."""
        self._server.wake()
        self._thread.join(timeout=5)
        self._server.server_close()
        self._server.drop_connections()
