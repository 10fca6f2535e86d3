"""Shared plumbing for the benchmark scripts: an emulator in its own process, rounds, medians and tables.

Every script answers one question. It starts its own emulator in a separate process (so the server's CPU
work never competes with the client for the GIL), runs every contender once per round in the same order
(ABAB...), throws the first round away as warm-up, and reports the median of the rest next to a ratio against
a baseline measured in the same run. Scripts print a markdown section and, with ``--json PATH``, also write
their numbers for ``run_all.py``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# Runs in the emulator process. The page cache is made large enough to hold every page, and a warm-up pass
# fills it, so the measured rounds time the client, not the emulator re-encoding JSON on the same two cores.
_SERVER_CODE = r"""
import json, signal, sys, threading
from gradient_evals.testing import FakeGradientServer

cfg = json.loads(sys.argv[1])
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
server = FakeGradientServer(latency=cfg["latency"], seed=cfg["seed"], page_cache_bytes=1 << 30)
with server:
    runs = {}
    for prompts in cfg["runs"]:
        tc = server.add_test_case(prompts=prompts)
        runs[str(prompts)] = server.add_run(test_case_uuid=tc)
    print(json.dumps({"base_url": server.base_url, "token": server.token, "runs": runs}), flush=True)
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
"""


@functools.cache
def raw_tls() -> ssl.SSLContext:
    """The TLS context every raw httpx baseline verifies with, built once a process as the SDK builds its own.

    Building one loads the CA bundle (about 20 ms of CPU). The SDK's clients share theirs; a baseline building a
    fresh one each round would count its construction, which none of these questions is about.
    """
    import httpx

    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Emulator:
    """A running emulator process: where it listens, its token, and one finished run per requested size."""

    base_url: str
    token: str
    runs: dict[int, str]


@contextmanager
def emulator(*, prompts: Sequence[int], latency: float = 0.0, seed: int = 7) -> Iterator[Emulator]:
    """Start ``gradient_evals.testing.FakeGradientServer`` in a child process; stop it on exit."""
    cfg = json.dumps({"runs": list(prompts), "latency": latency, "seed": seed})
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER_CODE, cfg], stdout=subprocess.PIPE, text=True, env=quiet_env()
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the emulator process exited before it listened")
        info = json.loads(line)
        yield Emulator(
            base_url=info["base_url"], token=info["token"], runs={int(k): v for k, v in info["runs"].items()}
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# A minimal keep-alive HTTP/1.1 server that answers every request with the same body: used where the question
# is the client's own per-call cost, so the emulator's request handling (about a millisecond of Python per
# request) does not drown it.
_CANNED_CODE = r"""
import asyncio, signal, sys

body = sys.stdin.buffer.read()
head = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
    + str(len(body)).encode()
    + b"\r\n\r\n"
)
answer = head + body

async def handle(reader, writer):
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            if not request:
                break
            writer.write(answer)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()

asyncio.run(main())
"""


@contextmanager
def canned_server(body: bytes) -> Iterator[str]:
    """A child process answering every request (any path, keep-alive) with ``body``; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CANNED_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=quiet_env()
    )
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(body)
        proc.stdin.close()
        line = proc.stdout.readline().decode().strip()
        if not line:
            raise RuntimeError("the canned server exited before it listened")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def quiet_env() -> dict[str, str]:
    """The environment for child processes: no bytecode writing noise, no user site surprises."""
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# -- measuring ----------------------------------------------------------------------------------------------


@dataclass
class Series:
    """Every measured value of one contender (the warm-up round excluded)."""

    name: str
    values: list[float] = field(default_factory=list)
    note: str = ""
    skipped: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.values), max(self.values)


def run_rounds(
    contenders: Sequence[tuple[str, Callable[[], float]]],
    *,
    rounds: int,
    warmup: int = 1,
    progress: bool = True,
) -> dict[str, Series]:
    """Call every contender once per round, in the same order each round (A B C A B C ...).

    Each callable returns the value it measured (seconds, bytes...). The first ``warmup`` rounds are dropped.

    Before each measurement the garbage collector is run and everything alive then is frozen (``gc.freeze``): each
    contender's collections then traverse its own objects only, not the modules every contender imported into this
    process (pydo's and gradient's among them), whose full passes would otherwise land on whichever contender
    happened to trigger one.
    """
    series = {name: Series(name) for name, _ in contenders}
    for round_no in range(warmup + rounds):
        for name, measure in contenders:
            gc.collect()
            gc.freeze()
            value = measure()
            if round_no >= warmup:
                series[name].values.append(value)
        if progress:
            label = "warm-up" if round_no < warmup else f"round {round_no - warmup + 1}/{rounds}"
            print(f"  {label} done", file=sys.stderr, flush=True)
    return series


def timed(func: Callable[[], Any]) -> float:
    """Seconds one call of ``func`` took."""
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


# -- reporting ----------------------------------------------------------------------------------------------


def fmt_seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.3f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} µs"


def fmt_bytes(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def table(
    series: Sequence[Series],
    *,
    baseline: str,
    unit: Callable[[float], str] = fmt_seconds,
    ratio_label: str = "ratio",
) -> str:
    """A markdown table: contender, median, min-max, ratio of medians against ``baseline``."""
    base = next(s for s in series if s.name == baseline)
    lines = [
        f"| contender | median | min..max | {ratio_label} vs {baseline} | note |",
        "|---|---:|---:|---:|---|",
    ]
    for s in series:
        if s.skipped is not None:
            lines.append(f"| {s.name} | n/a | n/a | n/a | {s.skipped} |")
            continue
        low, high = s.spread
        ratio = s.median / base.median
        lines.append(f"| {s.name} | {unit(s.median)} | {unit(low)}..{unit(high)} | {ratio:.2f}x | {s.note} |")
    return "\n".join(lines)


def paired(numerator: Series, denominator: Series) -> float:
    """The median of the per-round ratios: steadier than a ratio of medians when the machine drifts."""
    return statistics.median(a / b for a, b in zip(numerator.values, denominator.values, strict=True))


def verdict(label: str, value: float, target: str, met: bool, per_round: float | None = None) -> str:
    shown = f"{per_round:.2f}x" if per_round is not None else "-"
    return f"| {label} | {value:.2f}x | {shown} | {target} | {'met' if met else '**not met**'} |"


def verdict_table(rows: Sequence[str]) -> str:
    header = "| check | ratio of medians | median of per-round ratios | target | result |"
    return "\n".join([header, "|---|---:|---:|---|---|", *rows])


def arguments(description: str, *, rounds: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=rounds, help=f"measured rounds (default {rounds})")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON to PATH")
    return parser.parse_args()


def emit(args: argparse.Namespace, title: str, markdown: str, data: dict[str, Any]) -> None:
    """Print the section; with --json, also save it for run_all.py."""
    section = f"## {title}\n\n{markdown}\n"
    print(section)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"title": title, "markdown": section, "data": data}, fh, indent=2)


def series_data(series: Sequence[Series]) -> dict[str, Any]:
    return {
        s.name: {"values": s.values, "median": s.median if s.values else None, "skipped": s.skipped} for s in series
    }
