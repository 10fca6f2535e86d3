"""Importing the clients in a fresh process, against ``gradient``'s and ``pydo``'s: wall time.

What a script pays before its first request: ``from gradient_evals import AsyncGradientEvals, GradientEvals``
against ``from gradient import AsyncGradient, Gradient`` and ``from pydo import Client``. Each measurement is one
fresh interpreter running that statement; ``python -c pass`` is measured in
the same rounds, and the import cost is the difference. The warm-up round also writes every package's
bytecode cache (``PYTHONDONTWRITEBYTECODE`` is cleared for the children), so no contender pays for
compiling its sources. Then ``python -X importtime`` lists what importing the clients spends its time on.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from _harness import (
    Series,
    arguments,
    emit,
    fmt_seconds,
    paired,
    quiet_env,
    run_rounds,
    series_data,
    table,
    verdict,
)
from _harness import verdict_table as verdicts
from _targets import FIRST_USES, IMPORT_TIME, IMPORTS, OURS_FIRST_USE, OURS_IMPORT

ENV = quiet_env()
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def fresh(code: str) -> Callable[[], float]:
    def measure() -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=ENV)
        return time.perf_counter() - started

    return measure


def importtime_breakdown(statement: str, top: int = 12) -> tuple[str, float]:
    """Where ``statement`` spends its time: self time summed per top-level package, largest first."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True, env=ENV
    )
    by_package: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        package = name.split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(self_us)
    total = sum(by_package.values())
    lines = ["| package | self time of its modules | share |", "|---|---:|---:|"]
    for package, self_us in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"| `{package}` | {self_us / 1000:.1f} ms | {100 * self_us / total:.0f}% |")
    return "\n".join(lines), total / 1e6


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=9)
    contenders: list[tuple[str, Callable[[], float]]] = [("python -c pass", fresh("pass"))]
    skipped: list[Series] = []
    statements = [("gradient_evals", OURS_IMPORT), *IMPORTS.items()]
    statements += [("gradient_evals", OURS_FIRST_USE), *FIRST_USES.items()]
    for module, statement in statements:
        try:
            subprocess.run([sys.executable, "-c", statement], check=True, env=ENV, capture_output=True)
        except subprocess.CalledProcessError:
            skipped.append(Series(statement, skipped=f"`{module}` is not installed"))
        else:
            contenders.append((statement, fresh(statement)))
    series = run_rounds(contenders, rounds=args.rounds)
    bare = series["python -c pass"]
    net = {
        name: Series(f"{name} (net of interpreter start)", [v - b for v, b in zip(s.values, bare.values, strict=True)])
        for name, s in series.items()
        if name != bare.name
    }
    ours = net[OURS_IMPORT]
    first_uses = [net[s] for s in (OURS_FIRST_USE, *FIRST_USES.values()) if s in net]
    checks = []
    for target in IMPORT_TIME:
        if target.denominator in net:
            theirs = net[target.denominator]
            ratio = ours.median / theirs.median
            checks.append(verdict(target.label, ratio, target.shown, ratio <= target.limit, paired(ours, theirs)))
    breakdown, total = importtime_breakdown(OURS_IMPORT)
    markdown = (
        f"Fresh interpreter per measurement, {args.rounds} rounds after one warm-up round.\n\n"
        + table([*series.values(), *skipped], baseline=bare.name)
        + "\n\nNet of the bare interpreter (the ratio column compares each import with `gradient_evals`):\n\n"
        + table([ours, *(s for s in net.values() if s is not ours and s not in first_uses)], baseline=ours.name)
        + "\n\n"
        + verdicts(checks)
        + "\n\nBefore the first request (import, build a client, reach the evaluation-runs operations; net of "
        + "the bare interpreter, no target): the client classes import their transport, models and resources on "
        + "first use, so this is where that cost shows.\n\n"
        + (table(first_uses, baseline=first_uses[0].name) if first_uses else "not measured")
        + f"\n\n`python -X importtime -c '{OURS_IMPORT}'`: self time summed per top-level package (one "
        + f"run, {fmt_seconds(total)} in all; it is sampled once and noisier than the medians above):\n\n"
        + breakdown
    )
    data = series_data([*series.values(), *net.values(), *skipped])
    emit(args, "Import time in a fresh process (wall time)", markdown, data)


if __name__ == "__main__":
    main()
