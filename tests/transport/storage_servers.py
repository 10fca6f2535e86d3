"""A hostile object store on loopback, behind an API that hands out presigned URLs to it.

One server plays both parts: the API's dataset endpoints answer as the API does, with presigned URLs that lead
back to the same server under ``/bucket/``; whatever comes to ``/bucket/`` goes to the store's responder, which
misbehaves as each test scripts it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from transport.hostile_servers import Connection, HostileServer, Responder, head, whole

import gradient_evals

DATASET = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
PIECE = 64 * 1024
TESTS = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = Path(gradient_evals.__file__).resolve().parents[1]  # the package under test, also in the child


class Store:
    """The URL the API hands out for the store (``host`` may be a name the test resolves to loopback)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0

    def url(self, key: str) -> str:
        return f"http://{self.host}:{self.port}/bucket/{key}?X-Amz-Signature=sig-{key}"


def api_and_store(
    hostile: Callable[[Responder], HostileServer],
    store: Responder,
    *,
    host: str = "127.0.0.1",
    presigned: str | None = None,
) -> HostileServer:
    """A server answering the API's dataset calls, with ``store`` answering at the presigned URLs.

    ``presigned`` replaces the presigned URL the API hands out (to aim it somewhere else).
    """
    where = Store(host)

    def respond(conn: Connection) -> None:
        line = conn.request.split(b"\r\n", 1)[0].decode("latin-1")
        method, target = line.split(" ")[:2]
        if target.startswith("/bucket/"):
            store(conn)
            return
        url = presigned or where.url("k1")
        if target.endswith("/file_upload_presigned_urls"):
            body = {"uploads": [{"presigned_url": url, "object_key": "k1", "expires_at": "2099-01-01T00:00:00Z"}]}
        elif target.endswith("/download_url"):
            body = {"download_url": url, "expires_at": "2099-01-01T00:00:00Z"}
        elif method == "POST":
            body = {"evaluation_dataset_uuid": DATASET}
        else:
            whole(b"{}", status="404 Not Found")(conn)
            return
        whole(json.dumps(body).encode(), "Content-Type: application/json")(conn)

    server = hostile(respond)
    where.port = server.port
    return server


def sized(size: int, status: str = "200 OK", *headers: str) -> Responder:
    """A body of ``size`` bytes with its length declared, sent as fast as the client takes it."""
    block = b"x" * PIECE

    def respond(conn: Connection) -> None:
        if not conn.send(head(status, f"Content-Length: {size}", *headers)):
            return
        left = size
        while left > 0 and not conn.stop.is_set():
            if not conn.send(block[: min(left, PIECE)]):
                return
            left -= PIECE

    return respond


def gzip_bomb(inflated: int) -> bytes:
    """A gzip stream of ``inflated`` zero bytes (about a thousandth of that on the wire)."""
    return gzip.compress(b"\0" * inflated, compresslevel=9)


def peak_rss_growth(script: str, *args: str) -> tuple[int, str]:
    """Run ``script`` (which defines ``async def main(*args) -> str``) in a fresh interpreter; returns how far
    its peak RSS grew during ``main`` (bytes) and what ``main`` returned.

    A subprocess, because peak RSS only ever grows: measured in the test process, it would show the peak of
    whatever ran before.
    """
    program = (
        textwrap.dedent(
            """
        import resource, sys
        import anyio

        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux

        """
        )
        + textwrap.dedent(script)
        + textwrap.dedent(
            """

        before = peak()
        result = anyio.run(main, *sys.argv[1:])
        print(peak() - before)
        print(result)
        """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), str(TESTS)])}
    done = subprocess.run(  # noqa: S603 - this interpreter, running this module's own program
        [sys.executable, "-c", program, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    growth, _, result = done.stdout.partition("\n")
    return int(growth), result.strip()
