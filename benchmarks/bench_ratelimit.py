"""429s with and without the rate-limit pacer, and what the pacer costs when the budget is plentiful.

Workload (the one the pacer is for): three concurrent full streams of 1,000 prompts (20 pages of 50 each) plus a
``create`` and a ``wait()`` on the run it starts, all on one client, against the emulator enforcing 20
requests in any 2 seconds (a sliding window, with the API's ``ratelimit-*`` headers and 429s with
``Retry-After``). Together they need about 65 requests, over three windows' worth. Each contender runs the
workload once per round (pacer on, pacer off, alternately), after a discarded warm-up round; the clients retry
up to 30 times with no backoff of their own, so both finish and differ in how they get there. Counted: the 429s
the emulator sent, the requests it served, the wall time and whether every prompt arrived once and in order.

The cost: the pacer's two calls per request (``acquire`` before sending, ``observe`` after) on its fast path,
timed over 100,000 requests, next to the time of one request to a local server.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import anyio
import httpx
from _harness import arguments, emit

from gradient_evals import AsyncGradientEvals, RateLimitPolicy, RetryPolicy
from gradient_evals._pacer import Pacer
from gradient_evals.testing import FakeGradientServer

LIMIT = (20, 2.0)
STREAMS = 3
PROMPTS = 1_000
PER_PAGE = 50
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


async def workload(server: FakeGradientServer, runs: list[str], test_case: str, rate_limit: Any) -> dict[str, Any]:
    retry = RetryPolicy(max_retries=30, initial_backoff=0, max_backoff=0, jitter=False)
    got: dict[str, list[int]] = {}
    server.clear_requests()
    started = time.perf_counter()
    async with AsyncGradientEvals(
        access_token=server.token, base_url=server.base_url, retry=retry, rate_limit=rate_limit
    ) as client:
        created = await client.evaluation_runs.create(test_case_uuid=test_case, agent_uuids=[AGENT])

        async def stream(run_uuid: str) -> None:
            pager = client.evaluation_runs.iter_results(run_uuid, per_page=PER_PAGE)
            got[run_uuid] = [prompt.prompt_id async for prompt in pager]

        async def wait() -> None:
            await client.evaluation_runs.wait(created.evaluation_run_uuids[0], poll_interval=0.05, timeout=300)

        async with anyio.create_task_group() as group:
            for run_uuid in runs:
                group.start_soon(stream, run_uuid)
            group.start_soon(wait)
    elapsed = time.perf_counter() - started
    log = server.requests
    return {
        "refused": sum(1 for r in log if r.status == 429),
        "served": sum(1 for r in log if r.status != 429),
        "seconds": elapsed,
        "exact": all(got[run_uuid] == server.prompt_ids(run_uuid) for run_uuid in runs),
    }


def fast_path_cost(requests: int = 4_000, rounds: int = 25) -> float:
    """Seconds per request of the pacer's hooks while plenty is left (the budget counting down, as it does)."""
    request = httpx.Request("GET", "https://api.digitalocean.com/v2/gen-ai/x")
    answers = [
        httpx.Response(
            200,
            headers={"ratelimit-limit": "5000", "ratelimit-remaining": str(4999 - i), "ratelimit-reset": "1999999999"},
            request=request,
        )
        for i in range(requests)
    ]

    async def main() -> float:
        timings = []
        for _ in range(rounds):
            pacer = Pacer(RateLimitPolicy())
            started = time.perf_counter()
            for answer in answers:
                pacer.observe(await pacer.acquire("GET", "/v2/gen-ai/x", 60.0), answer)
            timings.append((time.perf_counter() - started) / requests)
        return statistics.median(timings)

    return anyio.run(main)


def request_time(server: FakeGradientServer, run_uuid: str, calls: int = 200) -> float:
    async def main() -> float:
        async with AsyncGradientEvals(access_token=server.token, base_url=server.base_url, rate_limit=None) as c:
            await c.evaluation_runs.retrieve(run_uuid)
            started = time.perf_counter()
            for _ in range(calls):
                await c.evaluation_runs.retrieve(run_uuid)
            return (time.perf_counter() - started) / calls

    return anyio.run(main)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=3)
    results: dict[str, list[dict[str, Any]]] = {"pacer on (default)": [], "pacer off (rate_limit=None)": []}
    options = {"pacer on (default)": "auto", "pacer off (rate_limit=None)": None}
    with FakeGradientServer(seed=9, rate_limit=LIMIT, run_duration=2.0) as server:
        runs = [server.add_run(prompts=PROMPTS) for _ in range(STREAMS)]
        test_case = server.add_test_case(prompts=5)
        for round_number in range(args.rounds + 1):
            for name, option in options.items():
                outcome = anyio.run(workload, server, runs, test_case, option)
                if round_number:  # the first round warms up
                    results[name].append(outcome)
                time.sleep(LIMIT[1])  # let the window empty between contenders
    with FakeGradientServer(seed=9) as plain:
        per_request = request_time(plain, plain.add_run(prompts=5))
    hooks = fast_path_cost()

    lines = [
        "| client | 429s (median) | 429s min..max | requests served (median) | wall time (median) "
        "| every prompt once, in order |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, outcomes in results.items():
        refused = [o["refused"] for o in outcomes]
        lines.append(
            f"| {name} | {statistics.median(refused):g} | {min(refused)}..{max(refused)} "
            f"| {statistics.median(o['served'] for o in outcomes):g} "
            f"| {statistics.median(o['seconds'] for o in outcomes):.2f} s "
            f"| {'yes' if all(o['exact'] for o in outcomes) else '**no**'} |"
        )
    cost = (
        "The pacer's hooks on the fast path (median of 25 runs of 4,000 requests): "
        f"{hooks * 1e6:.2f} us a request, against {per_request * 1e3:.2f} ms for one `retrieve` from a local "
        f"emulator ({hooks / per_request:.2%})."
    )
    markdown = "\n".join(
        [
            f"{STREAMS} concurrent streams of {PROMPTS:,} prompts ({PER_PAGE} a page), a `create` and a `wait()`, "
            f"one client, emulator enforcing {LIMIT[0]} requests per {LIMIT[1]:g} s (sliding window); "
            f"{args.rounds} rounds after one warm-up round.",
            "",
            *lines,
            "",
            cost,
        ]
    )
    emit(args, "Rate limit: 429s with and without the pacer", markdown, {"results": results, "hooks": hooks})


if __name__ == "__main__":
    main()
