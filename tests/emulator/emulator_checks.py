"""Assertions shared by the emulator tests: the API's common headers and its JSON error shape."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")


def assert_common_headers(resp: httpx.Response) -> None:
    """A request id, and the ratelimit-* headers every response carries."""
    uuid.UUID(resp.headers["x-request-id"])
    assert resp.headers["ratelimit-limit"] == "5000"
    assert 0 <= int(resp.headers["ratelimit-remaining"]) < 5000
    assert int(resp.headers["ratelimit-reset"]) >= int(time.time()) - 1


def assert_error(resp: httpx.Response, status: int, error_id: str) -> dict[str, Any]:
    """``status`` with the body ``{"id", "message", "request_id"}``; returns the body."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    assert_common_headers(resp)
    body: dict[str, Any] = resp.json()
    assert body["id"] == error_id
    assert body["message"]
    assert body["request_id"] == resp.headers["x-request-id"]
    return body
