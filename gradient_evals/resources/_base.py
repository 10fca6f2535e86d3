"""What every resource shares: one call per request (``_get``/``_post``/``_put``/``_delete``) and one per pager.

A resource method checks its arguments, then makes exactly one of these calls; the transport does the rest
(auth, retries, error mapping, conversion). Paged listings are built by :meth:`AsyncResource._paginate` from the
endpoint's path and page model alone, so no resource writes its own paging glue.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .._blocking import SyncResource, blocking, blocking_iterator
from .._exceptions import APIStatusError
from .._pacer import background_requests
from .._pagination import DEFAULT_PREFETCH, AsyncPager, Paged

if TYPE_CHECKING:
    from typing import Self

    from .._storage import StorageClient
    from .._transport import Transport
    from ..typing import Timeout
    from ._registry import AsyncResourceHost

__all__ = ["AsyncResource", "PageSize", "SyncResource", "blocking", "blocking_iterator"]

T = TypeVar("T")
PageT = TypeVar("PageT", bound=Paged)


class PageSize:
    """The largest page size an endpoint accepts, learned for the client's life.

    Every page saved is a request saved from the rate limit, so listings ask for ``largest`` items a page. Should
    the API refuse that size (a 400/422 naming the parameter), the size is halved and the request sent again, and
    the smaller size is kept for later listings; a server that silently serves fewer is followed by its ``meta``.
    """

    def __init__(self, largest: int, *, parameter: str = "per_page") -> None:
        self.value = largest
        self.parameter = parameter

    def refused(self, exc: APIStatusError, asked: int) -> bool:
        """Whether ``exc`` refuses the size ``asked``; if so, a smaller size is remembered."""
        if exc.status_code not in (400, 422) or asked <= 1:
            return False
        said = f"{exc.error_message or ''} {exc.error_id or ''}".lower()
        if self.parameter not in said:
            return False
        self.value = min(self.value, asked // 2)
        return True


class AsyncResource:
    """Base of the async resources; holds the client's transport (and its token-free storage client when the
    resource is registered in :class:`~gradient_evals.resources.ResourceSet`)."""

    def __init__(self, transport: Transport, storage: StorageClient | None = None) -> None:
        self._transport = transport
        self._object_storage = storage

    @classmethod
    def for_client(cls, client: AsyncResourceHost) -> Self:
        """The resource of ``client`` (what :class:`~gradient_evals.resources.ResourceSet` builds on first use)."""
        return cls(client._transport, client._storage)

    async def _get(
        self,
        path: str,
        cast_to: type[T],
        *,
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
        timeout: Timeout = None,
    ) -> T:
        transport = self._transport
        return await transport.request(
            "GET", transport.url_for(path), cast_to=cast_to, key=key, params=params, timeout=timeout
        )

    async def _post(
        self,
        path: str,
        cast_to: type[T],
        *,
        body: Mapping[str, Any],
        key: str | None = None,
        timeout: Timeout = None,
        idempotent: bool = False,
    ) -> T:
        return await self._send("POST", path, cast_to, body=body, key=key, timeout=timeout, idempotent=idempotent)

    async def _put(
        self, path: str, cast_to: type[T], *, body: Mapping[str, Any], key: str | None = None, timeout: Timeout = None
    ) -> T:
        # Not idempotent in this API, though PUT usually is: updating a test case bumps its version and updating a
        # custom metric issues a new UUID, so a PUT that reached the server is not sent again (a retry would make a
        # second version, or answer 404 for the metric's old UUID). It is retried where the server cannot have acted.
        return await self._send("PUT", path, cast_to, body=body, key=key, timeout=timeout, idempotent=False)

    async def _send(
        self,
        method: str,
        path: str,
        cast_to: type[T],
        *,
        body: Mapping[str, Any],
        key: str | None,
        timeout: Timeout,
        idempotent: bool,
    ) -> T:
        transport = self._transport
        return await transport.request(
            method,
            transport.url_for(path),
            cast_to=cast_to,
            key=key,
            json_body=body,
            timeout=timeout,
            idempotent=idempotent,
        )

    async def _delete(self, path: str, cast_to: type[T], *, timeout: Timeout = None) -> T:
        transport = self._transport
        return await transport.request("DELETE", transport.url_for(path), cast_to=cast_to, timeout=timeout)

    def _paginate(
        self,
        path: str,
        page_cls: type[PageT],
        *,
        items: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        page_size: PageSize | None = None,
        number_first_page: bool = True,
        prefetch: int = DEFAULT_PREFETCH,
        timeout: Timeout = None,
        what: str = "page",
    ) -> AsyncPager[PageT, Any]:
        """A pager over ``path``: ``items`` names the page's list field, ``key`` the field that identifies an item.

        Page ``n`` is asked for with ``?page=n`` and ``params`` (page 1 without ``page`` unless
        ``number_first_page``); a ``next`` link on this endpoint is followed as given when it keeps ``params``
        (else the page is asked for by number, so a changed ``per_page`` cannot shift the page boundaries). With
        ``page_size``, pages are asked for at the largest size it allows.
        """
        transport = self._transport
        own_url = transport.url_for(path)
        fixed = dict(params or {})

        async def fetch(number: int, url: str | None) -> PageT:
            with background_requests():  # pages are bulk work: they leave the rate limit's reserve alone
                if url is not None and url.split("?", 1)[0] == own_url:
                    return await transport.request("GET", url, cast_to=page_cls, timeout=timeout)
                page_params = {"page": number, **fixed} if number_first_page or number > 1 else dict(fixed)
                while True:
                    if page_size is not None:
                        page_params[page_size.parameter] = asked = page_size.value
                    try:
                        return await transport.request(
                            "GET", own_url, cast_to=page_cls, params=page_params, timeout=timeout
                        )
                    except APIStatusError as exc:
                        if page_size is None or not page_size.refused(exc, asked):
                            raise

        return AsyncPager(
            fetch=fetch,
            items=operator.attrgetter(items),
            with_items=_replacing(items),
            key=operator.attrgetter(key),
            same_origin=transport.same_origin,
            link_params=fixed,
            prefetch=prefetch,
            what=what,
            allowance=transport.pacer.allowance,
        )


def _replacing(field: str) -> Callable[[Any, tuple[Any, ...]], Any]:
    """A function giving a copy of a page whose ``field`` holds other items (the not-yet-seen ones)."""

    def with_items(page: Any, items: Sequence[Hashable]) -> Any:
        return attrs.evolve(page, **{field: items})

    return with_items
