"""A stub of GitHub's REST API for issue comments, on loopback: list (paged by ``Link: rel="next"``), create, update.

It records every request (method, path with query, headers, body), checks the bearer token, and can be told to
answer a method with an error status, to hang until it is closed, or to point its next-page link elsewhere.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

GITHUB_TOKEN = "ghs_STUB_0123456789abcdefGITHUB"  # distinctive, so that a leak is easy to spot
_LIST = re.compile(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments")
_ONE = re.compile(r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)")


@attrs.define
class Seen:
    """One request the stub received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


class GitHubStub:
    """The stub's state and its faults; the server runs in a daemon thread."""

    def __init__(self, page_size: int = 30) -> None:
        self.page_size = page_size
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[Seen] = []
        self.fail: dict[str, int] = {}
        """Method -> the status that method is answered with."""
        self.hang = False
        self.huge = False
        self.forget_on_patch = False
        """Delete every comment just before a PATCH is answered (the comment was deleted meanwhile)."""
        """Answer with a body that claims to be 1 GB (and never sends it)."""
        self.next_link_origin: str | None = None
        self.released = threading.Event()
        self._ids = iter(range(1000, 10**9))
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_comments(self, number: int, count: int, login: str = "someone") -> None:
        """``count`` comments of other people on pull request ``number``."""
        for n in range(count):
            self._store(number, f"comment {n} by {login}", login)

    def _store(self, number: int, body: str, login: str) -> dict[str, Any]:
        with self._lock:
            comment = {"id": next(self._ids), "body": body, "user": {"login": login, "type": "User"}}
            self.comments.setdefault(number, []).append(comment)
            return comment

    def methods(self) -> list[str]:
        return [r.method for r in self.requests]

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()


def _handler(stub: GitHubStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            seen = Seen(self.command, self.path, dict(self.headers.items()), json.loads(raw) if raw else None)
            stub.requests.append(seen)
            if stub.hang:
                stub.released.wait()
                return
            if stub.huge:
                self.send_response(200)
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                self.close_connection = True
                return
            if self.command in stub.fail:
                self._answer(stub.fail[self.command], {"message": "refused by the stub"})
                return
            if self.headers.get("Authorization") != f"Bearer {GITHUB_TOKEN}":
                self._answer(401, {"message": "Bad credentials"})
                return
            path = urlsplit(self.path).path
            listing, one = _LIST.fullmatch(path), _ONE.fullmatch(path)
            if listing and self.command == "GET":
                self._list(int(listing.group(3)), seen)
            elif listing and self.command == "POST":
                comment = stub._store(int(listing.group(3)), seen.body["body"], "github-actions[bot]")
                self._answer(201, comment)
            elif one and self.command == "PATCH":
                if stub.forget_on_patch:
                    stub.comments.clear()
                wanted = int(one.group(3))
                for comments in stub.comments.values():
                    for comment in comments:
                        if comment["id"] == wanted:
                            comment["body"] = seen.body["body"]
                            self._answer(200, comment)
                            return
                self._answer(404, {"message": "Not Found"})
            else:
                self._answer(404, {"message": "Not Found"})

        def _list(self, number: int, seen: Seen) -> None:
            per_page = min(int(seen.query.get("per_page", ["30"])[0]), stub.page_size)
            page = int(seen.query.get("page", ["1"])[0])
            comments = stub.comments.get(number, [])
            chunk = comments[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(comments):
                origin = stub.next_link_origin or stub.url
                path = urlsplit(self.path).path
                headers["Link"] = f'<{origin}{path}?per_page={per_page}&page={page + 1}>; rel="next"'
            self._answer(200, chunk, headers)

        do_GET = do_POST = do_PATCH = _handle

    return Handler


@contextmanager
def github_stub(page_size: int = 30) -> Iterator[GitHubStub]:
    stub = GitHubStub(page_size)
    try:
        yield stub
    finally:
        stub.close()


def workflow_env(stub: GitHubStub, directory: Any, *, number: int = 7, **overrides: str) -> dict[str, str]:
    """The environment of a GitHub Actions job for pull request ``number``, its API being ``stub``."""
    event = directory / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": number}}), encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "GITHUB_REPOSITORY": "octo-org/agent-repo",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": stub.url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
    }
    env.update(overrides)
    return env
