"""Request, response and router of the emulator: ``(method, path pattern) -> handler``.

A handler is a plain function ``handler(request, state) -> Response``: it reads path parameters, query
parameters and the JSON body from the typed :class:`Request`, and returns a :class:`Response` whose body it has
built as JSON itself.  The HTTP layer (``_http``) does the bytes, the authentication and the faults.  Handlers
signal client errors by raising :class:`ApiError`; it becomes the API's error body
``{"id", "message", "request_id"}``.

Unknown query parameters and body fields are ignored, as the real API ignores them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .._exceptions import InvalidArgumentError
from ._json import encode_json
from ._state import EmulatorState

__all__ = ["ApiError", "Handler", "Request", "Response", "Route", "Router", "json_response"]


class ApiError(Exception):
    """A client error a handler (or the router) answers with: HTTP ``status`` and the error ``message``."""

    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


@dataclass(frozen=True, slots=True)
class Request:
    """One authenticated request as a handler sees it.

    ``path_params`` holds the percent-decoded values of the pattern's ``{name}`` segments; ``query`` the first
    value of each query parameter (``query_lists`` every value, for a repeated one); ``headers`` the request
    headers with lower-case names; ``base_url`` the
    origin the request was addressed to (for ``links``).
    """

    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    base_url: str
    query_lists: dict[str, list[str]] = field(default_factory=dict)

    def json_object(self) -> dict[str, Any]:
        """The body parsed as a JSON object; a 400 ``ApiError`` when it is not valid JSON or not an object."""
        try:
            data = json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        return data


@dataclass(frozen=True, slots=True)
class Response:
    """What a handler answers: ``status``, the encoded ``body`` and extra ``headers``."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"


def json_response(obj: Any, status: int = 200) -> Response:
    """A JSON response with ``obj`` as its body."""
    return Response(status, encode_json(obj))


Handler = Callable[[Request, EmulatorState], Response]


@dataclass(frozen=True)
class Route:
    """``method`` on paths matching ``pattern`` (``"/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}"``)."""

    method: str
    pattern: str
    handler: Handler
    _segments: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.pattern.startswith("/"):
            raise InvalidArgumentError(f"a route pattern starts with '/': {self.pattern!r}")
        object.__setattr__(self, "_segments", tuple(self.pattern.split("/")[1:]))

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """The path parameters when the decoded ``segments`` fit the pattern, else None."""
        if len(segments) != len(self._segments):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self._segments, segments, strict=True):
            if want.startswith("{") and want.endswith("}"):
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params

    @property
    def specificity(self) -> tuple[bool, ...]:
        """Literal segments outrank parameters, left to right (``/runs/latest`` before ``/runs/{id}``)."""
        return tuple(not s.startswith("{") for s in self._segments)


class Router:
    """Finds the handler of a request: 404 for paths no route knows, 405 for other methods on known ones."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)
        seen: set[tuple[str, str]] = set()
        for route in self.routes:
            key = (route.method, route.pattern)
            if key in seen:
                raise InvalidArgumentError(f"route registered twice: {route.method} {route.pattern}")
            seen.add(key)

    def resolve(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        """The route and path parameters for ``method`` on ``raw_path`` (undecoded, without the query).

        Segments are percent-decoded one by one, so ``..%2F`` is just an unknown id; an undecodable segment
        is an unknown path.
        """
        try:
            segments = [unquote(s, errors="strict") for s in raw_path.split("/")[1:]]
        except UnicodeDecodeError:
            raise ApiError(404, "Not found.") from None
        matches = [(route, params) for route in self.routes if (params := route.match(segments)) is not None]
        if not matches:
            raise ApiError(404, "The resource you requested could not be found.")
        allowed = [(route, params) for route, params in matches if route.method == method]
        if not allowed:
            # The endpoint the path names is its most literal match (``/runs/latest``, not ``/runs/{id}``).
            best = max(route.specificity for route, _ in matches)
            methods = ", ".join(sorted({route.method for route, _ in matches if route.specificity == best}))
            raise ApiError(405, f"Method {method} is not allowed here.", (("Allow", methods),))
        return max(allowed, key=lambda rp: rp[0].specificity)
