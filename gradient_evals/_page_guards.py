"""What keeps a paged listing honest, in one place: no item handed out twice, no page loop, no page past counts.

Every check a pager makes of what the server sends lives here, whichever way the pages were fetched:

- a page must be the one asked for (:func:`check_served`);
- a ``next`` link must move forward and stay within the page count the server gave, and is followed as given only
  on the API's own origin with the listing's own query parameters (:func:`next_step`);
- items seen before (by id) are dropped; a page whose items were all handed out already, a page identical to an
  earlier one (items without an id), or more items than the server's own ``meta.total`` ends the listing with
  :class:`PaginationError`; fewer than it counted is logged (:class:`PageLedger`).

Nothing here allocates by what ``meta`` claims: the state grows only with the pages actually received.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Generic, NamedTuple, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from ._exceptions import PaginationError
from .types import PageLinks, PageMeta

log = logging.getLogger("gradient_evals")

__all__ = [
    "Follow",
    "ItemT",
    "PageLedger",
    "PageT",
    "Paged",
    "check_served",
    "keeps_params",
    "next_step",
    "page_number_of",
]


class Paged(Protocol):
    """What a page model offers the pager."""

    @property
    def meta(self) -> PageMeta: ...

    @property
    def links(self) -> PageLinks: ...


PageT = TypeVar("PageT", bound=Paged)
ItemT = TypeVar("ItemT")


def _query_of(url: str) -> dict[str, list[str]]:
    try:
        return parse_qs(urlsplit(url).query)
    except ValueError:
        return {}


def page_number_of(url: str) -> int | None:
    """The ``page`` query parameter of a link, if it has a usable one."""
    values = _query_of(url).get("page")
    if not values:
        return None
    try:
        return int(values[-1])
    except ValueError:
        return None


def keeps_params(url: str, params: Mapping[str, object]) -> bool:
    """Whether a link carries each of ``params`` with the same value (``per_page=100`` as ``"100"``)."""
    query = _query_of(url)
    return all(query.get(name, [None])[-1] == str(value) for name, value in params.items())


def check_served(asked: int, page: Paged, what: str) -> None:
    """Refuse a page that says it is another page than the one asked for."""
    served = page.meta.page
    if served is not None and served != asked:
        raise PaginationError(f"asked for {what} {asked} but the server sent page {served}", page=asked)


class Follow(NamedTuple):
    """The page after the current one, reached through a ``next`` link."""

    number: int
    url: str | None
    """The link itself, when it may be followed as given; otherwise the page is asked for by number."""


def next_step(
    number: int,
    page: Paged,
    *,
    prefetch: int,
    what: str,
    same_origin: Callable[[str], bool],
    link_params: Mapping[str, object],
) -> range | Follow | None:
    """Where a listing goes after page ``number``: the pages its count still promises (fetched by number, several
    at once when ``prefetch`` allows), the page its ``next`` link names, or nowhere (``None``).

    A link that points back, or past the count the server gave, raises :class:`PaginationError`.
    """
    pages = page.meta.pages
    link = page.links.next
    if pages is not None and number < pages and (prefetch > 1 or not link):
        return range(number + 1, pages + 1)
    if not link:
        return None
    target = page_number_of(link)
    if target is not None and target <= number:
        raise PaginationError(
            f"the next link of {what} {number} points back to page {target}; stopped instead of looping", page=number
        )
    if pages is not None and number >= pages:
        raise PaginationError(
            f"{what} {number} links to a next page, but the server counted {pages} pages; stopped instead of "
            "following it",
            page=number,
        )
    # The token goes only to the API's own origin, and a link that changes the page size (which moves the page
    # boundaries) or jumps ahead (which skips items) is not followed as given: the next page is asked for by number.
    as_given = same_origin(link) and target in (None, number + 1)
    if as_given and not keeps_params(link, link_params):
        log.debug("%s %d: the next link changes the page size; asking by number", what, number)
        as_given = False
    return Follow(number + 1, link if as_given else None)


def _fingerprint(items: Sequence[object]) -> int:
    """A digest of a page's items, to recognise a page served again when its items have no id."""
    return hash(repr(items))


class PageLedger(Generic[PageT, ItemT]):
    """What a listing has handed out so far, to hand out each item once and stop a server that repeats itself."""

    def __init__(
        self,
        *,
        items: Callable[[PageT], Sequence[ItemT]],
        with_items: Callable[[PageT, tuple[ItemT, ...]], PageT],
        key: Callable[[ItemT], Hashable | None],
        what: str,
    ) -> None:
        self._items = items
        self._with_items = with_items
        self._key = key
        self._what = what
        self._seen: set[Hashable] = set()
        self._fingerprints: dict[int, int] = {}
        self._handed_out = 0
        self._total: int | None = None

    def admit(self, number: int, page: PageT) -> PageT | None:
        """Page ``number`` holding only the items not handed out before; ``None`` for an empty page (the end)."""
        if page.meta.total is not None:
            self._total = page.meta.total
        raw = self._items(page)
        if not raw:
            return None
        what = self._what
        seen = self._seen
        key_of = self._key
        fresh = []
        keyless = False
        for item in raw:
            key = key_of(item)
            if key is None:
                keyless = True
                fresh.append(item)
            elif key not in seen:
                seen.add(key)
                fresh.append(item)
        if not fresh:
            raise PaginationError(
                f"{what} {number} holds only items already returned: the server is repeating pages, so iteration "
                "stopped instead of looping",
                page=number,
            )
        if keyless:
            # Items without an id cannot be de-duplicated; a page served twice is recognised whole.
            # (Only then: hashing every page would cost the common case for nothing.)
            earlier = self._fingerprints.setdefault(_fingerprint(raw), number)
            if earlier != number:
                raise PaginationError(
                    f"{what} {number} repeats {what} {earlier} item for item: the server is repeating pages, so "
                    "iteration stopped instead of looping",
                    page=number,
                )
        if len(fresh) < len(raw):
            log.debug("%s %d: dropped %d items already returned", what, number, len(raw) - len(fresh))
        self._handed_out += len(fresh)
        if self._total is not None and self._handed_out > self._total:
            raise PaginationError(
                f"{what} {number} brings the items to {self._handed_out}, more than the {self._total} the server "
                "counted: its pages overlap or repeat, so iteration stopped instead of returning items twice",
                page=number,
            )
        return page if len(fresh) == len(raw) else self._with_items(page, tuple(fresh))

    def report_shortfall(self, last_page: int) -> None:
        """Log a listing that ended with fewer items than the server counted: nothing goes missing silently
        (a run still filling up can legitimately count a few more than it has served)."""
        if self._total is not None and self._handed_out < self._total:
            log.warning(
                "the server counted %d items but its pages held %d distinct ones (%s stream ended at page %d)",
                self._total,
                self._handed_out,
                self._what,
                last_page,
            )
