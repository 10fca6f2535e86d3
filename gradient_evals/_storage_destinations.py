"""Where a presigned URL may take the user's data: the destination rule, applied where connections are made.

A presigned URL comes from an API answer, so a compromised or spoofed answer could aim a dataset at a cloud
metadata endpoint or a service on the user's private network. The rule, checked against every address a host
resolves to (and the literal address or well-known name in the URL itself):

- link-local (``169.254.0.0/16``, ``fe80::/10``) and cloud metadata destinations (``fd00:ec2::254``,
  ``100.100.100.200``, ``metadata.google.internal``...) are always refused;
- private-network addresses (``10/8``, ``172.16/12``, ``192.168/16``, ``fc00::/7``, ``100.64/10``...) are refused
  unless the client was made with ``allow_private_storage=True``, for an object store on the user's own network;
- loopback is allowed, and is the only place plain HTTP may go (unless ``allow_insecure_http=True``); whether a
  host is loopback is decided by the addresses it resolves to, never by its name;
- unspecified, multicast and reserved addresses are refused.

The check runs inside the connection: the network backend resolves the host, checks every address, and connects
to a checked address. Nothing is resolved twice, so a name cannot answer the check with one address and the
connection with another; and no byte (not even a TCP handshake) reaches a refused destination.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Final

import anyio
import httpcore
import httpx

from ._tls import verifying_context

__all__ = ["DestinationRefused", "guarded_transport", "refusal_for_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA_NAMES: Final = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
_METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192", "169.254.169.254")
)
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(Exception):
    """Raised by the guarded backend; the storage client turns it into :class:`StorageDestinationError`."""


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), which is where it really leads."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_for_address(address: IPAddress, *, allow_private: bool, require_loopback: bool) -> str | None:
    """Why data may not go to ``address``, or ``None`` when it may."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal_for_address(embedded, allow_private=allow_private, require_loopback=require_loopback)
    if address in _METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if address.is_link_local:
        return f"{address} is a link-local address (where cloud metadata services live)"
    if address.is_loopback:
        return None
    if require_loopback:
        return f"{address} is not a loopback address, and plain HTTP goes only to loopback"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return f"{address} is not a unicast address"
    if address.is_global:
        return None
    if allow_private:
        return None
    return (
        f"{address} is a private-network address (pass allow_private_storage=True to the client to use an object "
        "store on your own network)"
    )


def refusal_for_host(host: str, *, allow_private: bool, require_loopback: bool) -> str | None:
    """Why ``host`` as written in a URL is refused outright (a literal address or a metadata name), else ``None``.

    A name passing here is checked again, address by address, when it is resolved.
    """
    name = host.strip("[]").rstrip(".").lower()
    if name in _METADATA_NAMES:
        return f"{name} is a cloud metadata service"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    return refusal_for_address(address, allow_private=allow_private, require_loopback=require_loopback)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host itself, checks every address, and connects only to addresses that pass."""

    def __init__(self, *, allow_private: bool, require_loopback: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._require_loopback = require_loopback

    async def _addresses(self, host: str, port: int) -> list[str]:
        refusal = refusal_for_host(host, allow_private=self._allow_private, require_loopback=self._require_loopback)
        if refusal is not None:
            raise DestinationRefused(refusal)
        try:
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        addresses = list(dict.fromkeys(str(sockaddr[0]).split("%")[0] for *_, sockaddr in found))
        if not addresses:
            raise httpcore.ConnectError(f"{host!r} resolves to no address")
        # Every address must pass, not just the first: the operating system may pick any of them on a retry.
        for text in addresses:
            refusal = refusal_for_address(
                ipaddress.ip_address(text), allow_private=self._allow_private, require_loopback=self._require_loopback
            )
            if refusal is not None:
                raise DestinationRefused(f"{host} resolves to {refusal}")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self._addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("object storage is never reached through a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def guarded_transport(*, allow_private: bool, require_loopback: bool) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection obeys the destination rule.

    httpx has no public way to give its transport a network backend; the connection pool it builds is replaced
    by an identical one with the guarded backend (TLS verification and HTTP/1.1 as httpx's defaults).
    """
    # Object storage may sit behind the user's own CA (SSL_CERT_FILE, SSL_CERT_DIR), as the API may.
    context = verifying_context(trust_env=True)
    transport = httpx.AsyncHTTPTransport(verify=context, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        network_backend=_GuardedBackend(allow_private=allow_private, require_loopback=require_loopback),
    )
    return transport
