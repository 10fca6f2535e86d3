"""The paired statistics behind a regression gate: false alarms, power and cost, on the emulator's noisy judges.

- **false alarms**: 200 A/A pairs (one unchanged agent, a baseline run then a candidate run, 100 prompts each, a
  ``max_regression`` of 5 points on the numeric metric correctness): the share of gates that failed. Target at
  most 5% (the design target is 2.5% or less: a failure needs the whole 95% interval beyond the margin).
- **power**: 200 pairs whose agent truly worsens by 8 points between the two runs, 400 prompts each: the share
  that failed. Target at least 80%.
- **cost**: the statistics of 10 agents x 3 gated metrics x 1,000 paired prompts with the default interval (paired
  t), the whole of what they add to an evaluation (pairing, tests, Holm), median of rounds. Target at most 0.2 s.

Each pair reads the emulator's prompt results and goes through the gates' own code (``paired_metrics``, then
``apply_holm``): keys from the prompts' input, values from their correctness results.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gradient_evals.results import MetricSummary
from gradient_evals.statistics import PairedComparison, apply_holm
from gradient_evals.testing import FakeGradientServer
from gradient_evals.workflows.compare_paired import input_key, paired_metrics

MARGIN = 5.0
PAIRS = 200
AA_PROMPTS = 100
POWER_PROMPTS = 400
WORSENING = 8.0
QUALITY = 70.0
_NUMERIC = MetricSummary(name="correctness", count=1, mean=0.0)  # what makes a metric numeric to the pairing


def _keyed(server: FakeGradientServer, run_uuid: str) -> list[tuple[Any, Mapping[str, float]]]:
    keyed = []
    for position, prompt_id in enumerate(server.prompt_ids(run_uuid)):
        prompt = server.prompt_json(run_uuid, prompt_id)
        values = {
            r["metric_name"]: float(r["number_value"])
            for r in prompt["prompt_level_metric_results"]
            if r["metric_name"] == "correctness" and "number_value" in r
        }
        keyed.append((input_key(prompt["input"], position), values))
    return keyed


def _gate(server: FakeGradientServer, base: str, candidate: str) -> PairedComparison:
    compared = paired_metrics(
        _keyed(server, candidate),
        _keyed(server, base),
        {"correctness": (_NUMERIC, _NUMERIC)},
        margins={"correctness": MARGIN},
        default_margin=0.0,
        inverted=(),
        seed=f"{base}:{candidate}",
    )
    return apply_holm(list(compared.values()))[0]


def _pairs(server: FakeGradientServer, prompts: int, worsening: float, seed: int) -> list[PairedComparison]:
    rng = random.Random(seed)
    out = []
    for i in range(PAIRS):
        agent = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        test_case = server.add_test_case(prompts=prompts)
        server.set_agent_profile(agent, quality=QUALITY)
        base = server.add_run(test_case_uuid=test_case, agent_uuid=agent)
        server.set_agent_profile(agent, quality=QUALITY - worsening)
        candidate = server.add_run(test_case_uuid=test_case, agent_uuid=agent)
        out.append(_gate(server, base, candidate))
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{PAIRS} pairs of {prompts} prompts", file=sys.stderr, flush=True)
    return out


def _cost(rounds: int) -> list[float]:
    """Seconds the statistics of 10 agents x 3 metrics x 1,000 prompts take, per round."""
    rng = random.Random(11)
    metrics = ("correctness", "faithfulness", "relevance")
    agents = []
    for _ in range(10):
        difficulty = [rng.gauss(0, 12) for _ in range(1000)]
        rows = [
            [(f"prompt {i}", {m: 70 + difficulty[i] + rng.gauss(0, 10) for m in metrics}) for i in range(1000)]
            for _ in range(2)
        ]
        agents.append(rows)
    summaries = {m: (MetricSummary(name=m, count=1, mean=0.0),) * 2 for m in metrics}
    times = []
    for _ in range(rounds + 1):
        started = time.perf_counter()
        for candidate, base in agents:
            compared = paired_metrics(
                candidate,
                base,
                summaries,  # type: ignore[arg-type]
                margins=dict.fromkeys(metrics, MARGIN),
                default_margin=0.0,
                inverted=(),
            )
            apply_holm(list(compared.values()))
        times.append(time.perf_counter() - started)
    return times[1:]  # the first round warms the caches


def _rate(results: list[PairedComparison], outcome: str) -> float:
    return sum(r.outcome == outcome for r in results) / len(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="timed rounds of the cost measurement (default 9)")
    parser.add_argument("--json", metavar="PATH", help="also write the numbers as JSON to PATH (for run_all.py)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the section to PATH (the docs include it)")
    args = parser.parse_args()
    with FakeGradientServer(seed=30, run_duration=0.0) as server:
        null = _pairs(server, AA_PROMPTS, 0.0, seed=1)
        worse = _pairs(server, POWER_PROMPTS, WORSENING, seed=2)
    cost = _cost(args.rounds)
    false_alarms, power, median_cost = _rate(null, "failed"), _rate(worse, "failed"), statistics.median(cost)
    spread = statistics.median(r.spread or 0.0 for r in null)
    rows = [
        ("false alarms: A/A pairs that failed", f"{false_alarms:.1%}", "<= 5% (design 2.5%)", false_alarms <= 0.05),
        ("power: 8-point worsenings that failed", f"{power:.1%}", ">= 80%", power >= 0.80),
        (
            "cost: 10 agents x 3 metrics x 1,000 prompts",
            f"{median_cost * 1000:.1f} ms",
            "<= 200 ms",
            median_cost <= 0.2,
        ),
    ]
    table = "\n".join(
        [
            "| check | measured | target | result |",
            "|---|---:|---|---|",
            *(
                f"| {label} | {value} | {target} | {'met' if met else '**not met**'} |"
                for label, value, target, met in rows
            ),
        ]
    )
    outcomes = {o: f"{_rate(null, o):.1%} / {_rate(worse, o):.1%}" for o in ("passed", "inconclusive", "failed")}
    detail = (
        f"{PAIRS} pairs each; margin (`max_regression`) {MARGIN:g} points on correctness; agent quality {QUALITY:g}"
        f" (then {QUALITY - WORSENING:g} for the power pairs). Outcomes, A/A / worsened: "
        + ", ".join(f"{o} {v}" for o, v in outcomes.items())
        + f". Median spread of the A/A paired differences: {spread:.1f} points. Cost rounds:"
        f" {', '.join(f'{t * 1000:.0f}' for t in cost)} ms."
    )
    title = "Regression gates: false alarms, power and cost of the paired statistics"
    markdown = f"{table}\n\n{detail}"
    section = f"## {title}\n\n{markdown}\n"
    print(section)
    data = {"false_alarm_rate": false_alarms, "power": power, "cost_seconds": cost, "outcomes": outcomes}
    if args.json:
        import json

        Path(args.json).write_text(json.dumps({"title": title, "markdown": section, "data": data}, indent=2))
    if args.markdown:
        Path(args.markdown).write_text(
            "<!-- Written by benchmarks/bench_statistics.py (nox -s bench_statistics); do not edit by hand. -->\n\n"
            + section,
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
