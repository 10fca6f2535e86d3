"""A server's clock cannot lock the client: waits read through it are bounded and end with the next answer.

The scripted servers here send a ``Date`` far from the truth, or a reset hours away, with an exhausted budget.
The client may hold or refuse a request for the policy's ``max_wait`` at most; then it asks the server again.
Time is asserted only as a generous upper bound (the promise is a deadline).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import anyio
import pytest
from transport.hostile_servers import RUN, RUN_JSON, Connection, HostileServer, client_of, head

from gradient_evals import RateLimitError, RateLimitPolicy

pytestmark = pytest.mark.anyio

HOURS_22 = 22 * 3600


def answer(*, remaining: int, reset_in: float, date_offset: float = 0.0) -> bytes:
    """A 200 carrying the run, the rate-limit headers (reset as an epoch second) and a ``Date`` of our choosing."""
    now = time.time()
    return (
        head(
            "200 OK",
            f"Date: {email.utils.formatdate(now + date_offset, usegmt=True)}",
            "ratelimit-limit: 5",
            f"ratelimit-remaining: {remaining}",
            f"ratelimit-reset: {int(now + reset_in)}",
            f"Content-Length: {len(RUN_JSON)}",
            "Connection: close",
        )
        + RUN_JSON
    )


class Budget:
    """The first answer spends the budget, every later one finds it restored."""

    def __init__(self, *, first_reset_in: float, date_offset: float) -> None:
        self.first_reset_in = first_reset_in
        self.date_offset = date_offset
        self.answered = 0

    def __call__(self, conn: Connection) -> None:
        first = self.answered == 0
        self.answered += 1
        if first:
            conn.send(answer(remaining=0, reset_in=self.first_reset_in, date_offset=self.date_offset))
        else:
            conn.send(answer(remaining=4, reset_in=60, date_offset=self.date_offset))


async def test_a_date_22_hours_behind_does_not_lock_the_client(hostile: Callable[..., HostileServer]) -> None:
    # The server's Date is 22 h behind, its reset is 3 s away by the true clock.
    server = hostile(Budget(first_reset_in=3, date_offset=-HOURS_22))
    started = time.monotonic()
    with anyio.fail_after(60):
        async with client_of(server.url) as client:
            await client.evaluation_runs.retrieve(RUN)
            run = await client.evaluation_runs.retrieve(RUN)  # held a little, then sent: never refused for 22 h
            assert client.rate_limit is not None
            assert client.rate_limit.remaining == 4
    assert run.evaluation_run_uuid == RUN
    assert len(server.requests) == 2
    assert time.monotonic() - started < 30  # generous: the true reset is 3 s away


@pytest.mark.parametrize("date_offset", [0.0, -HOURS_22], ids=["true-date", "date-22h-behind"])
async def test_a_reset_hours_away_is_believed_for_max_wait_then_the_server_is_asked_again(
    date_offset: float, hostile: Callable[..., HostileServer]
) -> None:
    # The reset is 22 h away (by the Date the server sends, so the skew does not explain it away): a server gone
    # wrong. A request is refused with a wait no longer than max_wait, and once that passed the server is asked.
    server = hostile(Budget(first_reset_in=HOURS_22 + date_offset, date_offset=date_offset))
    policy = RateLimitPolicy(max_wait=0.5)
    with anyio.fail_after(60):
        async with client_of(server.url, rate_limit=policy) as client:
            await client.evaluation_runs.retrieve(RUN)
            if date_offset == 0.0:
                with pytest.raises(RateLimitError) as info:
                    await client.evaluation_runs.retrieve(RUN)
                assert info.value.retry_after is not None
                assert info.value.retry_after <= policy.max_wait
                assert len(server.requests) == 1
                await anyio.sleep(policy.max_wait)  # the longest the server's clock may hold the client
            run = await client.evaluation_runs.retrieve(RUN)
    assert run.evaluation_run_uuid == RUN
    assert len(server.requests) == 2
