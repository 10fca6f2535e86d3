"""Stream every result of a 5,000-prompt run, 100 a page, 20 ms added latency per request: wall time.

Contenders, each timed from making its client to the last prompt handed out:

- raw httpx (the floor): one ``httpx.AsyncClient``, page 1, then the remaining pages through a semaphore of
  the SDK's default prefetch, ``json.loads`` only;
- this SDK, async ``iter_results`` with the default prefetch, and with ``prefetch=1`` (a sequential page loop
  of the same client);
- this SDK's sync facade (``GradientEvals``), default prefetch;
- ``pydo`` and ``gradient``, paging by hand sequentially as their docs show (neither auto-paginates this
  endpoint).

Also answers "sync facade vs async client" from the same measurements.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
from _harness import (
    Emulator,
    Series,
    arguments,
    emit,
    emulator,
    paired,
    run_rounds,
    series_data,
    table,
    timed,
    verdict,
)
from _harness import verdict_table as verdicts

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals._pagination import DEFAULT_PREFETCH

PROMPTS = 5_000
PER_PAGE = 100
LATENCY = 0.020
RESULTS = "/v2/gen-ai/evaluation_runs/{}/results"


def raw_httpx(emu: Emulator, run: str, concurrency: int = DEFAULT_PREFETCH) -> int:
    async def main() -> int:
        url = emu.base_url + RESULTS.format(run)
        headers = {"Authorization": f"Bearer {emu.token}", "Accept": "application/json"}
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(headers=headers, limits=limits) as client:

            async def page(number: int) -> list[object]:
                response = await client.get(url, params={"page": number, "per_page": PER_PAGE})
                response.raise_for_status()
                body = json.loads(response.content)
                pages.append(body["meta"]["pages"])
                return body["prompts"]  # type: ignore[no-any-return]

            pages: list[int] = []
            count = len(await page(1))
            gate = asyncio.Semaphore(concurrency)

            async def bounded(number: int) -> list[object]:
                async with gate:
                    return await page(number)

            rest = await asyncio.gather(*(bounded(n) for n in range(2, pages[0] + 1)))
            return count + sum(len(prompts) for prompts in rest)

    return asyncio.run(main())


def sdk_async(emu: Emulator, run: str, prefetch: int = DEFAULT_PREFETCH) -> int:
    async def main() -> int:
        count = 0
        async with AsyncGradientEvals(emu.token, base_url=emu.base_url) as client:
            async for _prompt in client.evaluation_runs.iter_results(run, per_page=PER_PAGE, prefetch=prefetch):
                count += 1
        return count

    return asyncio.run(main())


def sdk_sync(emu: Emulator, run: str) -> int:
    count = 0
    with GradientEvals(emu.token, base_url=emu.base_url) as client:
        for _prompt in client.evaluation_runs.iter_results(run, per_page=PER_PAGE):
            count += 1
    return count


def pydo_loop(emu: Emulator, run: str) -> int:
    import pydo

    client = pydo.Client(emu.token, endpoint=emu.base_url)
    count, page = 0, 1
    while True:
        # azure-core refuses a bearer token over plain http unless told this is deliberate.
        body = client.genai.get_evaluation_run_results(run, page=page, per_page=PER_PAGE, enforce_https=False)
        for _prompt in body.get("prompts") or []:
            count += 1
        if not (body.get("links") or {}).get("pages", {}).get("next"):
            break
        page += 1
    client.close()
    return count


def gradient_loop(emu: Emulator, run: str) -> int:
    import gradient

    count, page = 0, 1
    with gradient.Gradient(access_token=emu.token, base_url=emu.base_url) as client:
        while True:
            result = client.agents.evaluation_runs.list_results(run, page=page, per_page=PER_PAGE)
            for _prompt in result.prompts or []:
                count += 1
            if result.links is None or result.links.pages is None or not result.links.pages.next:
                break
            page += 1
    return count


def checked(func: Callable[[], int]) -> Callable[[], float]:
    def measure() -> float:
        counts: list[int] = []
        seconds = timed(lambda: counts.append(func()))
        if counts != [PROMPTS]:
            raise AssertionError(f"expected {PROMPTS} prompts, got {counts}")
        return seconds

    return measure


def available(module: str) -> str | None:
    try:
        __import__(module)
    except ImportError:
        return f"`{module}` is not installed"
    return None


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=7)
    with emulator(prompts=[PROMPTS], latency=LATENCY) as emu:
        run = emu.runs[PROMPTS]
        contenders: list[tuple[str, Callable[[], float]]] = [
            (f"raw httpx, {DEFAULT_PREFETCH} concurrent", checked(lambda: raw_httpx(emu, run))),
            (f"gradient_evals async (prefetch={DEFAULT_PREFETCH})", checked(lambda: sdk_async(emu, run))),
            (f"gradient_evals sync facade (prefetch={DEFAULT_PREFETCH})", checked(lambda: sdk_sync(emu, run))),
            ("gradient_evals async, prefetch=1 (sequential)", checked(lambda: sdk_async(emu, run, prefetch=1))),
        ]
        missing: dict[str, str] = {}
        for name, module, func in (
            ("pydo, sequential page loop", "pydo", pydo_loop),
            ("gradient, sequential page loop", "gradient", gradient_loop),
        ):
            reason = available(module)
            if reason is None:
                contenders.append((name, checked(lambda func=func: func(emu, run))))  # type: ignore[misc]
            else:
                missing[name] = reason
        series = run_rounds(contenders, rounds=args.rounds)
    ordered: list[Series] = list(series.values()) + [Series(name, skipped=why) for name, why in missing.items()]
    names = [s.name for s in ordered]
    floor, ours, sync, seq = (series[n] for n in names[:4])
    ours_vs_floor = ours.median / floor.median
    sync_vs_async = sync.median / ours.median
    checks = [
        verdict(
            "gradient_evals async / raw httpx", ours_vs_floor, "<= 1.3x", ours_vs_floor <= 1.3, paired(ours, floor)
        ),
        verdict("sync facade / async client", sync_vs_async, "<= 1.15x", sync_vs_async <= 1.15, paired(sync, ours)),
    ]
    for name in ("pydo, sequential page loop", "gradient, sequential page loop"):
        if name in series:
            speedup = series[name].median / ours.median
            label = f"{name.split(',')[0]} / gradient_evals async"
            checks.append(verdict(label, speedup, ">= 4x", speedup >= 4, paired(series[name], ours)))
    markdown = (
        f"{PROMPTS:,} prompts, {PER_PAGE} a page ({PROMPTS // PER_PAGE} requests), {LATENCY * 1000:.0f} ms added "
        f"latency per request; {args.rounds} rounds after one warm-up round, contenders in the same order each "
        "round. Wall time from creating the client to the last prompt.\n\n"
        + table(ordered, baseline=floor.name)
        + "\n\n"
        + verdicts(checks)
        + f"\n\nSequential paging of the same client (prefetch=1) takes {seq.median / ours.median:.2f}x the "
        "default: the gap is the latency hidden by prefetching, not client overhead."
    )
    for name in ("pydo, sequential page loop", "gradient, sequential page loop"):
        if name in series:
            markdown += (
                f" Raw httpx itself (`json.loads` only, same concurrency) is {series[name].median / floor.median:.2f}x "
                f"faster than the {name.split(',')[0]} loop."
            )
    emit(args, "Streaming 5,000 prompts (wall time)", markdown, series_data(ordered))


if __name__ == "__main__":
    main()
