"""200 sequential ``retrieve`` calls of one evaluation run, no added latency: time per call.

The run's JSON is taken from the emulator once; the calls then go to a minimal keep-alive server in another
process that answers every request with those bytes at once, so the time per call is the client's own cost
plus a loopback round trip (the emulator spends about a millisecond of Python on each request, which would
drown the differences). Each contender makes its client, makes one untimed call (to open the connection),
then times 200 calls in a row. Raw httpx (``get`` + ``json.loads``) is the floor: async ``AsyncClient`` for
the async client, sync ``Client`` for the sync facade, whose every call also hops to the facade's event-loop
thread and back.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from _harness import (
    Emulator,
    Series,
    arguments,
    canned_server,
    emit,
    emulator,
    fmt_seconds,
    raw_tls,
    run_rounds,
    series_data,
    table,
)

from gradient_evals import AsyncGradientEvals, GradientEvals

CALLS = 200
RUNS = "/v2/gen-ai/evaluation_runs/{}"


def loop_time(call: Callable[[], Any]) -> float:
    call()
    started = time.perf_counter()
    for _ in range(CALLS):
        call()
    return (time.perf_counter() - started) / CALLS


def async_loop_time(make: Callable[[], Any], call: Callable[[Any], Any]) -> float:
    async def main() -> float:
        async with make() as client:
            await call(client)
            started = time.perf_counter()
            for _ in range(CALLS):
                await call(client)
            return (time.perf_counter() - started) / CALLS

    return asyncio.run(main())


def headers(emu: Emulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.token}", "Accept": "application/json"}


def raw_async(emu: Emulator, run: str) -> float:
    url = emu.base_url + RUNS.format(run)

    async def call(client: httpx.AsyncClient) -> object:
        response = await client.get(url)
        response.raise_for_status()
        return json.loads(response.content)["evaluation_run"]

    return async_loop_time(lambda: httpx.AsyncClient(headers=headers(emu), verify=raw_tls()), call)


def sdk_async(emu: Emulator, run: str) -> float:
    async def call(client: AsyncGradientEvals) -> object:
        return await client.evaluation_runs.retrieve(run)

    return async_loop_time(lambda: AsyncGradientEvals(emu.token, base_url=emu.base_url), call)


def raw_sync(emu: Emulator, run: str) -> float:
    url = emu.base_url + RUNS.format(run)
    with httpx.Client(headers=headers(emu), verify=raw_tls()) as client:

        def call() -> object:
            response = client.get(url)
            response.raise_for_status()
            return json.loads(response.content)["evaluation_run"]

        return loop_time(call)


def sdk_sync(emu: Emulator, run: str) -> float:
    with GradientEvals(emu.token, base_url=emu.base_url) as client:
        return loop_time(lambda: client.evaluation_runs.retrieve(run))


def pydo_calls(emu: Emulator, run: str) -> float:
    import pydo

    client = pydo.Client(emu.token, endpoint=emu.base_url)
    try:
        return loop_time(lambda: client.genai.get_evaluation_run(run, enforce_https=False))
    finally:
        client.close()


def gradient_calls(emu: Emulator, run: str) -> float:
    import gradient

    with gradient.Gradient(access_token=emu.token, base_url=emu.base_url) as client:
        return loop_time(lambda: client.agents.evaluation_runs.retrieve(run))


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=9)
    with emulator(prompts=[100]) as real:
        run = real.runs[100]
        body = httpx.get(real.base_url + RUNS.format(run), headers=headers(real)).raise_for_status().content
    with canned_server(body) as base_url:
        emu = Emulator(base_url=base_url, token=real.token, runs=real.runs)
        contenders: list[tuple[str, Callable[[], float]]] = [
            ("raw httpx.AsyncClient", lambda: raw_async(emu, run)),
            ("gradient_evals async", lambda: sdk_async(emu, run)),
            ("raw httpx.Client (sync)", lambda: raw_sync(emu, run)),
            ("gradient_evals sync facade", lambda: sdk_sync(emu, run)),
        ]
        skipped: list[Series] = []
        for name, module, func in (
            ("pydo (sync, requests)", "pydo", pydo_calls),
            ("gradient (sync, httpx)", "gradient", gradient_calls),
        ):
            try:
                __import__(module)
            except ImportError:
                skipped.append(Series(name, skipped=f"`{module}` is not installed"))
            else:
                contenders.append((name, lambda func=func: func(emu, run)))  # type: ignore[misc]
        series = run_rounds(contenders, rounds=args.rounds)
    ordered = list(series.values()) + skipped
    floor, ours, sync_floor, sync = (series[name] for name, _ in contenders[:4])
    overhead = ours.median - floor.median
    sync_overhead = sync.median - sync_floor.median
    hop = sync.median - ours.median
    markdown = (
        f"{CALLS} sequential `retrieve` calls per measurement, {args.rounds} rounds after one warm-up round; "
        "time per call.\n\n"
        + table(ordered, baseline=floor.name)
        + "\n\n"
        + "| overhead per call | measured |\n|---|---:|\n"
        + f"| gradient_evals async over raw httpx.AsyncClient | {fmt_seconds(overhead)} |\n"
        + f"| gradient_evals sync facade over raw httpx.Client | {fmt_seconds(sync_overhead)} |\n"
        + f"| sync facade over async client (the portal hop) | {fmt_seconds(hop)} |"
    )
    data = series_data(ordered)
    data["overhead"] = {"async": overhead, "sync": sync_overhead, "hop": hop}
    emit(args, "200 sequential retrieve calls (time per call)", markdown, data)


if __name__ == "__main__":
    main()
