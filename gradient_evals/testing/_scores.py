"""Metric values of prompts and their run-level aggregates: cheap, deterministic functions of a run's key."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from typing import Any

from ._records import RunRecord, json_number

__all__ = ["METRIC_UUIDS", "aggregate_run_metrics", "digest", "metric_result", "prompt_scores"]

_NAMESPACE = uuid.UUID("6f1c7a52-3d0e-4c8e-9a51-2b7f0e4d9c11")

STAR_THRESHOLD_PCT = 70

METRIC_CORRECTNESS = "correctness"
METRIC_ADHERENCE = "context_adherence"
METRIC_TONE = "tone"
METRIC_UUIDS = {
    name: str(uuid.uuid5(_NAMESPACE, "metric:" + name))
    for name in (
        METRIC_CORRECTNESS,
        METRIC_ADHERENCE,
        METRIC_TONE,
        "retrieval_relevance",
        "toxicity",
        "tool_call_correctness",
    )
}
TONES = ("professional", "friendly", "neutral", "empathetic", "curt")
COMPLETED = "EVALUATION_METRIC_RESULT_STATUS_COMPLETED"
FAILED = "EVALUATION_METRIC_RESULT_STATUS_FAILED"


def digest(key: bytes, index: int) -> bytes:
    """16 bytes that are a pure function of ``(key, index)``: the seed of everything about one prompt."""
    return hashlib.blake2b(key + index.to_bytes(8, "little"), digest_size=16).digest()


def prompt_scores(run_key: bytes, quality: float, index: int) -> tuple[float | int | None, float | None, str | None]:
    """The three prompt-level metric values of prompt ``index`` (``None`` when that metric errored).

    Cheap on purpose (one hash), so that run-level aggregates over 50,000 prompts stay fast.
    """
    d = digest(run_key, index)
    u = [int.from_bytes(d[i : i + 4], "little") / 4294967296.0 for i in range(0, 16, 4)]
    correctness: float | int = round(min(100.0, max(0.0, quality + (u[0] - 0.5) * 70.0)), 1)
    correctness = json_number(correctness)
    adherence: float | None = round(min(1.0, max(0.0, quality / 100.0 + (u[1] - 0.5) * 0.6)), 3)
    tone: str | None = TONES[int(u[2] * len(TONES))]
    if u[3] < 0.04:
        adherence = None
    elif u[3] > 0.99:
        tone = None
    return correctness, adherence, tone


def aggregate_run_metrics(run: RunRecord) -> dict[str, Any]:
    """Run-level metric results aggregated from all of the run's prompts, plus star metric and pass status."""
    total_c = 0.0
    total_a = 0.0
    n_a = 0
    failed_a = 0
    tones: Counter[str] = Counter()
    failed_t = 0
    n = run.n_prompts
    for i in range(n):
        c, a, t = prompt_scores(run.key, run.quality, i)
        total_c += c or 0
        if a is None:
            failed_a += 1
        else:
            total_a += a
            n_a += 1
        if t is None:
            failed_t += 1
        else:
            tones[t] += 1
    mean_c = round(total_c / n, 2) if n else 0.0
    correctness = metric_result(
        METRIC_CORRECTNESS,
        "METRIC_VALUE_TYPE_PERCENTAGE",
        number=json_number(mean_c),
        reasoning=f"Mean correctness over {n} prompts.",
        error=None if n else "no prompts were evaluated",
    )
    adherence = metric_result(
        METRIC_ADHERENCE,
        "METRIC_VALUE_TYPE_NUMBER",
        number=json_number(round(total_a / n_a, 4)) if n_a else None,
        reasoning=f"Mean over {n_a} prompts; {failed_a} could not be scored.",
        error=None if n_a else "no prompt could be scored for context adherence",
    )
    top, count = sorted(tones.items(), key=lambda kv: (-kv[1], kv[0]))[0] if tones else ("", 0)
    tone = metric_result(
        METRIC_TONE,
        "METRIC_VALUE_TYPE_STRING",
        string=top,
        reasoning=f"Most frequent tone ({count} of {n - failed_t} scored prompts).",
        error=None if tones else "no prompt could be scored for tone",
    )
    results = [correctness, adherence, tone]
    star = dict(correctness)
    star["reasoning"] = f"Star metric correctness; success threshold {STAR_THRESHOLD_PCT}%."
    return {
        "run_level_metric_results": results,
        "star_metric_result": star,
        "pass_status": bool(n) and mean_c >= STAR_THRESHOLD_PCT,
    }


def metric_result(
    name: str,
    value_type: str,
    *,
    number: float | int | None = None,
    string: str | None = None,
    reasoning: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """One ``apiEvaluationMetricResult`` object: completed with its value, or failed with ``error``."""
    out: dict[str, Any] = {
        "metric_name": name,
        "metric_uuid": METRIC_UUIDS[name],
        "metric_value_type": value_type,
    }
    if error is not None:
        out["status"] = FAILED
        out["error_description"] = error
        return out
    out["status"] = COMPLETED
    if number is not None:
        out["number_value"] = number
    if string is not None:
        out["string_value"] = string
    if reasoning is not None:
        out["reasoning"] = reasoning
    return out
