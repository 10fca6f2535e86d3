"""``timeout`` bounds the whole ``evaluate`` call: with slow creates, slow polls or slow result pages, the call
returns or raises a typed error, on both clients, long before the slowed request would have answered.

The server is the emulator on loopback with a delay fault on one kind of request, 30 times the timeout, so only the
SDK's own deadline can end the call: ending well before the delay is the evidence, without assuming how fast the
machine runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals, GradientEvalsError
from gradient_evals.results import EvaluationReport
from gradient_evals.testing import FakeGradientServer, Fault, FaultRule

AGENTS = ["3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b", "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"]
TIMEOUT = 4.0
"""Long enough for the requests before the slowed one to be made on a loaded machine (the slowed request must be
reached for the case to mean anything), far below the slowed request's delay."""
STALL = 120.0
"""How long a slowed request takes: far past the deadline, so that only the deadline can end the call."""

# Which requests are slowed: (method, path substring).
SLOW = {
    "creates": ("POST", "/v2/gen-ai/evaluation_runs"),
    "polls": ("GET", "/v2/gen-ai/evaluation_runs/"),
    "pages": ("GET", "/results"),
}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.1) as srv:
        yield srv


def _slow(server: FakeGradientServer, what: str) -> FaultRule:
    method, path = SLOW[what]
    return server.inject(Fault.delay(STALL), method=method, path=path)


def _arguments(server: FakeGradientServer) -> dict[str, object]:
    return {
        "dataset": server.add_dataset(rows=6),
        "test_case": "deadline",
        "metrics": ["correctness"],
        "agent_uuids": AGENTS,
        "baseline": None,
        "timeout": TIMEOUT,
        "poll_interval": 0.05,
        "max_poll_interval": 0.1,
    }


def _check_outcome(outcome: EvaluationReport | BaseException, elapsed: float, rule: FaultRule) -> None:
    assert rule.fired >= 1, f"the slow request was never made: {rule!r}"
    assert elapsed < STALL / 2, f"evaluate(timeout={TIMEOUT}) waited for the slowed request ({elapsed:.2f} s)"
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, GradientEvalsError), repr(outcome)
        assert not isinstance(outcome, BaseExceptionGroup)
    else:  # a report is only honest if it says the runs did not finish
        assert not outcome.passed
        assert outcome.run_failed


@pytest.mark.anyio
@pytest.mark.parametrize("what", sorted(SLOW))
async def test_the_async_client_keeps_the_deadline(server: FakeGradientServer, what: str) -> None:
    rule = _slow(server, what)
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        started = time.monotonic()
        outcome: EvaluationReport | BaseException
        try:
            outcome = await client.evaluate(**_arguments(server))  # type: ignore[arg-type]
        except BaseException as exc:
            outcome = exc
        elapsed = time.monotonic() - started
    _check_outcome(outcome, elapsed, rule)


@pytest.mark.parametrize("what", sorted(SLOW))
def test_the_blocking_client_keeps_the_deadline(server: FakeGradientServer, what: str) -> None:
    rule = _slow(server, what)
    with GradientEvals(server.token, base_url=server.base_url) as client:
        started = time.monotonic()
        outcome: EvaluationReport | BaseException
        try:
            outcome = client.evaluate(**_arguments(server))  # type: ignore[arg-type]
        except BaseException as exc:
            outcome = exc
        elapsed = time.monotonic() - started
    _check_outcome(outcome, elapsed, rule)
