"""Prompt results as flat records: one ``dict`` per prompt, and a pandas data frame of them.

One record per prompt::

    evaluation_run_uuid, prompt_id, trace_id, input, output, ground_truth, input_tokens, output_tokens,
    metric:<name>        the metric's value (a number, or a string for STRING metrics); None when it errored
    metric_error:<name>  the error description, present only where that metric errored

The files an export writes (:mod:`.export`) hold the same records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from ..types import EvaluationPrompt, MetricResult
from ._resources import RunResults

__all__ = [
    "BASE_COLUMNS",
    "METRIC_ERROR_PREFIX",
    "METRIC_PREFIX",
    "metric_name_of",
    "prompt_record",
    "records_of_run",
    "to_pandas",
    "to_records",
]

BASE_COLUMNS: Final = (
    "evaluation_run_uuid",
    "prompt_id",
    "trace_id",
    "input",
    "output",
    "ground_truth",
    "input_tokens",
    "output_tokens",
)
METRIC_PREFIX: Final = "metric:"
METRIC_ERROR_PREFIX: Final = "metric_error:"


def metric_name_of(result: MetricResult) -> str | None:
    """The name a metric result is filed under: its name, else its UUID; ``None`` when it has neither."""
    return result.metric_name or result.metric_uuid


def _metric_error(result: MetricResult) -> str:
    if result.error_description:
        return result.error_description
    status = getattr(result.status, "value", result.status)
    return str(status or "error")


def prompt_record(prompt: EvaluationPrompt, run_uuid: str | None = None) -> dict[str, Any]:
    """One prompt as a flat ``dict`` of JSON-friendly values (see the module's documentation for the keys)."""
    record: dict[str, Any] = {
        "evaluation_run_uuid": run_uuid,
        "prompt_id": prompt.prompt_id,
        "trace_id": prompt.trace_id,
        "input": prompt.input,
        "output": prompt.output,
        "ground_truth": prompt.ground_truth,
        "input_tokens": prompt.input_tokens,
        "output_tokens": prompt.output_tokens,
    }
    errors: dict[str, str] = {}
    for result in prompt.prompt_level_metric_results:
        name = metric_name_of(result)
        if name is None:
            continue
        if result.is_error:
            record[METRIC_PREFIX + name] = None
            errors[METRIC_ERROR_PREFIX + name] = _metric_error(result)
        else:
            record[METRIC_PREFIX + name] = result.value
    record.update(errors)
    return record


def to_records(prompts: Iterable[EvaluationPrompt], run_uuid: str | None = None) -> list[dict[str, Any]]:
    """Every prompt as a flat record, in order."""
    return [prompt_record(prompt, run_uuid) for prompt in prompts]


def to_pandas(records: Sequence[dict[str, Any]]) -> Any:
    """A ``pandas.DataFrame`` of records (one row per prompt); needs the ``pandas`` extra."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_pandas() needs pandas, which is not installed: pip install 'gradient-evals[pandas]'"
        ) from None
    columns = list(BASE_COLUMNS)
    seen = set(columns)
    for record in records:
        for key in record:
            if key not in seen:
                seen.add(key)
                columns.append(key)
    return pd.DataFrame.from_records(list(records), columns=columns)


async def records_of_run(runs: RunResults, run_uuid: str, *, per_page: int | None) -> list[dict[str, Any]]:
    """Every prompt result of a run as a flat record (see ``AsyncEvaluationRuns.to_records``)."""
    records: list[dict[str, Any]] = []
    async with runs.stream_results(run_uuid, per_page=per_page) as prompts:
        async for prompt in prompts:
            records.append(prompt_record(prompt, run_uuid))
    return records
