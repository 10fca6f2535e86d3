"""Where a presigned URL may send the user's file: never to link-local or metadata destinations, plain HTTP only
to what resolves to loopback, private networks only when the client opts in.

The API here is a scripted server on loopback that answers with the presigned URL under test. Name resolution is
scripted through ``socket.getaddrinfo`` (what both event loops resolve with), and every TCP connection the HTTP
stack opens is recorded, so "before any byte is sent" is checked as "no connection was opened at all".
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpcore
import pytest
from transport.hostile_servers import HostileServer, client_of, whole
from transport.storage_servers import DATASET, api_and_store

from gradient_evals import ObjectStorageError, RetryPolicy, StorageDestinationError

pytestmark = pytest.mark.anyio

GUARD = 60.0
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Host names the test makes resolve to an address of its choosing; others resolve as usual."""
    table: dict[str, str] = {}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in table:
            address = table[name]
            if ":" in address:
                return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, int(port or 0), 0, 0))]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host a TCP connection is opened to (loopback ones really are; others fail at once, recorded)."""
    opened: list[str] = []
    for backend in (httpcore.AnyIOBackend, httpcore.TrioBackend):
        real = backend.connect_tcp

        def connect_tcp(self: Any, host: str, port: int, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            opened.append(host)
            if host in ("127.0.0.1", "::1", "localhost"):
                return _real(self, host, port, *args, **kwargs)

            async def unreachable() -> Any:
                raise httpcore.ConnectError(f"{host} is unreachable from the tests")

            return unreachable()

        monkeypatch.setattr(backend, "connect_tcp", connect_tcp)
    return opened


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "q.csv"
    path.write_text("query\nhello\n", encoding="utf-8")
    return path


async def _upload(server: HostileServer, tmp_path: Path, **options: Any) -> str:
    retry = RetryPolicy(max_retries=2, initial_backoff=0, max_backoff=0, jitter=False)
    async with client_of(server.url, retry=retry, timeout=5, **options) as client:
        with anyio.fail_after(GUARD):
            return await client.evaluation_datasets.upload(_csv(tmp_path), name="q")


def _api_only(connections: list[str], server: HostileServer) -> list[str]:
    """The connections other than the API's own (which is on loopback at ``server``)."""
    api = sum(1 for c in server.connections if b" /bucket/" not in c.request.split(b"\r\n", 1)[0])
    return connections[api:]


REFUSED = [
    pytest.param("https://169.254.169.254/latest/k1?sig=s", id="aws-metadata"),
    pytest.param("https://169.254.10.20:8443/k1?sig=s", id="link-local"),
    pytest.param("https://[fd00:ec2::254]/k1?sig=s", id="aws-metadata-ipv6"),
    pytest.param("https://[fe80::1]/k1?sig=s", id="link-local-ipv6"),
    pytest.param("https://[::ffff:169.254.169.254]/k1?sig=s", id="ipv4-mapped"),
    pytest.param("https://metadata.google.internal/computeMetadata/v1/k1?sig=s", id="gcp-metadata-name"),
    pytest.param("https://100.100.100.200/k1?sig=s", id="alibaba-metadata"),
    pytest.param("https://0.0.0.0/k1?sig=s", id="unspecified"),
]


@pytest.mark.parametrize("url", REFUSED)
async def test_link_local_and_metadata_destinations_are_refused_before_any_connection(
    url: str, hostile: Callable[..., HostileServer], connections: list[str], tmp_path: Path
) -> None:
    server = api_and_store(hostile, whole(b""), presigned=url)
    with pytest.raises(StorageDestinationError) as caught:
        await _upload(server, tmp_path, allow_private_storage=True)  # even for a client that allows private ones
    assert "sig=s" not in str(caught.value)
    assert _api_only(connections, server) == []
    presigns = [c for c in server.connections if b"file_upload_presigned_urls" in c.request]
    assert len(presigns) == 1  # refused for good: not retried, no fresh URL asked for


@pytest.mark.parametrize(
    ("name", "address"),
    [("bucket.example", "169.254.169.254"), ("bucket.example", "fd00:ec2::254"), ("bucket.example", "fe80::5")],
)
async def test_a_name_resolving_to_a_metadata_address_is_refused(
    name: str,
    address: str,
    hostile: Callable[..., HostileServer],
    names: dict[str, str],
    connections: list[str],
    tmp_path: Path,
) -> None:
    names[name] = address
    server = api_and_store(hostile, whole(b""), presigned=f"https://{name}/k1?sig=s")
    with pytest.raises(StorageDestinationError, match="resolves to"):
        await _upload(server, tmp_path)
    assert _api_only(connections, server) == []


async def test_a_download_url_is_held_to_the_same_rule(
    hostile: Callable[..., HostileServer], connections: list[str], tmp_path: Path
) -> None:
    server = api_and_store(hostile, whole(b""), presigned="https://169.254.169.254/k1?sig=s")
    async with client_of(server.url) as client:
        with anyio.fail_after(GUARD), pytest.raises(StorageDestinationError):
            await client.evaluation_datasets.download(DATASET, tmp_path / "out.csv")
    assert _api_only(connections, server) == []
    assert list(tmp_path.iterdir()) == []


async def test_loopback_is_decided_by_the_resolved_address_not_the_name(
    hostile: Callable[..., HostileServer], names: dict[str, str], connections: list[str], tmp_path: Path
) -> None:
    # A ".localhost" name that resolves elsewhere does not get the file over plain HTTP...
    names["evil.localhost"] = "192.0.2.10"
    server = api_and_store(hostile, whole(b""), host="evil.localhost")
    with pytest.raises(StorageDestinationError, match="plain-HTTP"):
        await _upload(server, tmp_path)
    assert _api_only(connections, server) == []
    # ...while any name that resolves to loopback does.
    names["store.test"] = "127.0.0.1"
    server = api_and_store(hostile, whole(b""), host="store.test")
    assert await _upload(server, tmp_path) == DATASET
    (put,) = [c for c in server.connections if c.request.startswith(b"PUT /bucket/")]
    assert put.request.endswith(b"query\nhello\n")
    assert b"\r\nhost: store.test:" in put.request.lower()  # signed for the name, sent to the checked address


async def test_private_addresses_need_the_clients_opt_in(
    hostile: Callable[..., HostileServer], names: dict[str, str], connections: list[str], tmp_path: Path
) -> None:
    names["minio.internal"] = "10.20.30.40"
    server = api_and_store(hostile, whole(b""), presigned="https://minio.internal/k1?sig=s")
    with pytest.raises(StorageDestinationError, match="allow_private_storage=True"):
        await _upload(server, tmp_path)
    assert _api_only(connections, server) == []
    # With the opt-in, the connection goes to the address that was checked (unreachable in the tests).
    with pytest.raises(ObjectStorageError) as caught:
        await _upload(server, tmp_path, allow_private_storage=True)
    assert not isinstance(caught.value, StorageDestinationError)
    assert "10.20.30.40" in _api_only(connections, server)
