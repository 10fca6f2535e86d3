"""Profile the SDK's hot paths with pyinstrument and summarise where the time goes.

Paths: converting one 100-prompt page (200 times), streaming 5,000 prompts (20 ms latency), 200 async
``retrieve`` calls, and the sync facade's portal hop (200 sync ``retrieve`` calls, profiled on both the
caller's thread and the client's event-loop thread). For each: the share of samples by area (JSON decoding,
model conversion, httpx/httpcore, the event loop, waiting for the network, the SDK's own code) and the
functions with the most self time. Writes markdown (``--output``) for ``run_all.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from _harness import canned_server, emulator

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals._convert import structure
from gradient_evals.types import ResultsPage

try:
    from pyinstrument import Profiler
except ImportError:  # pragma: no cover - the bench session installs it
    Profiler = None  # type: ignore[assignment,misc]

INTERVAL = 0.0002
AREAS = [
    ("waiting for the network (idle in select/poll)", ("selectors.py", "poll", "select")),
    ("JSON decoding (json.loads)", ("json/",)),
    (
        "model conversion (cattrs + _convert + attrs __init__)",
        ("_convert.py", "cattrs", "<cattrs generated", "<attrs generated"),
    ),
    ("httpx / httpcore / h11", ("httpx", "httpcore", "h11")),
    ("tenacity (retry wrapper)", ("tenacity",)),
    ("anyio / asyncio / threading", ("anyio", "asyncio", "threading.py", "concurrent/futures", "queue.py")),
    ("gradient_evals (other)", ("gradient_evals",)),
]


def is_builtin(frame: Any) -> bool:
    return (frame.file_path or "").startswith("<built-in>")


def area_of(frame: Any, inherited: str) -> str:
    name = frame.function or ""
    if is_builtin(frame):
        # A C function counts where it is called from, except the event loop's wait for sockets.
        return AREAS[0][0] if name.split(".")[-1] in ("poll", "select") else inherited
    where = f"{frame.file_path or ''}:{name}"
    for label, needles in AREAS:
        if any(needle in where for needle in needles):
            return label
    return "other"


def label_of(frame: Any, parent: str) -> str:
    path = (frame.file_path_short or frame.file_path or "").rsplit("/", 1)[-1]
    if is_builtin(frame):
        return f"{frame.function} (C, called from {parent})"
    return f"{frame.function} ({path}:{frame.line_no})"


def walk(frame: Any, inherited: str = "other", parent: str = "") -> Iterator[tuple[str, str, float]]:
    """(area, function label, self time) for every frame; pyinstrument's synthetic children count as self."""
    real = [child for child in frame.children if not (child.function or "").startswith("[")]
    area = area_of(frame, inherited)
    label = label_of(frame, parent)
    yield area, label, frame.time - sum(child.time for child in real)
    for child in real:
        yield from walk(child, area, frame.function or "")


def summarise(title: str, profiler: Any, top: int = 12) -> str:
    session = profiler.last_session
    by_area: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0.0
    for area, label, self_time in walk(session.root_frame()):
        if self_time <= 0:
            continue
        by_area[area] += self_time
        by_function[label] += self_time
        total += self_time
    lines = [
        f"### {title}",
        "",
        f"{session.duration:.3f} s wall, {session.cpu_time:.3f} s CPU on the profiled thread, "
        f"{session.sample_count} samples.",
        "",
        "| area | share of samples |",
        "|---|---:|",
    ]
    lines += [f"| {area} | {100 * t / total:.1f}% |" for area, t in by_area.most_common()]
    lines += ["", "| function (self time) | share |", "|---|---:|"]
    lines += [f"| `{name}` | {100 * t / total:.1f}% |" for name, t in by_function.most_common(top)]
    return "\n".join(lines) + "\n"


def profiled(func: Callable[[], Any]) -> Any:
    profiler = Profiler(interval=INTERVAL, async_mode="disabled")
    profiler.start()
    try:
        func()
    finally:
        profiler.stop()
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="write the markdown here as well as printing it")
    args = parser.parse_args()
    if Profiler is None:
        text = "## Profiles\n\npyinstrument is not installed; `nox -s bench` installs it.\n"
        print(text)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        return
    parts = ["## Profiles of the hot paths (pyinstrument)\n"]

    with emulator(prompts=[5_000, 100], latency=0.020) as emu:
        run = emu.runs[5_000]
        url = f"{emu.base_url}/v2/gen-ai/evaluation_runs/{run}/results"
        auth = {"Authorization": f"Bearer {emu.token}"}
        page = httpx.get(url, params={"page": 1, "per_page": 100}, headers=auth).raise_for_status().content
        run_body = httpx.get(f"{emu.base_url}/v2/gen-ai/evaluation_runs/{run}", headers=auth).content

        def convert() -> None:
            for _ in range(200):
                structure(json.loads(page), ResultsPage)

        def stream() -> None:
            async def go() -> None:
                async with AsyncGradientEvals(emu.token, base_url=emu.base_url) as client:
                    async for _prompt in client.evaluation_runs.iter_results(run, per_page=100):
                        pass

            asyncio.run(go())

        stream()  # warm the emulator's page cache
        parts.append(summarise("Converting one 100-prompt page (200 times)", profiled(convert)))
        parts.append(
            summarise("Streaming 5,000 prompts, 20 ms latency, async client (event-loop thread)", profiled(stream))
        )

    with canned_server(run_body) as base_url:

        def retrieve_async() -> None:
            async def go() -> None:
                async with AsyncGradientEvals(emu.token, base_url=base_url) as client:
                    for _ in range(200):
                        await client.evaluation_runs.retrieve(run)

            asyncio.run(go())

        parts.append(summarise("200 async retrieve calls, no latency", profiled(retrieve_async)))

        with GradientEvals(emu.token, base_url=base_url) as client:
            client.evaluation_runs.retrieve(run)
            loop_profiler = Profiler(interval=INTERVAL, async_mode="disabled")
            client._loop.call_sync(loop_profiler.start)
            caller = profiled(lambda: [client.evaluation_runs.retrieve(run) for _ in range(200)])
            client._loop.call_sync(loop_profiler.stop)
        parts.append(summarise("Sync facade: 200 retrieve calls, caller's thread", caller))
        parts.append(summarise("Sync facade: 200 retrieve calls, the client's event-loop thread", loop_profiler))

    text = "\n".join(parts)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    sys.exit(main())
