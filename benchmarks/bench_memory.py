"""Stream 50,000 vs 5,000 prompts with the async client: peak RSS of the streaming process.

Every measurement is a fresh interpreter that imports the SDK, makes the client, notes ``ru_maxrss``, streams
every prompt of the run (default prefetch, 100 a page, keeping none), and reports ``ru_maxrss`` again. The
emulator runs in its own process, so its memory is not counted. Peak RSS includes the interpreter and the
imported modules; the growth column is the part the stream itself added.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from _harness import (
    Emulator,
    Series,
    arguments,
    emit,
    emulator,
    fmt_bytes,
    paired,
    quiet_env,
    run_rounds,
    series_data,
    table,
    verdict,
)
from _harness import verdict_table as verdicts

SMALL, LARGE = 5_000, 50_000

_CHILD = r"""
import asyncio, json, resource, sys
from gradient_evals import AsyncGradientEvals

cfg = json.loads(sys.argv[1])

async def main():
    async with AsyncGradientEvals(cfg["token"], base_url=cfg["base_url"]) as client:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        count = 0
        async for _prompt in client.evaluation_runs.iter_results(cfg["run"], per_page=100):
            count += 1
    return before, count

before, count = asyncio.run(main())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before": before * 1024, "peak": peak * 1024, "count": count}))
"""


def streamer(emu: Emulator, prompts: int, growth: dict[int, list[float]]) -> Callable[[], float]:
    cfg = json.dumps({"token": emu.token, "base_url": emu.base_url, "run": emu.runs[prompts]})

    def measure() -> float:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, cfg], check=True, capture_output=True, text=True, env=quiet_env()
        )
        result = json.loads(out.stdout)
        if result["count"] != prompts:
            raise AssertionError(f"expected {prompts} prompts, got {result['count']}")
        growth[prompts].append(result["peak"] - result["before"])
        return float(result["peak"])

    return measure


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=3)
    growth: dict[int, list[float]] = {SMALL: [], LARGE: []}
    with emulator(prompts=[SMALL, LARGE]) as emu:
        series = run_rounds(
            [
                (f"{SMALL:,} prompts", streamer(emu, SMALL, growth)),
                (f"{LARGE:,} prompts", streamer(emu, LARGE, growth)),
            ],
            rounds=args.rounds,
        )
    small, large = series[f"{SMALL:,} prompts"], series[f"{LARGE:,} prompts"]
    # The warm-up round's growth is dropped like its peak.
    grown = {n: Series(f"{n:,} prompts: growth while streaming", growth[n][1:]) for n in (SMALL, LARGE)}
    ratio = large.median / small.median
    markdown = (
        f"Fresh process per measurement, {args.rounds} rounds after one warm-up round.\n\n"
        + table([small, large], baseline=small.name, unit=fmt_bytes)
        + "\n\n"
        + table([grown[SMALL], grown[LARGE]], baseline=grown[SMALL].name, unit=fmt_bytes)
        + "\n\n"
        + verdicts(
            [verdict(f"peak RSS, {LARGE:,} / {SMALL:,} prompts", ratio, "<= 1.5x", ratio <= 1.5, paired(large, small))]
        )
    )
    emit(args, "Peak RSS streaming 50,000 vs 5,000 prompts", markdown, series_data([small, large, *grown.values()]))


if __name__ == "__main__":
    main()
