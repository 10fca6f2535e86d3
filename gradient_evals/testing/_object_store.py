"""The emulator's object store: presigned upload and download URLs served on a second loopback origin.

Like a real bucket it is another origin than the API (its own port), knows nothing of the API token, and trusts a
URL only for its signature and expiry. It checks what a careful client must get right and records what a
careless one would leak:

* a PUT must go to a URL signed for PUT, before it expires, with ``Content-Type: text/csv`` and a
  ``Content-Length`` equal to the size the URL was signed for (a chunked body is refused with 411);
* a GET must go to a URL signed for GET, before it expires;
* every request is recorded, with whether it carried an ``Authorization`` header (a client must never send one
  here: :attr:`ObjectStore.authorization_seen`).

Refusals answer like S3: a status and a short XML body with ``<Code>`` and ``<Message>``. Faults for tests:
:meth:`ObjectStore.fail_next` (answer the next requests with a status, or reset them) and
:meth:`ObjectStore.expire_all` (every URL signed so far is expired from now on).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ._listener import ListeningServer

__all__ = ["ObjectStore", "StorageRequest"]

_READ_CHUNK = 1 << 20
_SPOOL_IN_MEMORY = 8 << 20  # objects larger than this are kept in a temporary file


@dataclass(frozen=True)
class StorageRequest:
    """One request the object store received."""

    method: str
    key: str
    status: int | None
    had_authorization_header: bool
    content_type: str | None
    content_length: int | None
    bytes_received: int


@dataclass
class _Grant:
    method: str
    expires: float
    size: int | None
    serial: int


class ObjectStore:
    """An in-process object store on ``127.0.0.1`` (free port); start with :meth:`start` or ``with``."""

    def __init__(self, *, bucket: str = "gradient-datasets", url_ttl: float = 900.0) -> None:
        self.bucket = bucket
        self.url_ttl = url_ttl
        self._secret = secrets.token_bytes(16)
        self._lock = threading.Lock()
        self._objects: dict[str, IO[bytes]] = {}
        self._sizes: dict[str, int] = {}
        self._grants: dict[str, _Grant] = {}
        self._expired_before = 0  # grants with a serial below this are expired (expire_all)
        self._serial = 0
        self._faults: list[int | None] = []
        self._requests: list[StorageRequest] = []
        self._server: _StoreServer | None = None
        self._thread: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------------------------

    def start(self) -> ObjectStore:
        """Listen on a free loopback port and serve from a daemon thread."""
        if self._server is None:
            self._server = _StoreServer(self)
            self._thread = threading.Thread(target=self._server.serve_until_woken, name="object-store", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and drop every object."""
        server, self._server = self._server, None
        if server is not None:
            # Woken rather than shut down: `serve_forever` would only notice a shutdown at its next poll.
            server.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if server is not None:
            server.server_close()
        with self._lock:
            for file in self._objects.values():
                file.close()
            self._objects.clear()

    def __enter__(self) -> ObjectStore:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        """The store's origin, ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the object store is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- signing ----------------------------------------------------------------------------------------

    def _sign(self, method: str, key: str, expires: int, size: int | None) -> str:
        message = f"{method}\n{key}\n{expires}\n{'' if size is None else size}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _url(self, method: str, key: str, size: int | None) -> tuple[str, float]:
        expires = int(time.time() + self.url_ttl)
        signature = self._sign(method, key, expires, size)
        with self._lock:
            self._serial += 1
            self._grants[signature] = _Grant(method=method, expires=expires, size=size, serial=self._serial)
        path = quote(f"/{self.bucket}/{key}")
        return f"{self.base_url}{path}?X-Expires={expires}&X-Signature={signature}", float(expires)

    def presign_upload(self, key: str, size: int) -> tuple[str, float]:
        """A URL accepting one PUT of exactly ``size`` bytes to ``key``, and its expiry (Unix time)."""
        return self._url("PUT", key, size)

    def presign_download(self, key: str) -> tuple[str, float]:
        """A URL serving ``key`` to a GET, and its expiry (Unix time)."""
        return self._url("GET", key, None)

    # -- objects ----------------------------------------------------------------------------------------

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` as the service itself would (a results file it wrote), replacing any."""
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 - owned by the store
        spool.write(data)
        spool.seek(0)
        self._store(key, spool, len(data))

    def exists(self, key: str) -> bool:
        """True once a complete PUT stored ``key``."""
        with self._lock:
            return key in self._objects

    def size_of(self, key: str) -> int:
        """The stored object's size in bytes (``KeyError`` if there is none)."""
        with self._lock:
            return self._sizes[key]

    def read(self, key: str) -> bytes:
        """The stored object's bytes (``KeyError`` if there is none)."""
        with self._lock:
            file = self._objects[key]
            file.seek(0)
            return file.read()

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error if absent)."""
        with self._lock:
            file = self._objects.pop(key, None)
            self._sizes.pop(key, None)
        if file is not None:
            file.close()

    # -- faults and records -----------------------------------------------------------------------------

    def fail_next(self, status: int | None, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` (``None``: reset the connection instead)."""
        with self._lock:
            self._faults.extend([status] * times)

    def expire_all(self) -> None:
        """Every URL signed until now is expired from now on (as if the client had been too slow)."""
        with self._lock:
            self._expired_before = self._serial + 1

    @property
    def requests(self) -> list[StorageRequest]:
        """Every request received, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def authorization_seen(self) -> bool:
        """True if any request to the store carried an ``Authorization`` header."""
        return any(r.had_authorization_header for r in self.requests)

    # -- serving (called by the handler thread) -------------------------------------------------------

    def _take_fault(self) -> tuple[bool, int | None]:
        with self._lock:
            if not self._faults:
                return False, None
            return True, self._faults.pop(0)

    def _record(self, request: StorageRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _check_grant(self, method: str, key: str, query: dict[str, list[str]]) -> tuple[int, str, str] | _Grant:
        expires_text = (query.get("X-Expires") or [""])[0]
        signature = (query.get("X-Signature") or [""])[0]
        with self._lock:
            grant = self._grants.get(signature)
            expired_before = self._expired_before
        if grant is None or not expires_text.isdigit():
            return 403, "AccessDenied", "Request signature is missing or unknown"
        expected = self._sign(grant.method, key, int(expires_text), grant.size)
        if not hmac.compare_digest(expected, signature) or grant.method != method:
            return 403, "SignatureDoesNotMatch", "The request signature does not match this method and key"
        if time.time() >= grant.expires or grant.serial < expired_before:
            return 403, "AccessDenied", "Request has expired"
        return grant

    def _store(self, key: str, file: IO[bytes], size: int) -> None:
        with self._lock:
            old = self._objects.pop(key, None)
            self._objects[key] = file
            self._sizes[key] = size
        if old is not None:
            old.close()


class _StoreServer(ListeningServer["ObjectStore"]):
    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        super().__init__(("127.0.0.1", 0), _StoreHandler, store)


class _StoreHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _StoreServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _answer(self, status: int, body: bytes = b"", content_type: str = "application/xml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            # Say so: a client that believes the connection reusable would send its next request into a closed one.
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, status: int, code: str, message: str) -> None:
        body = f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        # The body of a refused upload may still be on its way: close rather than read it.
        self.close_connection = True
        self._answer(status, body)

    def _serve(self, method: str) -> None:
        store = self.server.store
        parts = urlsplit(self.path)
        prefix = f"/{store.bucket}/"
        key = unquote(parts.path)[len(prefix) :] if unquote(parts.path).startswith(prefix) else ""
        length_header = self.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        content_type = self.headers.get("Content-Type")
        had_auth = self.headers.get("Authorization") is not None
        received = 0

        def record(status: int | None) -> None:
            store._record(
                StorageRequest(
                    method=method,
                    key=key,
                    status=status,
                    had_authorization_header=had_auth,
                    content_type=content_type,
                    content_length=length,
                    bytes_received=received,
                )
            )

        faulted, fault = store._take_fault()
        if faulted:
            record(fault)
            if fault is None:
                self.close_connection = True
                self.connection.close()  # a reset: no answer at all
                return
            self._refuse(fault, "InternalError" if fault >= 500 else "AccessDenied", "Injected fault")
            return
        if method not in ("PUT", "GET") or not key:
            record(405)
            self._refuse(405, "MethodNotAllowed", "Only PUT and GET of an object are allowed")
            return
        grant = store._check_grant(method, key, parse_qs(parts.query))
        if isinstance(grant, tuple):
            record(grant[0])
            self._refuse(*grant)
            return
        if method == "GET":
            try:
                body = store.read(key)
            except KeyError:
                record(404)
                self._refuse(404, "NoSuchKey", "The specified key does not exist")
                return
            record(200)
            self._answer(200, body, content_type="text/csv")
            return
        if self.headers.get("Transfer-Encoding") or length is None:
            record(411)
            self._refuse(411, "MissingContentLength", "A presigned upload needs a Content-Length")
            return
        if (content_type or "").split(";")[0].strip().lower() != "text/csv":
            record(400)
            self._refuse(400, "InvalidArgument", f"Content-Type must be text/csv, got {content_type!r}")
            return
        if length != grant.size:
            record(400)
            self._refuse(400, "InvalidArgument", f"Content-Length {length} is not the signed size {grant.size}")
            return
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 - kept by the store
        remaining = length
        while remaining:
            chunk = self.rfile.read(min(_READ_CHUNK, remaining))
            if not chunk:
                break
            spool.write(chunk)
            remaining -= len(chunk)
            received += len(chunk)
        if remaining:
            spool.close()
            record(None)
            self.close_connection = True
            return
        store._store(key, spool, length)
        record(200)
        self._answer(200)
