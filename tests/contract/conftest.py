"""Contract tests: the SDK against a Prism mock of the official OpenAPI specification.

They run in ``nox -s contract``, which starts Prism and passes its URL in ``GRADIENT_PRISM_URL`` (and the
specification's path in ``GRADIENT_OPENAPI_SPEC``); without those they are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PRISM_URL_ENV = "GRADIENT_PRISM_URL"
SPEC_ENV = "GRADIENT_OPENAPI_SPEC"
# The repository keeps its own copy of the specification (spec/); `nox -s spec` refreshes it.
_DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "spec" / "gradient-evaluations.openapi.yaml"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def prism_url() -> str:
    url = os.environ.get(PRISM_URL_ENV)
    if not url:
        pytest.skip(f"no Prism mock server: run `nox -s contract` (it sets {PRISM_URL_ENV})")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def spec_path() -> Path:
    return Path(os.environ.get(SPEC_ENV) or _DEFAULT_SPEC)
