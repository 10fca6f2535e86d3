"""What a model evaluation run of the emulator answers and scores, row by row, and its summary.

Deterministic for a seed, a run's candidate model and a row's input: the same input gets the same difficulty in
every run, so runs of different models on one dataset pair row by row, and a better model (``quality``) scores
better on average through noise the size a judge's is.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from typing import Any

from ._records import json_number
from .stores.model_evaluation_metrics import ModelRecord

__all__ = ["result_file", "score_rows", "summary_of"]


def _unit(*parts: object) -> float:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _score(metric: dict[str, Any], quality: float, difficulty: float, rng: random.Random) -> dict[str, Any]:
    skill = min(1.0, max(0.0, quality - 0.35 * difficulty + rng.gauss(0.0, 0.12)))
    result: dict[str, Any] = {
        "metric_uuid": metric["metric_uuid"],
        "metric_name": metric["metric_name"],
        "metric_value_type": metric["metric_value_type"],
        "status": "EVALUATION_METRIC_RESULT_STATUS_COMPLETED",
    }
    if metric["metric_value_type"] == "METRIC_VALUE_TYPE_STRING":
        passed = skill >= 0.5
        result["string_value"] = "pass" if passed else "fail"
        result["reasoning"] = "The answer says what the ground truth says." if passed else "The answer differs."
    elif metric["metric_value_type"] == "METRIC_VALUE_TYPE_PERCENTAGE":
        result["number_value"] = json_number(round(max(0.0, (1 - skill) * 20 - 4 + rng.random() * 2), 2))
        result["reasoning"] = "Share of harmful content in the answer."
    else:
        low, high = float(metric["range_min"]), float(metric["range_max"])
        result["number_value"] = json_number(round(low + (high - low) * skill))
        result["reasoning"] = f"Scored {result['number_value']} of {high:g}."
    return result


def score_rows(
    seed: int, model: ModelRecord, rows: list[dict[str, str]], metrics: list[dict[str, Any]], count: int
) -> list[dict[str, Any]]:
    """The first ``count`` rows' results (``apiModelEvaluationResult`` objects), with each row's latency and
    tokens under private keys (``_latency_ms``, ``_tokens``) that :func:`result_file` leaves out."""
    results = []
    for row in rows[:count]:
        question = row.get("query", "")
        difficulty = _unit(seed, "difficulty", question)
        rng = random.Random(f"{seed}:{model.slug}:{question}")
        results.append(
            {
                "input": question,
                "ground_truth": row.get("expected_response", ""),
                "output": f"{model.slug} answers: {question[:80]}",
                "candidate_model_uuid": model.uuid,
                "candidate_model_name": model.slug,
                "metric_results": [_score(m, model.quality, difficulty, rng) for m in metrics],
                "_latency_ms": round(model.latency_ms * (0.6 + rng.random() * 0.9), 1),
                "_tokens": (40 + len(question) // 3, 60 + rng.randrange(120)),
            }
        )
    return results


def result_file(results: list[dict[str, Any]]) -> bytes:
    """The results file the download URL serves: a gzip-compressed JSON array of the rows."""
    public = [{k: v for k, v in row.items() if not k.startswith("_")} for row in results]
    return gzip.compress(json.dumps(public).encode("utf-8"), mtime=0)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _metric_summary(metric: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    passed = failed = 0
    for row in results:
        for r in row["metric_results"]:
            if r["metric_uuid"] != metric["metric_uuid"]:
                continue
            if "string_value" in r:
                ok = r["string_value"] == "pass"
            elif metric.get("inverted"):
                ok = r["number_value"] <= 5
            else:
                ok = r["number_value"] >= (float(metric["range_min"]) + float(metric["range_max"])) / 2
            passed, failed = passed + ok, failed + (not ok)
    total = max(passed + failed, 1)
    return {
        "metric_uuid": metric["metric_uuid"],
        "metric_name": metric["metric_name"],
        "pass_count": passed,
        "fail_count": failed,
        "skipped_count": 0,
        "pass_percent": json_number(round(100 * passed / total, 2)),
        "fail_percent": json_number(round(100 * failed / total, 2)),
        "skip_percent": 0,
    }


def summary_of(
    model: ModelRecord, judge: ModelRecord, metrics: list[dict[str, Any]], results: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``result_summary`` of a finished run: per metric, overall, latency, tokens and price."""
    summaries = [_metric_summary(m, results) for m in metrics]
    latencies = [row["_latency_ms"] for row in results] or [0.0]
    candidate_in = sum(row["_tokens"][0] for row in results)
    candidate_out = sum(row["_tokens"][1] for row in results)
    judge_in, judge_out = candidate_in + candidate_out, 30 * len(results) * max(len(metrics), 1)
    candidate_cost = (candidate_in + candidate_out) * model.price_per_mtok / 1e6
    judge_cost = (judge_in + judge_out) * judge.price_per_mtok / 1e6
    performance = {
        "candidate_latency": {
            "avg_e2e_latency_ms": json_number(round(sum(latencies) / len(latencies), 1)),
            "min_e2e_latency_ms": min(latencies),
            "max_e2e_latency_ms": max(latencies),
            "p50_latency_ms": _percentile(latencies, 0.5),
            "p90_latency_ms": _percentile(latencies, 0.9),
            "p95_latency_ms": _percentile(latencies, 0.95),
        },
        "token_usage": {
            "total_candidate_input_tokens": str(candidate_in),
            "total_candidate_output_tokens": str(candidate_out),
            "total_candidate_tokens": str(candidate_in + candidate_out),
            "total_judge_input_tokens": str(judge_in),
            "total_judge_output_tokens": str(judge_out),
            "total_judge_tokens": str(judge_in + judge_out),
        },
    }
    overall = sum(s["pass_percent"] for s in summaries) / max(len(summaries), 1)
    return {
        "overall_score_percent": json_number(round(overall, 2)),
        "metric_summaries": summaries,
        "performance_metrics": performance,
        "per_model_summaries": {
            "summaries": [
                {
                    "model_name": model.slug,
                    "prompt_count": len(results),
                    "metric_summaries": summaries,
                    "performance_metrics": performance,
                }
            ]
        },
        "pricing": {
            "currency": "USD",
            "total_cost": json_number(round(candidate_cost + judge_cost, 6)),
            "judge_model_pricing": {"total_cost": json_number(round(judge_cost, 6))},
            "per_candidate_model_pricing": [
                {
                    "model_uuid": model.uuid,
                    "model_name": model.slug,
                    "prompt_count": len(results),
                    "pricing": {"total_cost": json_number(round(candidate_cost, 6))},
                }
            ],
        },
    }
