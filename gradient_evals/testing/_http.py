"""The emulator's HTTP layer: parse each request, apply injected faults and latency, check the token, route
it to its handler and write the response bytes, with the API's headers and JSON error bodies.

Order of checks: injected faults first (so a faulted ``POST`` creates nothing, unless the fault has
``after_action=True``), then latency, then authentication (401 even for unknown paths), then routing (404 for
unknown paths, 405 for other methods on known ones), then the handler's validation (400) and lookups (404).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs

from .._exceptions import InvalidArgumentError
from ._faults import Fault, FaultBook, error_id
from ._json import encode_json
from ._listener import ListeningServer
from ._routes import ApiError, Request, Response, Router
from ._state import EmulatorState
from ._traffic import RecordedRequest, Traffic

__all__ = ["Backend", "RequestHandler", "error_body"]


class Settings(Protocol):
    """The server settings the HTTP layer reads on every request (they may change while serving)."""

    token: str
    latency: float


@dataclasses.dataclass(frozen=True)
class Backend:
    """Everything a listener serves from: the settings, state, routes, faults, log and the stop signal."""

    settings: Settings
    state: EmulatorState
    router: Router
    faults: FaultBook
    traffic: Traffic
    stopping: threading.Event


def error_body(status: int, message: str, request_id: str) -> bytes:
    """The API's error body ``{"id", "message", "request_id"}``."""
    return encode_json({"id": error_id(status), "message": message, "request_id": request_id})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class RequestHandler(BaseHTTPRequestHandler):
    """Answers every method (``GET``, ``POST``, ``FOO``...) through one path; keeps connections alive."""

    protocol_version = "HTTP/1.1"
    server_version = "gradient-evals-emulator"
    sys_version = ""
    timeout = 120
    server: ListeningServer[Backend]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method (GET, POST, DELETE, FOO, ...) goes through one dispatcher.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    # -------------------------------------------------------------------------------------- wire helpers

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise InvalidArgumentError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _head(self, status: int, headers: list[tuple[str, str]], length: int, close: bool) -> bytes:
        lines = [f"HTTP/1.1 {status} {_phrase(status)}", f"Date: {formatdate(usegmt=True)}", "Server: gradient-evals"]
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append(f"Content-Length: {length}")
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        head = self._head(status, headers, len(body), self.close_connection)
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def _abort(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines/headers: answer in the API's JSON error shape too.
        request_id = str(uuid.uuid4())
        body = error_body(code, message or HTTPStatus(code).phrase, request_id)
        rate = self.server.backend.traffic.rate_headers()
        headers = [("content-type", "application/json"), ("x-request-id", request_id), *rate]
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.write(self._head(code, headers, len(body), True) + body)

    # -------------------------------------------------------------------------------------- handling

    def _handle(self) -> None:
        backend = self.server.backend
        settings = backend.settings
        method = self.command
        raw_path, _, raw_query = self.path.partition("?")
        raw_query = raw_query.partition("#")[0]
        request_id = str(uuid.uuid4())
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.send_error(400, "Malformed request body")
            return
        query_lists = parse_qs(raw_query, keep_blank_values=True)
        query = {k: v[0] for k, v in query_lists.items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        auth = self.headers.get("Authorization")
        authorized = auth is not None and auth.strip() == f"Bearer {settings.token}"
        if auth is not None and not authorized:
            scheme, _, credential = auth.strip().partition(" ")
            authorized = scheme.lower() == "bearer" and credential.strip() == settings.token
        request = Request(method, raw_path, {}, query, body, headers, self.server.base_url, query_lists)

        def record(status: int | None, fault: Fault | None) -> None:
            backend.traffic.record(
                RecordedRequest(
                    method=method,
                    path=raw_path,
                    query=query,
                    authorized=authorized,
                    status=status,
                    fault=fault.name if fault is not None else None,
                    had_authorization_header=auth is not None,
                    request_id=request_id,
                    body=body,
                    headers=headers,
                    time=time.time(),
                )
            )

        refused = backend.traffic.admit()  # an enforced rate limit turns the request away before anything else
        if refused is not None:
            out = [("content-type", "application/json"), ("x-request-id", request_id), *refused]
            record(429, None)
            self._send(429, out, error_body(429, "API rate limit exceeded.", request_id))
            return
        fault = backend.faults.pick(method, raw_path)
        wait = settings.latency + (fault.seconds if fault is not None and fault.kind == "delay" else 0.0)
        if wait > 0 and backend.stopping.wait(wait):
            self._abort()
            return

        if fault is not None and fault.kind != "delay" and not fault.after_action:
            real = self._compute(request, request_id, authorized) if method == "GET" else None
            self._apply_fault(fault, real, request_id, record)
            return
        response = self._compute(request, request_id, authorized)
        if fault is not None and fault.kind != "delay":
            self._apply_fault(fault, response, request_id, record)
            return
        out = [("content-type", response.content_type), ("x-request-id", request_id)]
        out += backend.traffic.rate_headers()
        out += response.headers
        record(response.status, fault)
        self._send(response.status, out, response.body)

    def _compute(self, request: Request, request_id: str, authorized: bool) -> Response:
        backend = self.server.backend
        try:
            if not authorized:
                raise ApiError(401, "Unable to authenticate you.")
            route, params = backend.router.resolve(request.method, request.path)
            return route.handler(dataclasses.replace(request, path_params=params), backend.state)
        except ApiError as err:
            return Response(err.status, error_body(err.status, err.message, request_id), err.headers)
        except Exception as err:
            message = f"Unexpected server-side error ({type(err).__name__})."
            return Response(500, error_body(500, message, request_id))

    def _apply_fault(
        self,
        fault: Fault,
        real: Response | None,
        request_id: str,
        record: Callable[[int | None, Fault | None], None],
    ) -> None:
        backend = self.server.backend
        kind = fault.kind
        if kind == "reset":
            record(None, fault)
            self._abort()
            return
        base = [("x-request-id", request_id)]
        if kind in ("status", "rate_limited"):
            status = fault.status_code or 500
            extra: list[tuple[str, str]] = []
            if kind == "rate_limited":
                wait = None if fault.retry_after is None else math.ceil(fault.retry_after)
                rate = backend.traffic.rate_headers(exhausted=True, reset_in=60 if wait is None else max(wait, 1))
                if wait is not None:
                    extra.append(("Retry-After", str(wait)))
                message = fault.message or "API rate limit exceeded."
            else:
                rate = backend.traffic.rate_headers()
                message = fault.message or f"Injected failure: HTTP {status}."
            body = error_body(status, message, request_id)
            record(status, fault)
            self._send(status, [("content-type", "application/json"), *base, *rate, *extra], body)
            return
        if kind == "html_error":
            status = fault.status_code or 502
            phrase = _phrase(status)
            body = (
                f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
                "</body>\r\n</html>\r\n"
            ).encode()
            record(status, fault)
            self._send(status, [("content-type", "text/html"), *base, *backend.traffic.rate_headers()], body)
            return
        headers = [("content-type", "application/json"), *base, *backend.traffic.rate_headers()]
        if kind == "malformed_json":
            record(200, fault)
            self._send(200, headers, b'{"evaluation_run": {"status": "EVALUATION_RUN_SUCC')
            return
        # truncated / stall: part of a 200 body whose Content-Length promises more.
        if real is not None and real.status == 200 and len(real.body) >= 2:
            body = real.body
        else:
            body = encode_json({"evaluation_run_uuids": [str(uuid.UUID(int=0))] * 8, "padding": "x" * 512})
        head = self._head(200, headers, len(body), True)
        self.close_connection = True
        record(200, fault)
        try:
            self.wfile.write(head + body[: len(body) // 2])
            if kind == "stall":
                backend.stopping.wait(fault.seconds)
        finally:
            if kind == "stall":
                self._abort()
