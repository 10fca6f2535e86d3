"""Stream 50,000 vs 5,000 prompts in each mode: peak RSS of the streaming process.

Modes: the scoped ``stream_results`` (async with), plain ``async for`` over ``iter_results``, and the blocking
``for`` of the sync facade. Every measurement is a fresh interpreter that imports the SDK, makes the client, notes
``ru_maxrss``, streams every prompt of the run (default prefetch and page size, keeping none), and reports
``ru_maxrss`` again. The emulator runs in its own process, so its memory is not counted. Peak RSS includes the
interpreter and the imported modules; the growth column is the part the stream itself added.
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
from gradient_evals import AsyncGradientEvals, GradientEvals

cfg = json.loads(sys.argv[1])

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

async def main():
    async with AsyncGradientEvals(cfg["token"], base_url=cfg["base_url"]) as client:
        before = rss()
        count = 0
        if cfg["mode"] == "stream":
            async with client.evaluation_runs.stream_results(cfg["run"]) as stream:
                async for _prompt in stream:
                    count += 1
        else:
            async for _prompt in client.evaluation_runs.iter_results(cfg["run"]):
                count += 1
    return before, count

if cfg["mode"] == "blocking":
    with GradientEvals(cfg["token"], base_url=cfg["base_url"]) as client:
        before = rss()
        count = sum(1 for _prompt in client.evaluation_runs.iter_results(cfg["run"]))
else:
    before, count = asyncio.run(main())
print(json.dumps({"before": before * 1024, "peak": rss() * 1024, "count": count}))
"""

MODES = {"stream": "stream_results", "plain": "iter_results (async for)", "blocking": "blocking for"}


def streamer(emu: Emulator, prompts: int, mode: str, growth: list[float]) -> Callable[[], float]:
    cfg = json.dumps({"token": emu.token, "base_url": emu.base_url, "run": emu.runs[prompts], "mode": mode})

    def measure() -> float:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, cfg], check=True, capture_output=True, text=True, env=quiet_env()
        )
        result = json.loads(out.stdout)
        if result["count"] != prompts:
            raise AssertionError(f"expected {prompts} prompts, got {result['count']}")
        growth.append(result["peak"] - result["before"])
        return float(result["peak"])

    return measure


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=3)
    growth: dict[tuple[str, int], list[float]] = {(m, n): [] for m in MODES for n in (SMALL, LARGE)}
    names = {(m, n): f"{label}, {n:,} prompts" for m, label in MODES.items() for n in (SMALL, LARGE)}
    with emulator(prompts=[SMALL, LARGE]) as emu:
        series = run_rounds(
            [(names[key], streamer(emu, key[1], key[0], growth[key])) for key in names],
            rounds=args.rounds,
        )
    # The warm-up round's growth is dropped like its peak.
    grown = {key: Series(f"{names[key]}: growth while streaming", growth[key][1:]) for key in names}
    checks = []
    for mode, label in MODES.items():
        small, large = series[names[mode, SMALL]], series[names[mode, LARGE]]
        ratio = large.median / small.median
        checks.append(
            verdict(
                f"{label}: peak RSS, {LARGE:,} / {SMALL:,} prompts",
                ratio,
                "<= 1.2x",
                ratio <= 1.2,
                paired(large, small),
            )
        )
    first = names["stream", SMALL]
    markdown = (
        f"Fresh process per measurement, {args.rounds} rounds after one warm-up round.\n\n"
        + table(list(series.values()), baseline=first, unit=fmt_bytes)
        + "\n\n"
        + table(list(grown.values()), baseline=grown["stream", SMALL].name, unit=fmt_bytes)
        + "\n\n"
        + verdicts(checks)
    )
    emit(args, "Peak RSS streaming 50,000 vs 5,000 prompts", markdown, series_data([*series.values(), *grown.values()]))


if __name__ == "__main__":
    main()
