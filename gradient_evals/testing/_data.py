"""Deterministic, lazily generated data for the emulator.

Nothing here is held per prompt: a prompt is a pure function of ``(run key, index)`` (its agent output,
metrics and trace) and ``(test case key, index)`` (its dataset row: input, ground truth, prompt id).  The
functions return plain JSON-ready ``dict`` objects built by hand; the SDK's own models are deliberately not
used, so the emulator stays an independent oracle.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NON_TERMINAL_STATUSES",
    "RUN_STATUSES",
    "TERMINAL_STATUSES",
    "RunRecord",
    "TestCaseRecord",
    "aggregate_run_metrics",
    "format_timestamp",
    "make_prompt",
    "prompt_scores",
]

RUN_STATUSES = (
    "EVALUATION_RUN_STATUS_UNSPECIFIED",
    "EVALUATION_RUN_QUEUED",
    "EVALUATION_RUN_RUNNING_DATASET",
    "EVALUATION_RUN_EVALUATING_RESULTS",
    "EVALUATION_RUN_CANCELLING",
    "EVALUATION_RUN_CANCELLED",
    "EVALUATION_RUN_SUCCESSFUL",
    "EVALUATION_RUN_PARTIALLY_SUCCESSFUL",
    "EVALUATION_RUN_FAILED",
)
TERMINAL_STATUSES = frozenset(
    {
        "EVALUATION_RUN_CANCELLED",
        "EVALUATION_RUN_SUCCESSFUL",
        "EVALUATION_RUN_PARTIALLY_SUCCESSFUL",
        "EVALUATION_RUN_FAILED",
    }
)
NON_TERMINAL_STATUSES = frozenset(RUN_STATUSES) - TERMINAL_STATUSES

# Fraction of a run's prompts that are visible while a run is frozen in a non-terminal status.
FROZEN_VISIBLE_FRACTION = {
    "EVALUATION_RUN_STATUS_UNSPECIFIED": 0.0,
    "EVALUATION_RUN_QUEUED": 0.0,
    "EVALUATION_RUN_RUNNING_DATASET": 1 / 3,
    "EVALUATION_RUN_EVALUATING_RESULTS": 2 / 3,
    "EVALUATION_RUN_CANCELLING": 1 / 2,
}

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


def rng_uuid(rng: random.Random) -> str:
    """A random-looking (version 4) UUID drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def format_timestamp(ns: int) -> str:
    """RFC 3339 in UTC with ``Z``, like Go's ``time.RFC3339Nano``: trailing zeros of the fraction trimmed."""
    secs, frac = divmod(ns, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def synthetic_ns(rng: random.Random, seconds: float) -> int:
    """``seconds`` since the epoch as nanoseconds with a fraction of mixed precision (or none)."""
    whole = int(seconds)
    kind = rng.random()
    if kind < 0.3:
        frac = 0
    elif kind < 0.55:
        frac = rng.randrange(1000) * 1_000_000
    elif kind < 0.8:
        frac = rng.randrange(1_000_000) * 1_000
    else:
        frac = rng.randrange(1_000_000_000)
    return whole * 1_000_000_000 + frac


def _num(value: float) -> float | int:
    """Whole numbers are written without a fraction, as a Go server would (``100`` rather than ``100.0``)."""
    return int(value) if float(value).is_integer() else value


@dataclass
class TestCaseRecord:
    """A test case: its identity, its versions (version -> dataset size) and its prompt id range."""

    uuid: str
    name: str
    description: str
    version: int
    sizes: dict[int, int]
    prompt_id_base: int
    key: bytes
    workspace_uuid: str

    __test__ = False  # not a pytest test class

    def size(self, version: int | None = None) -> int:
        """Number of dataset rows of ``version`` (the latest by default)."""
        return self.sizes.get(self.version if version is None else version, self.sizes[self.version])


@dataclass
class RunRecord:
    """An evaluation run.  Either frozen in ``fixed_status`` or driven by wall-clock time since creation."""

    uuid: str
    test_case: TestCaseRecord
    test_case_version: int
    n_prompts: int
    run_name: str
    agent_uuid: str | None
    agent_deployment_name: str | None
    agent_name: str
    agent_workspace_uuid: str
    agent_version_hash: str
    created_by_user_id: str
    created_by_user_email: str
    key: bytes
    quality: float
    fixed_status: str | None
    final_status: str
    duration: float
    created_monotonic: float
    queued_ns: int
    started_ns: int
    finished_ns: int
    error_description: str | None = None
    aggregate: dict[str, Any] | None = field(default=None, repr=False)

    def state(self, now_monotonic: float) -> tuple[str, int]:
        """Current ``(status, number of visible prompts)``."""
        if self.fixed_status is not None:
            if self.fixed_status in TERMINAL_STATUSES:
                return self.fixed_status, self.n_prompts
            return self.fixed_status, int(self.n_prompts * FROZEN_VISIBLE_FRACTION[self.fixed_status])
        elapsed = now_monotonic - self.created_monotonic
        d = self.duration
        if elapsed >= d:
            return self.final_status, self.n_prompts
        if elapsed < 0.15 * d:
            return "EVALUATION_RUN_QUEUED", 0
        visible = int(self.n_prompts * (elapsed - 0.15 * d) / (0.85 * d))
        visible = min(max(visible, 0), self.n_prompts)
        if elapsed < 0.6 * d:
            return "EVALUATION_RUN_RUNNING_DATASET", visible
        return "EVALUATION_RUN_EVALUATING_RESULTS", visible

    def to_json(self, status: str, aggregate: dict[str, Any] | None) -> dict[str, Any]:
        """The ``apiEvaluationRun`` object for the given current status."""
        tc = self.test_case
        out: dict[str, Any] = {
            "evaluation_run_uuid": self.uuid,
            "run_name": self.run_name,
            "status": status,
            "test_case_uuid": tc.uuid,
            "test_case_name": tc.name,
            "test_case_description": tc.description,
            "test_case_version": self.test_case_version,
            "evaluation_test_case_workspace_uuid": tc.workspace_uuid,
            "agent_name": self.agent_name,
            "agent_workspace_uuid": self.agent_workspace_uuid,
            "agent_version_hash": self.agent_version_hash,
            "agent_deleted": False,
            "created_by_user_id": self.created_by_user_id,
            "created_by_user_email": self.created_by_user_email,
            "queued_at": format_timestamp(self.queued_ns),
        }
        if self.agent_uuid is not None:
            out["agent_uuid"] = self.agent_uuid
        if self.agent_deployment_name is not None:
            out["agent_deployment_name"] = self.agent_deployment_name
        if status not in ("EVALUATION_RUN_QUEUED", "EVALUATION_RUN_STATUS_UNSPECIFIED"):
            out["started_at"] = format_timestamp(self.started_ns)
        if status in TERMINAL_STATUSES:
            out["finished_at"] = format_timestamp(self.finished_ns)
        if status in ("EVALUATION_RUN_FAILED", "EVALUATION_RUN_CANCELLED"):
            out["error_description"] = self.error_description or (
                "evaluation cancelled by user"
                if status == "EVALUATION_RUN_CANCELLED"
                else "agent endpoint returned HTTP 502 for 37% of prompts; evaluation aborted"
            )
            out["pass_status"] = False
        elif aggregate is not None and status in TERMINAL_STATUSES:
            out["run_level_metric_results"] = aggregate["run_level_metric_results"]
            out["star_metric_result"] = aggregate["star_metric_result"]
            out["pass_status"] = aggregate["pass_status"]
        return out


# ----------------------------------------------------------------------------------------------- scores


def _digest(key: bytes, index: int) -> bytes:
    return hashlib.blake2b(key + index.to_bytes(8, "little"), digest_size=16).digest()


def prompt_scores(run_key: bytes, quality: float, index: int) -> tuple[float | int | None, float | None, str | None]:
    """The three prompt-level metric values of prompt ``index`` (``None`` when that metric errored).

    Cheap on purpose (one hash), so that run-level aggregates over 50,000 prompts stay fast.
    """
    d = _digest(run_key, index)
    u = [int.from_bytes(d[i : i + 4], "little") / 4294967296.0 for i in range(0, 16, 4)]
    correctness: float | int = round(min(100.0, max(0.0, quality + (u[0] - 0.5) * 70.0)), 1)
    correctness = _num(correctness)
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
    results: list[dict[str, Any]] = []
    correctness: dict[str, Any] = {
        "metric_name": METRIC_CORRECTNESS,
        "metric_uuid": METRIC_UUIDS[METRIC_CORRECTNESS],
        "metric_value_type": "METRIC_VALUE_TYPE_PERCENTAGE",
        "status": COMPLETED if n else FAILED,
    }
    mean_c = round(total_c / n, 2) if n else 0.0
    if n:
        correctness["number_value"] = _num(mean_c)
        correctness["reasoning"] = f"Mean correctness over {n} prompts."
    else:
        correctness["error_description"] = "no prompts were evaluated"
    results.append(correctness)
    adherence: dict[str, Any] = {
        "metric_name": METRIC_ADHERENCE,
        "metric_uuid": METRIC_UUIDS[METRIC_ADHERENCE],
        "metric_value_type": "METRIC_VALUE_TYPE_NUMBER",
    }
    if n_a:
        adherence["status"] = COMPLETED
        adherence["number_value"] = _num(round(total_a / n_a, 4))
        adherence["reasoning"] = f"Mean over {n_a} prompts; {failed_a} could not be scored."
    else:
        adherence["status"] = FAILED
        adherence["error_description"] = "no prompt could be scored for context adherence"
    results.append(adherence)
    tone: dict[str, Any] = {
        "metric_name": METRIC_TONE,
        "metric_uuid": METRIC_UUIDS[METRIC_TONE],
        "metric_value_type": "METRIC_VALUE_TYPE_STRING",
    }
    if tones:
        top, count = sorted(tones.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        tone["status"] = COMPLETED
        tone["string_value"] = top
        tone["reasoning"] = f"Most frequent tone ({count} of {n - failed_t} scored prompts)."
    else:
        tone["status"] = FAILED
        tone["error_description"] = "no prompt could be scored for tone"
    results.append(tone)
    star = dict(correctness)
    star["reasoning"] = f"Star metric correctness; success threshold {STAR_THRESHOLD_PCT}%."
    return {
        "run_level_metric_results": results,
        "star_metric_result": star,
        "pass_status": bool(n) and mean_c >= STAR_THRESHOLD_PCT,
    }


# ----------------------------------------------------------------------------------------------- text

_PRODUCTS = (
    ("Droplet", "droplet"),
    ("Managed PostgreSQL cluster", "database"),
    ("Kubernetes node pool", "kubernetes"),
    ("Spaces bucket", "spaces"),
    ("App Platform app", "apps"),
    ("load balancer", "networking"),
    ("Volume", "volumes"),
    ("GPU Droplet", "gpu"),
)
_QUESTIONS = (
    (
        "How do I resize my {p} without losing data?",
        "Power off the {p}, choose a larger plan under Resize, and keep the disk size unchanged to stay"
        " reversible; data is preserved.",
    ),
    (
        "Why is my {p} returning 502 errors after the last deploy?",
        "A 502 usually means the upstream health check fails; check the service port and the health check"
        " path configured for the {p}.",
    ),
    (
        "Can I move a {p} to another region?",
        "Take a snapshot of the {p}, transfer the snapshot to the target region, then create a new one from it.",
    ),
    (
        "What does it cost to keep a stopped {p}?",
        "A powered-off {p} is still billed because its resources stay reserved; destroy it to stop billing.",
    ),
    (
        "How can I enable automated backups for my {p}?",
        "Open the {p}'s Backups tab and enable weekly or daily backups; they are kept for four weeks.",
    ),
    (
        "Is there a limit on how many {p}s one team can create?",
        "Yes, each team has a default quota for {p}s; request an increase from the support page.",
    ),
    (
        "My {p} ran out of disk space. What should I do first?",
        "Free space by removing logs or old packages, then attach a Volume or resize the {p} for more storage.",
    ),
    (
        "How do I rotate the credentials of my {p}?",
        "Use the Settings page of the {p} to reset the credentials, then update every client that uses them.",
    ),
    (
        "¿Cómo configuro un firewall para mi {p}?",
        "Cree un Cloud Firewall, añada reglas de entrada y asígnelo al {p} mediante etiquetas.",
    ),
    (
        "Can I attach a reserved IP to a {p} in a VPC — and keep it after a rebuild?",
        "Yes. Reserved IPs survive rebuilds; reassign it to the {p} afterwards if the ID changes.",
    ),
    (
        "{p} のメトリクスはどこで確認できますか?",
        "コントロールパネルの {p} ページにある「Insights」タブでメトリクスを確認できます。",
    ),
    (
        'The API says "quota exceeded" when I create a {p} — what now? 🙂',
        "Delete unused {p}s or ask support for a higher limit; the error clears once you are under quota.",
    ),
)
_OUTPUT_PREFIXES = ("", "Sure! ", "Great question. ", "Here's what you can do: ", "In short: ")
_OUTPUT_SUFFIXES = (
    "",
    " Let me know if you need anything else.",
    " See the product documentation for details.",
    " (If the problem persists, open a support ticket.)",
)
_WRONG_ANSWERS = (
    "I'm not sure; you may need to contact support.",
    "You cannot do that on this plan.",
    "Restart the {p} and try again.",
)
_SOURCES = ("docs/{s}/how-to.md", "kb/{s}-faq.pdf", "https://docs.example.com/{s}/limits", "tickets/{s}.csv")
_MODELS = (
    "llama3.3-70b-instruct",
    "openai-gpt-4o-mini",
    "anthropic-claude-3.5-haiku",
    "mistral-nemo-instruct",
)
_TOOLS = ("lookup_account", "get_resource_status", "search_billing", "create_ticket")


def _row(tc: TestCaseRecord, index: int) -> tuple[str, str, str, str]:
    """(input, ground truth, product, slug) of dataset row ``index`` of a test case."""
    d = _digest(tc.key, index)
    q = _QUESTIONS[d[0] % len(_QUESTIONS)]
    product, slug = _PRODUCTS[d[1] % len(_PRODUCTS)]
    return q[0].format(p=product), q[1].format(p=product), product, slug


def _metric(
    name: str,
    value_type: str,
    *,
    number: float | int | None = None,
    string: str | None = None,
    reasoning: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
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


def _chunk(rng: random.Random, slug: str, text: str) -> dict[str, Any]:
    used = rng.random() < 0.7
    return {
        "index_uuid": rng_uuid(rng),
        "source_name": rng.choice(_SOURCES).format(s=slug),
        "text": text,
        "chunk_used": used,
        "chunk_usage_pct": _num(round(rng.uniform(5, 100), 2)) if used else 0,
    }


def make_prompt(run: RunRecord, index: int) -> dict[str, Any]:
    """The full ``apiPrompt`` object of prompt ``index`` (0-based) of ``run``."""
    tc = run.test_case
    question, truth, product, slug = _row(tc, index)
    correctness, adherence, tone = prompt_scores(run.key, run.quality, index)
    rng = random.Random(int.from_bytes(_digest(run.key + b"/p", index), "little"))
    if isinstance(correctness, int | float) and correctness < 40:
        answer = rng.choice(_WRONG_ANSWERS).format(p=product)
    else:
        answer = truth
    output = rng.choice(_OUTPUT_PREFIXES) + answer + rng.choice(_OUTPUT_SUFFIXES)
    in_tokens = rng.randrange(40, 2400)
    out_tokens = rng.randrange(15, 700)
    base_s = run.started_ns // 1_000_000_000 + index * 2

    metrics = [
        _metric(
            METRIC_CORRECTNESS,
            "METRIC_VALUE_TYPE_PERCENTAGE",
            number=correctness,
            reasoning=(
                "The answer matches the ground truth."
                if correctness is not None and correctness >= 70
                else "The answer omits or contradicts key facts from the ground truth."
            ),
        ),
        _metric(
            METRIC_ADHERENCE,
            "METRIC_VALUE_TYPE_NUMBER",
            number=_num(adherence) if adherence is not None else None,
            reasoning="Claims were checked against the retrieved context.",
            error=None if adherence is not None else "judge model timed out after 30s",
        ),
        _metric(
            METRIC_TONE,
            "METRIC_VALUE_TYPE_STRING",
            string=tone,
            reasoning=f"The reply reads as {tone}." if tone else None,
            error=None if tone is not None else "judge response could not be parsed",
        ),
    ]

    prompt: dict[str, Any] = {
        "prompt_id": tc.prompt_id_base + index,
        "trace_id": rng_uuid(rng),
        "input": question,
        "output": output,
        "ground_truth": truth,
        "input_tokens": str(in_tokens),
        "output_tokens": str(out_tokens),
    }
    chunks = [_chunk(rng, slug, truth if k == 0 else question) for k in range(rng.randrange(0, 4))]
    if chunks:
        prompt["prompt_chunks"] = chunks
    prompt["prompt_level_metric_results"] = metrics

    shape = rng.random()
    if shape >= 0.05:  # a few prompts carry no trace at all
        prompt["evaluation_trace_spans"] = _spans(rng, run, question, output, chunks, slug, base_s, shape)
    return prompt


def _spans(
    rng: random.Random,
    run: RunRecord,
    question: str,
    output: str,
    chunks: list[dict[str, Any]],
    slug: str,
    base_s: int,
    shape: float,
) -> list[dict[str, Any]]:
    model = _MODELS[run.key[0] % len(_MODELS)]
    t = base_s

    def ts() -> str:
        nonlocal t
        t += rng.randrange(0, 2)
        return format_timestamp(synthetic_ns(rng, t))

    spans: list[dict[str, Any]] = []
    agent: dict[str, Any] = {
        "name": run.agent_name,
        "type": "TRACE_SPAN_TYPE_AGENT",
        "created_at": ts(),
        "input": question,
        "output": output,
    }
    spans.append(agent)
    retrieved = chunks or [_chunk(rng, slug, question)]
    spans.append(
        {
            "name": "knowledge_base_search",
            "type": "TRACE_SPAN_TYPE_RETRIEVER",
            "created_at": ts(),
            "input": {"query": question, "top_k": len(retrieved)},
            "output": [{"source": c["source_name"], "score": round(rng.random(), 3)} for c in retrieved],
            "retriever_chunks": retrieved,
            "span_level_metric_results": [
                _metric(
                    "retrieval_relevance",
                    "METRIC_VALUE_TYPE_NUMBER",
                    number=round(rng.random(), 3),
                    reasoning="Share of retrieved chunks relevant to the question.",
                )
            ],
        }
    )
    if shape > 0.6:
        tool = rng.choice(_TOOLS)
        spans.append(
            {
                "name": tool,
                "type": "TRACE_SPAN_TYPE_TOOL",
                "created_at": ts(),
                "input": {"name": tool, "arguments": {"resource": slug, "limit": rng.randrange(1, 20)}},
                "output": ({"ok": True, "items": rng.randrange(0, 5)} if shape > 0.7 else "error: upstream timeout"),
                "span_level_metric_results": [
                    _metric(
                        "tool_call_correctness",
                        "METRIC_VALUE_TYPE_STRING",
                        string="correct" if shape > 0.7 else "incorrect",
                    )
                ],
            }
        )
    llm_in = rng.randrange(40, 2400)
    llm_out = rng.randrange(15, 700)
    spans.append(
        {
            "name": "chat_completion",
            "type": "TRACE_SPAN_TYPE_LLM",
            "created_at": ts(),
            "input": [
                {"role": "system", "content": "You are a helpful cloud support assistant."},
                {"role": "user", "content": question},
            ],
            "output": {"role": "assistant", "content": output},
            "span_level_metric_results": [
                _metric(
                    "toxicity",
                    "METRIC_VALUE_TYPE_PERCENTAGE",
                    number=_num(round(rng.random() * 3, 1)),
                    reasoning="No harmful content detected.",
                )
            ],
        }
    )
    if shape > 0.35:
        agent["spans"] = [
            {
                "name": "chat_completion",
                "type": "TRACE_SPAN_TYPE_LLM",
                "created_at": ts(),
                "input": {"messages": [{"role": "user", "content": question}]},
                "output": {"content": output},
                "llm": {
                    "model": model,
                    "num_input_tokens": llm_in,
                    "num_output_tokens": llm_out,
                    "total_tokens": llm_in + llm_out,
                    "temperature": 0.2,
                    "time_to_first_token_ns": str(rng.randrange(50_000_000, 2_000_000_000)),
                },
            }
        ]
    return spans
