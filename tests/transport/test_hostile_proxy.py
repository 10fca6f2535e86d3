"""A proxy from the environment never sees the token: plain HTTP and loopback go direct, HTTPS is tunnelled."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from transport.hostile_servers import RUN, RUN_JSON, TOKEN, Connection, HostileServer, client_of, head, whole

from gradient_evals import APIConnectionError, GradientEvals

pytestmark = pytest.mark.anyio

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def refuse(conn: Connection) -> None:
    """A proxy that records what it was sent and refuses it."""
    conn.send(head("403 Forbidden", "Content-Length: 0", "Connection: close"))


def set_proxy(monkeypatch: pytest.MonkeyPatch, proxy: HostileServer, *names: str) -> None:
    for name in ("NO_PROXY", "no_proxy", *PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    for name in names:
        monkeypatch.setenv(name, proxy.url)


@pytest.mark.parametrize("variables", [("HTTP_PROXY",), ("ALL_PROXY",), ("http_proxy", "all_proxy")])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_plain_http_to_loopback_never_goes_through_an_environment_proxy(
    variables: tuple[str, ...],
    host: str,
    hostile: Callable[..., HostileServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = hostile(whole(RUN_JSON, "Content-Type: application/json"))
    proxy = hostile(refuse)
    set_proxy(monkeypatch, proxy, *variables)
    async with client_of(f"http://{host}:{api.port}") as client:
        run = await client.evaluation_runs.retrieve(RUN)
    assert run.evaluation_run_uuid == RUN
    assert proxy.requests == []
    assert f"Bearer {TOKEN}".encode() in api.requests[0]


async def test_plain_http_to_a_remote_host_allowed_insecure_goes_direct(
    hostile: Callable[..., HostileServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unresolvable name: the request must fail on its own rather than be handed to the proxy in clear text.
    proxy = hostile(refuse)
    set_proxy(monkeypatch, proxy, "HTTP_PROXY", "ALL_PROXY")
    client = client_of("http://gradient.invalid:1", allow_insecure_http=True)
    async with client:
        with pytest.raises(APIConnectionError):
            await client.evaluation_runs.retrieve(RUN)
    assert proxy.requests == []


async def test_https_through_an_environment_proxy_is_a_tunnel_without_the_token(
    hostile: Callable[..., HostileServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = hostile(refuse)
    set_proxy(monkeypatch, proxy, "HTTPS_PROXY")
    async with client_of("https://api.digitalocean.com") as client:
        with pytest.raises(APIConnectionError):
            await client.evaluation_runs.retrieve(RUN)
    # Corporate proxies still work for the real API, and what they see is where the tunnel goes, nothing more.
    assert len(proxy.requests) == 1
    assert proxy.requests[0].startswith(b"CONNECT api.digitalocean.com:443 ")
    assert TOKEN.encode() not in proxy.requests[0]


def test_the_blocking_client_goes_direct_to_loopback_too(
    hostile: Callable[..., HostileServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = hostile(whole(RUN_JSON, "Content-Type: application/json"))
    proxy = hostile(refuse)
    set_proxy(monkeypatch, proxy, "HTTP_PROXY", "ALL_PROXY")
    with GradientEvals(TOKEN, base_url=api.url, max_retries=0) as client:
        assert client.evaluation_runs.retrieve(RUN).evaluation_run_uuid == RUN
    assert proxy.requests == []
