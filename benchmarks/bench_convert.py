"""Convert one 100-prompt results page, bytes to objects: time per page.

The page is fetched once from the emulator, then every contender turns the same bytes into what its client
hands to the caller, exactly as the client does it:

- the floor: the decoder alone, the one the SDK uses in this process (msgspec with the ``speed`` extra,
  ``json.loads`` under ``GRADIENT_EVALS_JSON=stdlib``);
- this SDK: that decoder then the converter into ``ResultsPage`` (what ``Transport`` does; a prompt's chunks,
  metric results and spans are converted on first read), alone, then reading every prompt's metrics, then reading
  every part of every prompt;
- ``gradient``: ``response.json()`` then ``construct_type`` into its pydantic ``EvaluationRunListResultsResponse``
  (what its client does by default, ``_strict_response_validation=False``); strict validation is also tried;
- ``pydo``: dicts, but decoded twice: azure-core's ``ContentDecodePolicy`` decodes every JSON body in the
  pipeline, then the generated operation calls ``response.json()``, which decodes ``response.text()`` again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from _harness import (
    Series,
    arguments,
    emit,
    emulator,
    fmt_seconds,
    paired,
    run_rounds,
    series_data,
    table,
    verdict,
)
from _harness import verdict_table as verdicts

from gradient_evals._convert import structure
from gradient_evals._json import DECODER
from gradient_evals._json import loads as decode
from gradient_evals.types import ResultsPage

PER_PAGE = 100
BATCH = 40


def per_call(func: Callable[[], Any], n: int = BATCH) -> Callable[[], float]:
    def measure() -> float:
        started = time.perf_counter()
        for _ in range(n):
            func()
        return (time.perf_counter() - started) / n

    return measure


def fetch_page() -> bytes:
    with emulator(prompts=[5_000]) as emu:
        url = f"{emu.base_url}/v2/gen-ai/evaluation_runs/{emu.runs[5_000]}/results"
        response = httpx.get(
            url, params={"page": 1, "per_page": PER_PAGE}, headers={"Authorization": f"Bearer {emu.token}"}
        )
        response.raise_for_status()
        return response.content


FLOOR = f"{DECODER} decode (floor)"
OURS = f"gradient_evals ({DECODER}, then the converter)"
SCORES = "gradient_evals, then reading every prompt's metrics"
EVERYTHING = "gradient_evals, then reading every prompt's chunks, metrics and spans"


def read_scores(page: ResultsPage) -> int:
    return sum(len(prompt.metrics) for prompt in page.prompts)


def read_everything(page: ResultsPage) -> int:
    return sum(
        len(p.prompt_chunks) + len(p.prompt_level_metric_results) + len(p.evaluation_trace_spans) for p in page.prompts
    )


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=7)
    body = fetch_page()
    page = structure(json.loads(body), ResultsPage)
    assert len(page.prompts) == PER_PAGE

    contenders: list[tuple[str, Callable[[], float]]] = [
        (FLOOR, per_call(lambda: decode(body))),
        (OURS, per_call(lambda: structure(decode(body), ResultsPage))),
        (SCORES, per_call(lambda: read_scores(structure(decode(body), ResultsPage)))),
        (EVERYTHING, per_call(lambda: read_everything(structure(decode(body), ResultsPage)))),
    ]
    skipped: list[Series] = []
    try:
        from azure.core.pipeline.policies import ContentDecodePolicy

        def pydo_like() -> object:
            ContentDecodePolicy.deserialize_from_text(body.decode("utf-8"), mime_type="application/json")
            return json.loads(body.decode("utf-8"))

        contenders.append(("pydo (dicts, decoded twice)", per_call(pydo_like)))
    except ImportError:
        skipped.append(Series("pydo (dicts, decoded twice)", skipped="`pydo` / azure-core is not installed"))
    gradient_name = "gradient (pydantic, construct_type: its default)"
    strict_name = "gradient (pydantic, strict validation)"
    try:
        import pydantic
        from gradient._models import construct_type, validate_type
        from gradient.types.agents.evaluation_run_list_results_response import EvaluationRunListResultsResponse

        built = construct_type(type_=EvaluationRunListResultsResponse, value=json.loads(body))
        assert len(built.prompts or []) == PER_PAGE
        contenders.append(
            (
                gradient_name,
                per_call(lambda: construct_type(type_=EvaluationRunListResultsResponse, value=json.loads(body))),
            )
        )
        try:
            validate_type(type_=EvaluationRunListResultsResponse, value=json.loads(body))
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            skipped.append(
                Series(
                    strict_name,
                    skipped=f"rejects the page: {exc.error_count()} errors, e.g. `{where}` = `{first['input']}` "
                    "(its models predate this span type)",
                )
            )
        else:
            contenders.append(
                (
                    strict_name,
                    per_call(lambda: validate_type(type_=EvaluationRunListResultsResponse, value=json.loads(body))),
                )
            )
    except ImportError:
        skipped.append(Series(gradient_name, skipped="`gradient` is not installed"))

    series = run_rounds(contenders, rounds=args.rounds)
    ordered = list(series.values()) + skipped
    ours = series[OURS]
    floor = series[FLOOR]
    checks = []
    if gradient_name in series:
        ratio = ours.median / series[gradient_name].median
        checks.append(
            verdict("gradient_evals / gradient", ratio, "<= 0.8x", ratio <= 0.8, paired(ours, series[gradient_name]))
        )
    markdown = (
        f"Decoder: `{DECODER}` (the floor decodes with it too). "
        f"One page of {PER_PAGE} prompts ({len(body) / 1024:.0f} KiB of JSON); each value is the mean of {BATCH} "
        f"conversions, {args.rounds} rounds after one warm-up round.\n\n"
        + table(ordered, baseline=floor.name)
        + "\n\n"
        + verdicts(checks)
        + f"\n\nConversion proper (beyond decoding) costs this SDK "
        f"{fmt_seconds(ours.median - floor.median)} a page; reading every part of every prompt (which converts the "
        f"parts converted on first read) {fmt_seconds(series[EVERYTHING].median - floor.median)} a page."
    )
    emit(args, f"Converting one 100-prompt page (time per page), decoder {DECODER}", markdown, series_data(ordered))


if __name__ == "__main__":
    main()
