"""Metric values of prompts and their run-level aggregates: cheap, deterministic functions of a run's key.

A prompt's score is noisy the way an LLM judge's is, the sum of three parts (on the 0-100 scale; a 0-1 metric
takes a hundredth of each, and the sum is clipped to the metric's range):

- the agent's **quality**: its profile's (``set_agent_profile``, ``--agent NAME=QUALITY``), else a fixed
  function of the agent (60-90), the same in every run;
- the prompt's **difficulty**, a function of its input text shared by every agent and run: normal, mean 0,
  standard deviation :data:`DIFFICULTY_SD` (12 points);
- the **judge's noise**, new for every (run, prompt, metric): normal, mean 0, standard deviation
  :data:`JUDGE_NOISE_SD` (10 points).

So two runs of one agent agree prompt by prompt with a correlation of about 12^2 / (12^2 + 10^2) = 0.59 (less
where the clipping bites), and their paired differences spread by about 14 points: an unchanged agent's reruns
differ by noise alone, and a paired test sees through it.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Final

from ._records import RunRecord, json_number

__all__ = [
    "METRIC_UUIDS",
    "MetricSpec",
    "Scoring",
    "DIFFICULTY_SD",
    "JUDGE_NOISE_SD",
    "aggregate_run_metrics",
    "agent_quality",
    "chosen_results",
    "digest",
    "metric_result",
    "prompt_difficulty",
    "prompt_scores",
    "run_scores",
    "standard_results",
]

DIFFICULTY_SD: Final = 12.0
"""Spread (standard deviation, points of 100) of a prompt's difficulty, shared by every agent and run."""
JUDGE_NOISE_SD: Final = 10.0
"""Spread (standard deviation, points of 100) of the judge's noise, new for every run, prompt and metric."""
_NORMAL: Final = NormalDist()

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
        "hallucination_rate",
        "instruction_following",
    )
}
TONES = ("professional", "friendly", "neutral", "empathetic", "curt")
COMPLETED = "EVALUATION_METRIC_RESULT_STATUS_COMPLETED"
FAILED = "EVALUATION_METRIC_RESULT_STATUS_FAILED"


def digest(key: bytes, index: int) -> bytes:
    """16 bytes that are a pure function of ``(key, index)``: the seed of everything about one prompt."""
    return hashlib.blake2b(key + index.to_bytes(8, "little"), digest_size=16).digest()


def _normal(u: float) -> float:
    """A standard normal value from a uniform one in [0, 1)."""
    return _NORMAL.inv_cdf(min(max(u, 1e-12), 1.0 - 1e-12))


def _uniform(data: bytes) -> float:
    return int.from_bytes(data[:4], "little") / 4294967296.0


@functools.lru_cache(maxsize=65_536)
def prompt_difficulty(text: str) -> float:
    """The difficulty of a prompt (points added to every agent's score on it), a function of its input text."""
    seed = hashlib.blake2b(b"difficulty:" + text.strip().encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return DIFFICULTY_SD * _normal(_uniform(seed))


def agent_quality(agent: str) -> float:
    """The quality (60-90) of an agent without a profile: a fixed function of its UUID or deployment name."""
    seed = hashlib.blake2b(b"quality:" + agent.lower().encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return 60.0 + 30.0 * _uniform(seed)


def _judged(quality: float, difficulty: float, u: float) -> float:
    """An agent's quality on one prompt as one judge call scores it, on 0-100 (not clipped)."""
    return quality + difficulty + JUDGE_NOISE_SD * _normal(u)


def prompt_scores(
    run_key: bytes, quality: float, index: int, difficulty: float = 0.0
) -> tuple[float | int | None, float | None, str | None]:
    """The three prompt-level metric values of prompt ``index`` (``None`` when that metric errored).

    Cheap on purpose (one hash), so that run-level aggregates over 50,000 prompts stay fast.
    """
    d = digest(run_key, index)
    u = [_uniform(d[i : i + 4]) for i in range(0, 16, 4)]
    correctness: float | int = round(min(100.0, max(0.0, _judged(quality, difficulty, u[0]))), 1)
    correctness = json_number(correctness)
    adherence: float | None = round(min(1.0, max(0.0, _judged(quality, difficulty, u[1]) / 100.0)), 3)
    tone: str | None = TONES[int(u[2] * len(TONES))]
    if u[3] < 0.04:
        adherence = None
    elif u[3] > 0.99:
        tone = None
    return correctness, adherence, tone


@dataclass(frozen=True)
class MetricSpec:
    """A metric a test case scores: as the catalog describes it."""

    uuid: str
    name: str
    value_type: str
    low: float
    high: float
    inverted: bool


@dataclass(frozen=True)
class Scoring:
    """The metrics of one version of a test case made through the API, and its star metric."""

    metrics: tuple[MetricSpec, ...]
    star_uuid: str | None
    threshold_pct: float | None
    threshold: float | None


def run_scores(run: RunRecord, index: int) -> tuple[float | int | None, float | None, str | None]:
    """:func:`prompt_scores` of a run, each metric following its own quality when the run has one for it."""
    difficulty = run.difficulty_of(index)
    if index in run.scripted:
        _, adherence, tone = prompt_scores(run.key, run.quality_of(METRIC_ADHERENCE, index), index, difficulty)
        return json_number(run.scripted[index]), adherence, tone
    if not run.metric_quality and not run.prompt_quality:
        return prompt_scores(run.key, run.quality, index, difficulty)
    return (
        prompt_scores(run.key, run.quality_of(METRIC_CORRECTNESS, index), index, difficulty)[0],
        prompt_scores(run.key, run.quality_of(METRIC_ADHERENCE, index), index, difficulty)[1],
        prompt_scores(run.key, run.quality_of(METRIC_TONE, index), index, difficulty)[2],
    )


def standard_results(run: RunRecord, index: int) -> dict[str, dict[str, Any]]:
    """The three standard metrics' results of prompt ``index`` of ``run``, each with the judge's reasoning."""
    correctness, adherence, tone = run_scores(run, index)
    good = correctness is not None and correctness >= 70
    return {
        METRIC_CORRECTNESS: metric_result(
            METRIC_CORRECTNESS,
            "METRIC_VALUE_TYPE_PERCENTAGE",
            number=correctness,
            reasoning="The answer matches the ground truth."
            if good
            else "The answer omits or contradicts key facts from the ground truth.",
        ),
        METRIC_ADHERENCE: metric_result(
            METRIC_ADHERENCE,
            "METRIC_VALUE_TYPE_NUMBER",
            number=json_number(adherence) if adherence is not None else None,
            reasoning="Claims were checked against the retrieved context.",
            error=None if adherence is not None else "judge model timed out after 30s",
        ),
        METRIC_TONE: metric_result(
            METRIC_TONE,
            "METRIC_VALUE_TYPE_STRING",
            string=tone,
            reasoning=f"The reply reads as {tone}." if tone else None,
            error=None if tone is not None else "judge response could not be parsed",
        ),
    }


def chosen_results(run: RunRecord, index: int, scoring: Scoring) -> list[dict[str, Any]]:
    """The prompt-level results of prompt ``index`` for the metrics ``scoring`` names, in its order.

    The three standard metrics keep their usual values; any other metric gets a value in its range that follows
    the run's quality (low for an inverted metric when the quality is high), a pure function of the run's key.
    """
    standard = standard_results(run, index)
    out: list[dict[str, Any]] = []
    for spec in scoring.metrics:
        if spec.name in standard and METRIC_UUIDS.get(spec.name) == spec.uuid:
            out.append(standard[spec.name])
            continue
        u = _uniform(digest(run.key + spec.uuid.encode(), index))
        judged = _judged(run.quality_of(spec.name, index), run.difficulty_of(index), u)
        goodness = min(1.0, max(0.0, judged / 100.0))
        result: dict[str, Any] = {
            "metric_name": spec.name,
            "metric_uuid": spec.uuid,
            "metric_value_type": spec.value_type,
            "status": COMPLETED,
            "reasoning": _reasoning(spec.name, goodness),
        }
        if spec.value_type == "METRIC_VALUE_TYPE_STRING":
            result["string_value"] = "pass" if goodness >= 0.5 else "fail"
        else:
            share = 1.0 - goodness if spec.inverted else goodness
            result["number_value"] = json_number(round(spec.low + (spec.high - spec.low) * share, 3))
        out.append(result)
    return out


_VERDICTS: Final = (
    (0.85, "fully meets"),
    (0.65, "mostly meets"),
    (0.45, "partly meets"),
    (0.0, "does not meet"),
)


def _reasoning(metric: str, goodness: float) -> str:
    """The judge's short explanation of a value: how well the answer met what the metric asks."""
    words = next(text for floor, text in _VERDICTS if goodness >= floor)
    return f"The answer {words} what {metric.replace('_', ' ')} asks for (judged {goodness:.0%} of the way)."


def _aggregate_chosen(run: RunRecord, scoring: Scoring) -> dict[str, Any]:
    totals = {spec.uuid: [0.0, 0] for spec in scoring.metrics}
    for i in range(run.n_prompts):
        for result in chosen_results(run, i, scoring):
            value = result.get("number_value")
            if value is None and "string_value" in result:
                value = 100.0 if result["string_value"] == "pass" else 0.0
            if value is not None:
                totals[result["metric_uuid"]][0] += value
                totals[result["metric_uuid"]][1] += 1
    results = []
    star: dict[str, Any] | None = None
    passed = False
    for spec in scoring.metrics:
        total, n = totals[spec.uuid]
        # A pass/fail metric's run-level value is its pass rate in percent.
        pass_fail = spec.value_type == "METRIC_VALUE_TYPE_STRING"
        value_type = "METRIC_VALUE_TYPE_PERCENTAGE" if pass_fail else spec.value_type
        result = {
            "metric_name": spec.name,
            "metric_uuid": spec.uuid,
            "metric_value_type": value_type,
            "status": COMPLETED if n else FAILED,
        }
        if n:
            mean = total / n
            result["number_value"] = json_number(round(mean, 4))
            result["reasoning"] = f"Mean over {n} prompts."
        else:
            result["error_description"] = "no prompt could be scored"
        results.append(result)
        if spec.uuid == scoring.star_uuid and n:
            star = result
            if scoring.threshold is not None:
                passed = mean <= scoring.threshold if spec.inverted else mean >= scoring.threshold
            else:
                low, high = (0.0, 100.0) if spec.value_type == "METRIC_VALUE_TYPE_STRING" else (spec.low, spec.high)
                share = (mean - low) / (high - low) if high > low else 0.0
                pct = 100.0 * (1.0 - share if spec.inverted else share)
                passed = pct >= (scoring.threshold_pct if scoring.threshold_pct is not None else STAR_THRESHOLD_PCT)
    out: dict[str, Any] = {"run_level_metric_results": results, "pass_status": bool(run.n_prompts) and passed}
    if star is not None:
        out["star_metric_result"] = star
    return out


def aggregate_run_metrics(run: RunRecord) -> dict[str, Any]:
    """Run-level metric results aggregated from all of the run's prompts, plus star metric and pass status."""
    scoring = run.test_case.scoring.get(run.test_case_version)
    if scoring is not None:
        return _aggregate_chosen(run, scoring)
    total_c = 0.0
    total_a = 0.0
    n_a = 0
    failed_a = 0
    tones: Counter[str] = Counter()
    failed_t = 0
    n = run.n_prompts
    for i in range(n):
        c, a, t = run_scores(run, i)
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
