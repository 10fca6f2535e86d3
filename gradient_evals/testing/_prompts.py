"""Prompt results: the full ``apiPrompt`` object of one prompt of a run, generated on demand.

A prompt is a pure function of the run (agent output, metrics, trace) and of its test case's dataset row
(input, ground truth, prompt id), so nothing is stored per prompt and huge runs cost nothing until paged.
"""

from __future__ import annotations

import random
from typing import Any

from ._answers import Answer, input_tokens, shape_answer, tool_span
from ._records import RunRecord, TestCaseRecord, format_timestamp, json_number, rng_uuid, synthetic_ns
from ._scores import chosen_results, digest, metric_result, run_scores, standard_results

__all__ = ["make_prompt", "row_input"]

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


def _row(tc: TestCaseRecord, version: int, index: int) -> tuple[str, str, str | None, str, str]:
    """(input, answer, ground truth, product, slug) of dataset row ``index`` of a version of a test case.

    A version made on an uploaded dataset takes its input and ground truth from the uploaded row (no ground
    truth when the file has no such column); the answer a good agent gives is then the ground truth, or a
    generated one.  Other versions generate the whole row.
    """
    d = digest(tc.key, index)
    q = _QUESTIONS[d[0] % len(_QUESTIONS)]
    product, slug = _PRODUCTS[d[1] % len(_PRODUCTS)]
    question, truth = q[0].format(p=product), q[1].format(p=product)
    uploaded = tc.rows.get(version)
    if uploaded is not None and index < len(uploaded):
        question, ground_truth = uploaded[index]
        return question, ground_truth or truth, ground_truth, product, slug
    return question, truth, truth, product, slug


def row_input(tc: TestCaseRecord, version: int, index: int) -> str:
    """The input text of dataset row ``index`` of a version of a test case."""
    return _row(tc, version, index)[0]


def _chunk(rng: random.Random, slug: str, text: str) -> dict[str, Any]:
    used = rng.random() < 0.7
    return {
        "index_uuid": rng_uuid(rng),
        "source_name": rng.choice(_SOURCES).format(s=slug),
        "text": text,
        "chunk_used": used,
        "chunk_usage_pct": json_number(round(rng.uniform(5, 100), 2)) if used else 0,
    }


def make_prompt(run: RunRecord, index: int) -> dict[str, Any]:
    """The full ``apiPrompt`` object of prompt ``index`` (0-based) of ``run``."""
    tc = run.test_case
    question, truth, ground_truth, product, slug = _row(tc, run.test_case_version, index)
    correctness = run_scores(run, index)[0]
    rng = random.Random(int.from_bytes(digest(run.key + b"/p", index), "little"))
    if isinstance(correctness, int | float) and correctness < 40:
        answer = rng.choice(_WRONG_ANSWERS).format(p=product)
    else:
        answer = truth
    said = rng.choice(_OUTPUT_PREFIXES) + answer + rng.choice(_OUTPUT_SUFFIXES)
    # Drawn and not used (token counts follow the text): the draws after them stay what they were.
    rng.randrange(40, 2400)
    rng.randrange(15, 700)
    shaped = shape_answer(question, said, run.answers, random.Random(digest(run.key + b"/a", index)))
    output = shaped.text
    base_s = run.started_ns // 1_000_000_000 + index * 2

    metrics = list(standard_results(run, index).values())

    prompt: dict[str, Any] = {
        "prompt_id": tc.prompt_id_base + index,
        "trace_id": rng_uuid(rng),
        "input": question,
        "output": output,
        "ground_truth": ground_truth,
        "output_tokens": str(shaped.output_tokens),
    }
    if ground_truth is None:  # a dataset without a ground-truth column
        del prompt["ground_truth"]
    chunks = [_chunk(rng, slug, truth if k == 0 else question) for k in range(rng.randrange(0, 4))]
    if chunks:
        prompt["prompt_chunks"] = chunks
    prompt["input_tokens"] = str(input_tokens(question, [c["text"] for c in chunks]))
    scoring = tc.scoring.get(run.test_case_version)
    prompt["prompt_level_metric_results"] = metrics if scoring is None else chosen_results(run, index, scoring)

    shape = rng.random()
    if shape >= 0.05:  # a few prompts carry no trace at all
        prompt["evaluation_trace_spans"] = _spans(rng, run, question, shaped, chunks, slug, base_s, shape)
    return prompt


def _spans(
    rng: random.Random,
    run: RunRecord,
    question: str,
    answer: Answer,
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

    output = answer.text
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
                metric_result(
                    "retrieval_relevance",
                    "METRIC_VALUE_TYPE_NUMBER",
                    number=round(rng.random(), 3),
                    reasoning="Share of retrieved chunks relevant to the question.",
                )
            ],
        }
    )
    spans += [tool_span(name, slug, agent["created_at"]) for name in answer.tools]
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
                    metric_result(
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
                metric_result(
                    "toxicity",
                    "METRIC_VALUE_TYPE_PERCENTAGE",
                    number=json_number(round(rng.random() * 3, 1)),
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
