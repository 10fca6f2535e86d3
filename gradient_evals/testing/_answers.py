"""What the emulated agents answer, so that checks on answers mean something offline.

The shape of an answer is a function of the question (so a run, its baseline and a rerun of the prompt answer it
the same way, and pair), and of the agent's answer style (``FakeGradientServer.set_agent_answers``):

- 1 prompt in 5 is answered in JSON, ``{"answer": ..., "order_id": "ORD-12345", "status": ...}``, and 1 in 20
  with JSON cut short (not valid JSON); 3 in 10 quote an order number in text (``Order ORD-12345: ...``); the rest
  are plain text.
- a prompt about an order calls the tool ``lookup_order`` and then ``search_docs``; the others ``search_docs``
  only. A style's ``drop_tools`` leaves those tool calls out of the trace.
- token counts follow the text: about 4 characters a token out, and the system prompt, the question and the
  retrieved chunks in. A style's ``verbosity`` (2.0: twice as long) lengthens every answer, JSON ones inside their
  ``answer`` field, so they stay valid.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field

__all__ = [
    "LOOKUP_ORDER",
    "SEARCH_DOCS",
    "SYSTEM_PROMPT",
    "AnswerStyle",
    "Answer",
    "shape_answer",
    "input_tokens",
    "tool_span",
]

LOOKUP_ORDER = "lookup_order"
SEARCH_DOCS = "search_docs"
SYSTEM_PROMPT = "You are a helpful cloud support assistant."
_STATUSES = ("shipped", "processing", "refunded", "on hold")
_FILLER = (
    " To add some context, this applies to every region and plan.",
    " The change takes effect within a few minutes.",
    " Your existing configuration is kept as it is.",
    " Billing is prorated to the hour for the new setting.",
)


@dataclass(frozen=True)
class AnswerStyle:
    """How an agent answers: ``verbosity`` times as long, without the tool calls named in ``drop_tools``."""

    verbosity: float = 1.0
    drop_tools: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Answer:
    """One answer: its text, the tools its trace calls (in order) and its output token count."""

    text: str
    tools: tuple[str, ...]
    output_tokens: int


def _question_digest(question: str) -> bytes:
    return hashlib.blake2b(question.encode("utf-8", "surrogatepass"), digest_size=8, person=b"answer").digest()


def _longer(text: str, verbosity: float, rng: random.Random) -> str:
    target = int(len(text) * verbosity)
    while len(text) < target:
        text += rng.choice(_FILLER)
    return text


def tokens_of(text: str) -> int:
    """About 4 characters a token, at least 1."""
    return max(1, round(len(text) / 4))


def shape_answer(question: str, answer: str, style: AnswerStyle, rng: random.Random) -> Answer:
    """The answer to ``question`` as the agent gives it (see the module documentation)."""
    d = _question_digest(question)
    shape = d[0] % 20
    order = f"ORD-{int.from_bytes(d[1:4], 'little') % 100_000:05d}"
    answer = _longer(answer, style.verbosity, rng)
    if shape < 4:
        text = json.dumps({"answer": answer, "order_id": order, "status": _STATUSES[d[4] % len(_STATUSES)]})
    elif shape == 4:
        text = json.dumps({"answer": answer, "order_id": order})[:-2]  # cut short: not valid JSON
    elif shape < 11:
        text = f"Order {order}: {answer}"
    else:
        text = answer
    called = (LOOKUP_ORDER, SEARCH_DOCS) if shape < 11 else (SEARCH_DOCS,)
    tools = tuple(t for t in called if t not in style.drop_tools)
    return Answer(text=text, tools=tools, output_tokens=tokens_of(text) + rng.randrange(0, 3))


def input_tokens(question: str, chunks: list[str]) -> int:
    """The input tokens of a prompt: the system prompt, the question and the retrieved chunks."""
    return tokens_of(SYSTEM_PROMPT) + tokens_of(question) + sum(tokens_of(c) for c in chunks)


def tool_span(name: str, slug: str, created_at: str) -> dict[str, object]:
    """The trace span of one tool call."""
    if name == LOOKUP_ORDER:
        arguments: dict[str, object] = {"resource": slug}
        output: object = {"found": True}
    else:
        arguments, output = {"query": slug, "top_k": 3}, {"hits": 3}
    return {
        "name": name,
        "type": "TRACE_SPAN_TYPE_TOOL",
        "created_at": created_at,
        "input": {"name": name, "arguments": arguments},
        "output": output,
    }
