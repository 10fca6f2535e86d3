"""Shared fixtures: a client wired for fast, deterministic tests, sample ids and the API's example bodies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gradient_evals import AsyncGradientEvals, RetryPolicy
from gradient_evals.testing import FakeGradientServer

# `pytester` drives the pytest plugin in this process (tests/test_pytest_suites.py). The package's plugin is
# registered here rather than by its entry point (blocked by `-p no:gradient_evals` in pyproject's addopts): an
# entry point is imported before coverage measurement starts, and the package's own import would go unmeasured.
pytest_plugins = ["pytester", "gradient_evals.pytest_suites"]

FIXTURES = Path(__file__).parent / "fixtures"

BASE_URL = "https://api.digitalocean.com"
TOKEN = "test-token"
RUN_UUID = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE_UUID = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT_UUID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
OTHER_AGENT_UUID = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"


def load_example(name: str) -> Any:
    """A JSON example body from tests/fixtures (copied from the API reference and the OpenAPI spec)."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs as outside a GitHub Actions job (no workflow annotations on stdout, no pull request), also
    when the suite itself runs in one; the tests of the GitHub integration set that environment themselves."""
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# Test modules whose async tests exercise nothing of the event loop: arguments refused before any request,
# the requests each resource method builds (against pytest-httpx), computations over models already in memory,
# how bodies decode, and what the gates, checks and reports make of runs the emulator finished (requests one after
# another, no concurrency, cancellation or timing of their own). They run on asyncio alone; every other async test
# runs on asyncio and on trio, among them everything that fetches concurrently, waits, retries or is cancelled
# (transport/, integration/, pagination, streams, waiting, recovery, deadlines). Paths relative to tests/; a folder
# ends with "/".
SINGLE_BACKEND_TESTS = (
    "resources/",
    "test_validation.py",
    "test_typed_errors.py",
    "test_body_skimming.py",
    "contract/test_spec_examples.py",
    "integration/test_bad_input.py",
    "emulator/test_judge_noise.py",
    "reports/test_report_builder.py",
    "reports/test_report_statistics.py",
    "workflows/test_agent_versions.py",
    "workflows/test_compare_metrics.py",
    "workflows/test_compare_verdict.py",
    "workflows/test_evaluate_agents_by_name.py",
    "workflows/test_evaluate_checks.py",
    "workflows/test_evaluate_parts.py",
    "workflows/test_evaluate_settings.py",
    "workflows/test_flaky_prompts.py",
    "workflows/test_model_compare.py",
    "workflows/test_regression_gates.py",
    "workflows/test_repeats_answers.py",
    "workflows/test_test_cases.py",
)
_TESTS_ROOT = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "anyio_backend" not in metafunc.fixturenames:
        return
    if any("anyio_backend" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize")):
        return  # the test chooses its backends itself
    where = metafunc.definition.path.relative_to(_TESTS_ROOT).as_posix()
    if any(where == entry or (entry.endswith("/") and where.startswith(entry)) for entry in SINGLE_BACKEND_TESTS):
        metafunc.parametrize("anyio_backend", ["asyncio"])


def fast_retry(**overrides: Any) -> RetryPolicy:
    """A retry policy without pauses, so retry tests take no time."""
    settings: dict[str, Any] = {"initial_backoff": 0, "max_backoff": 0, "jitter": False}
    settings.update(overrides)
    return RetryPolicy(**settings)


@pytest.fixture
def make_client() -> Callable[..., AsyncGradientEvals]:
    """Build a client for tests; keyword arguments override the defaults."""

    def build(**overrides: Any) -> AsyncGradientEvals:
        settings: dict[str, Any] = {"access_token": TOKEN, "base_url": BASE_URL, "retry": fast_retry()}
        settings.update(overrides)
        return AsyncGradientEvals(**settings)

    return build


@pytest.fixture
def client(make_client: Callable[..., AsyncGradientEvals]) -> AsyncGradientEvals:
    return make_client()


@pytest.fixture
def run_uuid() -> str:
    return RUN_UUID


@pytest.fixture
def test_case_uuid() -> str:
    return TEST_CASE_UUID


@pytest.fixture
def example() -> Callable[[str], Any]:
    """``example("seed_run_results")`` loads a fresh copy of that example body."""
    return load_example


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    """The embedded emulator, on a free loopback port of its own (a test module may define its own ``server``)."""
    with FakeGradientServer(seed=7, run_duration=0.6) as srv:
        yield srv


@pytest.fixture
def api(server: FakeGradientServer) -> Iterator[httpx.Client]:
    """Raw HTTP to ``server``, with its token: what the emulator answers, without the SDK in between."""
    with httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=5.0,
    ) as client:
        yield client
