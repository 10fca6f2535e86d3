"""The speed targets, in one place: each benchmark script judges its own figures by them, and ``run_all.py``
prints every figure next to its target in the summary of ``RESULTS.md``.

A target is a ratio of two medians measured in the same run (a contender over the floor or over another
contender), so that a loaded machine slows both sides alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradient_evals._pagination import DEFAULT_PREFETCH

FLOOR = f"raw httpx, window of {DEFAULT_PREFETCH}"
STREAM = "gradient_evals stream_results (async with)"
PLAIN = "gradient_evals iter_results (async for)"
BLOCKING = "gradient_evals blocking for (sync facade)"
WORK = " + 2 ms/page"
PYDO_LOOP = "pydo, sequential page loop"
GRADIENT_LOOP = "gradient, sequential page loop"

OURS_IMPORT = "from gradient_evals import AsyncGradientEvals, GradientEvals"
IMPORTS = {
    "gradient": "from gradient import AsyncGradient, Gradient",
    "pydo": "from pydo import Client",
}
"""What a script pays to import the clients, per package, in a fresh interpreter."""

OURS_FIRST_USE = "from gradient_evals import AsyncGradientEvals; AsyncGradientEvals(access_token='t').evaluation_runs"
FIRST_USES = {
    "gradient": "from gradient import AsyncGradient; AsyncGradient(access_token='t').agents.evaluation_runs",
    "pydo": "from pydo import Client; Client(token='t').genai",
}
"""What a script pays before its first request: import, build a client, reach the evaluation-runs operations.
Reported next to the import figures, without a target: the client classes load their transport, models and
resources when first used, so this is where the rest of the cost shows."""


@dataclass(frozen=True)
class Target:
    """``numerator``'s median over ``denominator``'s must be at most ``limit``."""

    label: str
    numerator: str
    denominator: str
    limit: float

    @property
    def shown(self) -> str:
        return f"<= {self.limit:.2f}x"


STREAMING = (
    Target("`stream_results` (async with) / floor", STREAM, FLOOR, 1.10),
    Target("same, loop body spending 2 ms a page", STREAM + WORK, FLOOR + WORK, 1.10),
    Target("plain `async for` over `iter_results` / floor", PLAIN, FLOOR, 1.30),
    Target("blocking `for` / `stream_results`", BLOCKING, STREAM, 1.05),
    Target("`iter_results` / `gradient`'s page loop", PLAIN, GRADIENT_LOOP, 0.25),
    Target("`iter_results` / `pydo`'s page loop", PLAIN, PYDO_LOOP, 0.25),
)
"""Streaming 5,000 prompts, 100 a page, 20 ms latency (``bench_stream.py``), with either decoder."""

IMPORT_TIME = (
    Target(f"`{OURS_IMPORT}` / `{IMPORTS['gradient']}` (net)", OURS_IMPORT, IMPORTS["gradient"], 0.30),
    Target(f"`{OURS_IMPORT}` / `{IMPORTS['pydo']}` (net)", OURS_IMPORT, IMPORTS["pydo"], 0.60),
)
"""Import in a fresh interpreter, net of the interpreter's own start (``bench_import.py``)."""
