"""The one way the emulator pages a list, as the API does: ``page``/``per_page``, ``meta`` and ``links``.

``per_page`` defaults to the server's ``default_per_page`` and values above ``per_page_max`` are served as
``per_page_max`` (``meta`` and ``links`` show the capped value). An empty list has zero pages and links to page
1; a page past the end is empty and links back to the last real page. Links keep the request's path and the
query parameters named in ``carry`` (a filter such as ``only_deployed``), then ``page`` and ``per_page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .._routes import Request
from .._state import EmulatorState
from ._params import positive_int

__all__ = ["Page", "page_of"]


@dataclass(frozen=True)
class Page:
    """One page of a list of ``total`` items: the slice ``start:stop`` and the ``meta`` and ``links`` objects."""

    number: int
    per_page: int
    start: int
    stop: int
    meta: dict[str, int]
    links: dict[str, Any]


def page_of(request: Request, state: EmulatorState, total: int, *, carry: tuple[str, ...] = ()) -> Page:
    """The page of a list of ``total`` items that ``request`` asks for (400 for a bad ``page`` or ``per_page``)."""
    settings = state.settings
    number = positive_int(request.query, "page", 1)
    per_page = min(positive_int(request.query, "per_page", settings.default_per_page), settings.per_page_max)
    pages = -(-total // per_page)
    start = min((number - 1) * per_page, total)
    stop = min(start + per_page, total)
    kept = [(name, request.query[name]) for name in carry if name in request.query]

    def link(p: int) -> str:
        return f"{request.base_url}{request.path}?{urlencode([*kept, ('page', p), ('per_page', per_page)])}"

    last = max(pages, 1)
    links: dict[str, str] = {"first": link(1)}
    if number > 1:
        links["previous"] = link(min(number - 1, last))
    if number < pages:
        links["next"] = link(number + 1)
    links["last"] = link(last)
    return Page(
        number=number,
        per_page=per_page,
        start=start,
        stop=stop,
        meta={"page": number, "pages": pages, "total": total},
        links={"pages": links},
    )
