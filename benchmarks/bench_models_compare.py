"""``gradient-evals models compare`` of 3 candidates on a 200-row dataset, offline on the emulator (target: under
10 s). Each round starts an emulator (runs lasting 1 s, the default), then times the command from parsing its
arguments to its exit: three runs created and waited for, three results files downloaded and checked, rows
paired by input and compared.

    python benchmarks/bench_models_compare.py [--rounds N] [--json PATH]
"""

from __future__ import annotations

import contextlib
import io
import time

from _harness import arguments, emit, fmt_seconds, run_rounds, series_data

from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer
from gradient_evals.testing.stores.model_evaluation_metrics import KNOWN_MODELS

TARGET_SECONDS = 10.0
CANDIDATES = ("llama3-8b-instruct", "openai-gpt-4o-mini", "mistral-nemo-instruct-2407")


def one_comparison() -> float:
    with FakeGradientServer(latency=0.0) as server:
        dataset = server.add_dataset(rows=200)
        argv = ["--token", server.token, "--base-url", server.base_url, "models", "compare", "--dataset", dataset]
        for model in CANDIDATES:
            argv += ["--candidate", model]
        argv += ["--judge", KNOWN_MODELS[0].uuid, "--metric", "correctness", "--metric", "answer matches"]
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(argv)
        elapsed = time.perf_counter() - started
    if code not in (0, 1):
        raise SystemExit(f"models compare exited {code}")
    return elapsed


def run() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=3)
    series = run_rounds([("models compare", one_comparison)], rounds=args.rounds)["models compare"]
    low, high = series.spread
    met = series.median < TARGET_SECONDS
    markdown = "\n".join(
        [
            "| check | median | min..max | target | result |",
            "|---|---:|---:|---|---|",
            f"| models compare, 3 candidates x 200 rows | {fmt_seconds(series.median)} | {fmt_seconds(low)}.."
            f"{fmt_seconds(high)} | under {TARGET_SECONDS:g} s | {'met' if met else '**not met**'} |",
        ]
    )
    emit(args, "Model comparison", markdown, {"series": series_data([series]), "target_seconds": TARGET_SECONDS})


if __name__ == "__main__":
    run()
