"""Clients share one verifying TLS context per CA setting instead of loading the CA bundle each time."""

from __future__ import annotations

import shutil
import ssl
from pathlib import Path
from typing import Any

import certifi
import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals, _tls
from gradient_evals._storage import StorageClient


@pytest.fixture
def bundle_loads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every verifying context built from now on (what it was built from), with none built before."""
    monkeypatch.setattr(_tls, "_built", {})
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    loads: list[dict[str, Any]] = []
    real = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        loads.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    return loads


def test_many_clients_load_the_ca_bundle_once_per_setting(bundle_loads: list[dict[str, Any]]) -> None:
    for _ in range(5):
        AsyncGradientEvals(access_token="t", base_url="https://api.example.com")
        AsyncGradientEvals(access_token="t", base_url="http://127.0.0.1:9")  # no proxy, nor CAs, from the environment
    with GradientEvals(access_token="t", base_url="https://api.example.com"):
        pass
    # One for https to a remote host, one for loopback: not one a client (httpx's default).
    assert [load["cafile"] for load in bundle_loads] == [certifi.where(), certifi.where()]


def test_object_storage_shares_the_context_instead_of_building_three(bundle_loads: list[dict[str, Any]]) -> None:
    AsyncGradientEvals(access_token="t", base_url="https://api.example.com")
    loaded = len(bundle_loads)
    for _ in range(3):
        StorageClient(timeout=5.0).http_client  # noqa: B018 - built on first read
    assert len(bundle_loads) == loaded == 1


def test_ssl_cert_file_is_honoured_and_read_on_every_client(
    bundle_loads: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.pem", tmp_path / "second.pem"
    shutil.copy(certifi.where(), first)
    shutil.copy(certifi.where(), second)
    monkeypatch.setenv("SSL_CERT_FILE", str(first))
    AsyncGradientEvals(access_token="t", base_url="https://api.example.com")
    StorageClient(timeout=5.0).http_client  # noqa: B018
    monkeypatch.setenv("SSL_CERT_FILE", str(second))
    AsyncGradientEvals(access_token="t", base_url="https://api.example.com")
    assert [load["cafile"] for load in bundle_loads] == [str(first), str(second)]


def test_the_shared_context_verifies_certificates_and_hostnames(bundle_loads: list[dict[str, Any]]) -> None:
    for trust_env in (True, False):
        context = _tls.verifying_context(trust_env=trust_env)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
        assert _tls.verifying_context(trust_env=trust_env) is context


def test_no_client_of_the_sdk_enables_http2() -> None:
    # httpcore sets the ALPN list on the context at each TLS connection: sharing one context is only safe while every
    # client that uses it asks for the same list, HTTP/1.1 alone (see gradient_evals/_tls.py).
    package = Path(_tls.__file__).parent
    enabling = [str(path.relative_to(package)) for path in package.rglob("*.py") if "http2" in path.read_text("utf-8")]
    assert enabling == []
