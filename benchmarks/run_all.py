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
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["stream", "convert", "memory", "import", "retrieve", "ratelimit", "upload"]
PACKAGES = [
    "gradient-evals",
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


def run(command: list[str]) -> None:
    print("$", shlex.join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, cwd=HERE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=SCRIPTS, help="run only these benchmarks")
    parser.add_argument("--no-profile", action="store_true", help="skip the hot-path profiles")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="where to write the report")
    args = parser.parse_args()
    chosen = args.only or SCRIPTS
    sections: list[str] = []
    commands: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in chosen:
            out = Path(scratch) / f"{name}.json"
            command = [sys.executable, f"bench_{name}.py", "--json", str(out)]
            run(command)
            commands.append(shlex.join(["python", f"benchmarks/bench_{name}.py"]))
            sections.append(json.loads(out.read_text())["markdown"])
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
            "compare medians measured in the same run.",
            "",
            *sections,
        ]
    )
    Path(args.output).write_text(report, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
