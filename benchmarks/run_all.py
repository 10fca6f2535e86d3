"""Run every benchmark script (and the hot-path profiles) and write ``benchmarks/RESULTS.md``.

``nox -s bench`` runs this in the bench session's own virtualenv, where the contenders are installed.
``python benchmarks/run_all.py --only stream convert`` runs a subset; ``--no-profile`` skips the profiles.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "stream",
    "convert",
    "memory",
    "import",
    "retrieve",
    "ratelimit",
    "upload",
    "answers",
    "models_compare",
    "statistics",
    "checks",
]
PER_DECODER = {"stream", "convert"}
"""Run once per decoder: the standard library's (``GRADIENT_EVALS_JSON=stdlib``), then msgspec (the ``speed`` extra)."""
DECODERS = {"json": {"GRADIENT_EVALS_JSON": "stdlib"}, "msgspec": {"GRADIENT_EVALS_JSON": ""}}
PACKAGES = [
    "gradient-evals",
    "msgspec",
    "httpx",
    "httpcore",
    "anyio",
    "attrs",
    "cattrs",
    "tenacity",
    "pydo",
    "azure-core",
    "requests",
    "gradient",
    "pydantic",
    "pydantic-core",
    "pyinstrument",
]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    return "\n".join(
        [
            f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
            f"- machine: {os.cpu_count()} logical cores, {cpu_model()}, {ram()} RAM, {platform.platform()}",
            f"- Python: {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
            f"- packages: {versions()}",
        ]
    )


def run(command: list[str], env: dict[str, str] | None = None) -> None:
    shown = " ".join(f"{k}={v}" for k, v in (env or {}).items() if v)
    print("$", shown, shlex.join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, cwd=HERE, env={**os.environ, **env} if env else None)


def _ratios(data: dict[str, Any], a: str, b: str) -> tuple[float, float] | None:
    """The ratio of the medians of ``a`` and ``b``, and the median of their per-round ratios."""
    try:
        top, bottom = data[a], data[b]
        per_round = statistics.median(x / y for x, y in zip(top["values"], bottom["values"], strict=True))
        return float(top["median"]) / float(bottom["median"]), per_round
    except (KeyError, TypeError, ValueError, ZeroDivisionError, statistics.StatisticsError):
        return None


def _cell(ratios: tuple[float, float] | None, limit: float) -> str:
    if ratios is None:
        return "n/a"
    of_medians, per_round = ratios
    return f"{of_medians:.2f}x ({per_round:.2f}x)" + ("" if of_medians <= limit else " not met")


def summary(results: dict[str, dict[str, Any]]) -> str:
    """Every speed target of ``_targets.py`` with its figures, each ratio taken from medians measured in the same
    script run."""
    from _targets import IMPORT_TIME, STREAMING

    lines = [
        "| mode | standard decoder | with the `speed` extra (msgspec) | target |",
        "| --- | ---: | ---: | ---: |",
    ]
    for target in STREAMING:
        cells = [
            _cell(_ratios(results.get(f"stream-{d}", {}), target.numerator, target.denominator), target.limit)
            for d in DECODERS
        ]
        lines.append(f"| {target.label} | {' | '.join(cells)} | {target.shown} |")
    imports = results.get("import", {})
    for target in IMPORT_TIME:
        ratio = _ratios(
            imports,
            f"{target.numerator} (net of interpreter start)",
            f"{target.denominator} (net of interpreter start)",
        )
        lines.append(f"| {target.label} | {_cell(ratio, target.limit)} | | {target.shown} |")
    note = (
        "Each cell: the ratio of the two medians, then in brackets the median of the per-round ratios (the two "
        'were measured back to back in each round, so this one is steadier on a loaded machine); "not met" '
        "judges the first. The floor is raw httpx with a free-running window of 8 that only decodes, with the "
        "same decoder."
    )
    return "## Summary: the speed targets\n\n" + "\n".join(lines) + "\n\n" + note + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=SCRIPTS, help="run only these benchmarks")
    parser.add_argument("--no-profile", action="store_true", help="skip the hot-path profiles")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="where to write the report")
    args = parser.parse_args()
    chosen = args.only or SCRIPTS
    sections: list[str] = []
    commands: list[str] = []
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in chosen:
            for decoder, env in DECODERS.items() if name in PER_DECODER else [("", {})]:
                key = f"{name}-{decoder}" if decoder else name
                out = Path(scratch) / f"{key}.json"
                run([sys.executable, f"bench_{name}.py", "--json", str(out)], env)
                prefix = "GRADIENT_EVALS_JSON=stdlib " if env.get("GRADIENT_EVALS_JSON") else ""
                commands.append(prefix + shlex.join(["python", f"benchmarks/bench_{name}.py"]))
                saved = json.loads(out.read_text())
                if decoder and not saved["title"].endswith(f"decoder {decoder}"):
                    print(f"! {name} did not run with {decoder} (is the speed extra installed?)", file=sys.stderr)
                    continue
                results[key] = saved["data"]
                sections.append(saved["markdown"])
        if not args.no_profile:
            out = Path(scratch) / "profiles.md"
            run([sys.executable, "profile_hot_paths.py", "--output", str(out)])
            commands.append("python benchmarks/profile_hot_paths.py")
            sections.append(out.read_text())
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            "Written by `benchmarks/run_all.py` (run by `nox -s bench`); do not edit by hand.",
            "",
            machine(),
            "",
            "Commands (`nox -s bench` installs the package and the contenders `pydo`, `gradient` and `pyinstrument` "
            "into its own virtualenv, then runs `python benchmarks/run_all.py`, which runs each of these from "
            "`benchmarks/`):",
            "",
            "```sh",
            "nox -s bench",
            *commands,
            "```",
            "",
            "Every emulator runs in a child process on loopback; each script alternates its contenders "
            "(A B C A B C ...) over several rounds after a discarded warm-up round and reports medians; ratios "
            "compare medians measured in the same run. The streaming and conversion scripts run twice, with each "
            "decoder forced in turn (`GRADIENT_EVALS_JSON=stdlib` for the standard library; msgspec, from the "
            "`speed` extra, otherwise), and their floor decodes with the same decoder.",
            "",
            summary(results),
            *sections,
        ]
    )
    Path(args.output).write_text(report, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
