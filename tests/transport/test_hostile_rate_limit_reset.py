"""``ratelimit-reset`` has one meaning everywhere, and no value of it (or of ``Retry-After``) can crash a call."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from transport.hostile_servers import RUN, RUN_JSON, Connection, HostileServer, client_of, head

from gradient_evals import RateLimitError, RateLimitPolicy, RateLimitState, RetryPolicy
from gradient_evals import _transport as transport_module
from gradient_evals._pacer import Pacer
from gradient_evals._responses import (
    EPOCH_THRESHOLD,
    MAX_RESET_DELAY,
    header_int,
    retry_after_seconds,
    seconds_until_reset,
)
from gradient_evals.workflows.wait import next_poll_delay

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000.0
HUGE = "9" * 400


@pytest.mark.parametrize(
    ("reset", "expected"),
    [
        (10, 10.0),  # a delay
        (0, 0.0),
        (int(NOW) + 20, 20.0),  # an epoch second
        (int(NOW) - 5, 0.0),  # an epoch second already past
        (EPOCH_THRESHOLD - 1, None),  # a "delay" of 31 years is not believed
        (int(MAX_RESET_DELAY), MAX_RESET_DELAY),
        (int(NOW + MAX_RESET_DELAY) + 10, None),  # an epoch more than a day away
        (10**400, None),
        (-1, None),
        (None, None),
    ],
)
def test_one_rule_for_a_reset_value(reset: int | None, expected: float | None) -> None:
    assert seconds_until_reset(reset, now=NOW) == expected


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "1" * 19, "1e400", "١٢", "1_000", " 12 junk", "", "nan"])
def test_absurd_header_values_are_not_read_as_numbers(value: str) -> None:
    raw = value.encode()  # as the bytes a server sends; httpx decodes them as UTF-8 where they are
    headers = httpx.Headers({b"ratelimit-reset": raw, b"ratelimit-limit": b"5"})
    assert header_int(headers.get("ratelimit-reset")) is None
    assert header_int(headers.get("ratelimit-limit")) == 5
    assert retry_after_seconds(httpx.Headers({b"ratelimit-reset": raw}), now=NOW) is None


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", HUGE, "Fri, 31 Dec 99999 23:59:59 GMT", "Mon, 00"])
def test_absurd_retry_after_values_are_ignored(value: str) -> None:
    assert retry_after_seconds(httpx.Headers({"retry-after": value}), now=NOW) is None


def paced(headers: httpx.Headers) -> RateLimitState:
    """What the client's pacer makes of an answer with these headers (the view ``wait()`` polls by)."""
    pacer = Pacer(RateLimitPolicy())
    request = httpx.Request("GET", "https://api.digitalocean.com/v2/gen-ai/x")
    pacer.observe(0, httpx.Response(200, headers=headers, request=request))
    state = pacer.state()
    assert state is not None
    return state


def test_a_delay_style_reset_means_the_same_on_a_429_and_while_polling() -> None:
    headers = httpx.Headers({"ratelimit-reset": "10", "ratelimit-remaining": "0", "ratelimit-limit": "250"})
    on_429 = retry_after_seconds(headers)
    assert on_429 == 10.0
    assert next_poll_delay(1.0, paced(headers)) == pytest.approx(on_429, abs=0.5)  # the poll waits for the reset too


def test_polling_survives_a_400_digit_reset() -> None:
    for remaining in ("0", "3"):
        headers = httpx.Headers({"ratelimit-limit": "5", "ratelimit-remaining": remaining, "ratelimit-reset": HUGE})
        state = paced(headers)
        assert state.reset is None  # not a value to believe
        assert 2.0 <= next_poll_delay(2.0, state) < 60.0


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(transport_module.anyio, "sleep", fake_sleep)
    return recorded


class InTurn:
    """Answers the n-th connection with the n-th of ``answers`` (the last one again after that)."""

    def __init__(self, *answers: bytes) -> None:
        self.answers = answers
        self.count = 0

    def __call__(self, conn: Connection) -> None:
        answer = self.answers[min(self.count, len(self.answers) - 1)]
        self.count += 1
        conn.send(answer)


def _429(reset: str) -> bytes:
    return head("429 Too Many Requests", f"ratelimit-reset: {reset}", "Content-Length: 2", "Connection: close") + b"{}"


OK = head("200 OK", f"Content-Length: {len(RUN_JSON)}", "Connection: close") + RUN_JSON


async def test_a_429_with_a_delay_style_reset_waits_that_delay(
    hostile: Callable[..., HostileServer], sleeps: list[float]
) -> None:
    server = hostile(InTurn(_429("10"), OK))
    async with client_of(server.url, retry=RetryPolicy(max_retries=1)) as client:
        await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [10.0]


@pytest.mark.parametrize("reset", [HUGE, "1e400", "-3", "nan"])
async def test_a_429_with_an_absurd_reset_falls_back_to_backoff(
    reset: str, hostile: Callable[..., HostileServer], sleeps: list[float]
) -> None:
    server = hostile(InTurn(_429(reset), OK))
    async with client_of(server.url, retry=RetryPolicy(max_retries=1, initial_backoff=0.25, jitter=False)) as client:
        await client.evaluation_runs.retrieve(RUN)
    assert sleeps == [0.25]


@pytest.mark.parametrize("reset", [HUGE, "10"])
async def test_an_exhausted_429_with_any_reset_is_a_rate_limit_error(
    reset: str, hostile: Callable[..., HostileServer]
) -> None:
    server = hostile(InTurn(_429(reset)))
    async with client_of(server.url) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.evaluation_runs.retrieve(RUN)
    assert caught.value.retry_after == (10.0 if reset == "10" else None)
