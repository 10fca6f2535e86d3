"""The TLS settings every connection the SDK opens verifies with: the API, object storage and GitHub.

Building a verifying context loads the whole CA bundle, about 20 ms of CPU, and httpx builds one for each client
and each transport it mounts. A program that makes many clients (a test suite, a worker per request) would pay
that again every time, for identical contexts: here each setting is built once and shared. A context is safe to
share across clients and threads. The one thing a connection sets on it is the ALPN list (httpcore, on each TLS
connection), and every client the SDK builds speaks HTTP/1.1 only, so they all set the same list; a client that
enabled HTTP/2 would need a context of its own.
"""

from __future__ import annotations

import os
import ssl
import threading

import httpx

__all__ = ["verifying_context"]

_built: dict[tuple[bool, str | None, str | None], ssl.SSLContext] = {}
_building = threading.Lock()


def verifying_context(*, trust_env: bool) -> ssl.SSLContext:
    """httpx's default verifying context (certifi's CA bundle, hostnames checked).

    With ``trust_env``, ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` name the CAs instead, as httpx reads them; they are
    read on every call, so a changed variable gets a context of its own.
    """
    key = (True, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")) if trust_env else (False, None, None)
    context = _built.get(key)
    if context is None:
        with _building:
            context = _built.get(key)
            if context is None:
                context = _built[key] = httpx.create_ssl_context(trust_env=trust_env)
    return context
