"""Repeats against the judge's noise: the A/A false-alarm rate and the detectable worsening, K = 1 against K = 3.

Each A/A pair is one unchanged agent evaluated twice on 100 prompts of the emulator (a baseline group, then a
candidate group, K runs each), with a ``max_regression`` of 5 points on correctness. With K = 3 each prompt's value
is the mean of its 3 runs (what ``evaluate(repeats=3)`` gates on, through ``average_pages``), so the judge's noise
shrinks by sqrt(3) while the prompts' difficulty, shared by both sides, still cancels in the pairing.

- **false alarms**: the share of the 200 A/A gates that failed, for K = 1 and K = 3; target: K = 3 at or below
  K = 1's figure.
- **detectable worsening** (``mde``) at 100 prompts: the median over the pairs; target: smaller with K = 3.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import uuid
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

from gradient_evals.results import MetricSummary
from gradient_evals.statistics import PairedComparison, apply_holm
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationPrompt, MetricResult, ResultsPage
from gradient_evals.workflows.compare_paired import input_key, paired_metrics
from gradient_evals.workflows.repeat_groups import average_pages

MARGIN = 5.0
PAIRS = 200
PROMPTS = 100
QUALITY = 70.0
_NUMERIC = MetricSummary(name="correctness", count=1, mean=0.0)  # what makes a metric numeric to the pairing


def _pages(server: FakeGradientServer, run_uuid: str) -> list[ResultsPage]:
    prompts = []
    for prompt_id in server.prompt_ids(run_uuid):
        raw = server.prompt_json(run_uuid, prompt_id)
        results = tuple(
            MetricResult(metric_name="correctness", number_value=float(r["number_value"]))
            for r in raw["prompt_level_metric_results"]
            if r["metric_name"] == "correctness" and "number_value" in r
        )
        prompts.append(EvaluationPrompt(prompt_id=prompt_id, input=raw["input"], prompt_level_metric_results=results))
    return [ResultsPage(prompts=tuple(prompts))]


def _keyed(pages: Sequence[ResultsPage]) -> list[tuple[Hashable, Mapping[str, float]]]:
    keyed: list[tuple[Hashable, Mapping[str, float]]] = []
    for position, prompt in enumerate(p for page in pages for p in page.prompts):
        value = prompt.metric("correctness")
        if value is not None and isinstance(value.value, float):
            keyed.append((input_key(prompt.input, position), {"correctness": value.value}))
    return keyed


def _group(server: FakeGradientServer, test_case: str, agent: str, k: int) -> list[ResultsPage]:
    runs = [server.add_run(test_case_uuid=test_case, agent_uuid=agent) for _ in range(k)]
    pages = [(run, _pages(server, run)) for run in runs]
    return pages[0][1] if k == 1 else average_pages(pages)


def _pairs(server: FakeGradientServer, k: int, seed: int) -> list[PairedComparison]:
    rng = random.Random(seed)
    out = []
    for i in range(PAIRS):
        agent = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        test_case = server.add_test_case(prompts=PROMPTS)
        server.set_agent_profile(agent, quality=QUALITY)
        base, candidate = _group(server, test_case, agent, k), _group(server, test_case, agent, k)
        compared = paired_metrics(
            _keyed(candidate),
            _keyed(base),
            {"correctness": (_NUMERIC, _NUMERIC)},
            margins={"correctness": MARGIN},
            default_margin=0.0,
            inverted=(),
        )
        out.append(apply_holm(list(compared.values()))[0])
        if (i + 1) % 50 == 0:
            print(f"  K={k}: {i + 1}/{PAIRS} A/A pairs", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", metavar="PATH", help="also write the section to PATH")
    args = parser.parse_args()
    figures = {}
    with FakeGradientServer(seed=31, run_duration=0.0) as server:
        for k in (1, 3):
            results = _pairs(server, k, seed=k)
            false_alarms = sum(r.outcome == "failed" for r in results) / len(results)
            mde = statistics.median(r.mde for r in results if r.mde is not None)
            figures[k] = (false_alarms, mde)
    (fa1, mde1), (fa3, mde3) = figures[1], figures[3]
    rows = [
        ("A/A false alarms, K = 1", f"{fa1:.1%}", "the single-run figure", True),
        ("A/A false alarms, K = 3", f"{fa3:.1%}", f"<= {fa1:.1%} (K = 1)", fa3 <= fa1),
        ("detectable worsening at 100 prompts, K = 1", f"{mde1:.2f} points", "-", True),
        ("detectable worsening at 100 prompts, K = 3", f"{mde3:.2f} points", f"< {mde1:.2f} (K = 1)", mde3 < mde1),
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
    section = (
        "## Repeats: false alarms and the detectable worsening, K = 1 against K = 3\n\n"
        f"{table}\n\n{PAIRS} A/A pairs per K, {PROMPTS} prompts each, margin {MARGIN:g} points on correctness, "
        f"agent quality {QUALITY:g}; the detectable worsening is the median over the pairs.\n"
    )
    print(section)
    if args.markdown:
        Path(args.markdown).write_text(
            "<!-- Written by benchmarks/bench_repeats.py; do not edit by hand. -->\n\n" + section, encoding="utf-8"
        )
    if not (fa3 <= fa1 and mde3 < mde1):
        sys.exit(1)


if __name__ == "__main__":
    main()
