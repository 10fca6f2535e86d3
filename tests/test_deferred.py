"""A prompt's chunks, metric results and trace spans are converted on first read, and read as if eager.

(Prompts with trace spans are not hashable either way: a span's ``input`` may be a JSON object.)
"""

from __future__ import annotations

import copy
import json
import pickle
import threading
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from gradient_evals import APIResponseValidationError, AsyncGradientEvals, RetryPolicy
from gradient_evals._convert import ConversionError, structure
from gradient_evals._deferred import Pending, replaced
from gradient_evals.types import EvaluationPrompt, MetricResult, PromptChunk, ResultsPage, TraceSpan

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent / "fixtures"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
DEFERRED = ("prompt_chunks", "prompt_level_metric_results", "evaluation_trace_spans")


def _page() -> Any:
    return json.loads((FIXTURES / "seed_run_results.json").read_text(encoding="utf-8"))


def _raw_slot(prompt: EvaluationPrompt, name: str) -> Any:
    # The deferred descriptor wraps the slot once the converter has built the model's hook; before, it is the slot.
    attribute = type(prompt).__dict__[name]
    return getattr(attribute, "slot", attribute).__get__(prompt, type(prompt))


def test_the_heavy_parts_stay_unconverted_until_read() -> None:
    page = structure(_page(), ResultsPage)
    index = next(i for i, p in enumerate(page.prompts) if p.evaluation_trace_spans)
    fresh = structure(_page(), ResultsPage).prompts[index]
    assert all(type(_raw_slot(fresh, name)) in (Pending, tuple) for name in DEFERRED)
    assert type(_raw_slot(fresh, "evaluation_trace_spans")) is Pending
    spans = fresh.evaluation_trace_spans
    assert type(spans) is tuple
    assert spans
    assert all(isinstance(s, TraceSpan) for s in spans)
    assert _raw_slot(fresh, "evaluation_trace_spans") is spans  # converted once, then kept
    assert fresh.evaluation_trace_spans is spans


def test_a_replaced_copy_keeps_the_unread_parts_unconverted() -> None:
    page = structure(_page(), ResultsPage)
    index = next(i for i, p in enumerate(page.prompts) if p.evaluation_trace_spans)
    prompt = structure(_page(), ResultsPage).prompts[index]
    extra = MetricResult(metric_name="check:x", string_value="pass")
    copy = replaced(prompt, prompt_level_metric_results=(extra,), output="changed")
    assert type(_raw_slot(copy, "evaluation_trace_spans")) is Pending
    assert type(_raw_slot(prompt, "evaluation_trace_spans")) is Pending  # the original was not read either
    assert copy.prompt_level_metric_results == (extra,)
    assert copy.output == "changed"
    assert copy.evaluation_trace_spans == page.prompts[index].evaluation_trace_spans
    assert attrs.evolve(copy, output=prompt.output, prompt_level_metric_results=()) == attrs.evolve(
        prompt, prompt_level_metric_results=()
    )


def test_a_deferred_prompt_equals_and_reprs_as_an_eager_one() -> None:
    data = _page()["prompts"]
    for raw in data:
        lazy = structure(copy.deepcopy(raw), EvaluationPrompt)
        probe = structure(copy.deepcopy(raw), EvaluationPrompt)
        built = EvaluationPrompt(**{f.name: getattr(probe, f.name) for f in attrs.fields(EvaluationPrompt)})
        assert all(type(_raw_slot(built, name)) is tuple for name in DEFERRED)
        assert lazy == built
        assert repr(structure(copy.deepcopy(raw), EvaluationPrompt)) == repr(built)
        assert attrs.evolve(structure(copy.deepcopy(raw), EvaluationPrompt)) == built
        assert pickle.loads(pickle.dumps(structure(copy.deepcopy(raw), EvaluationPrompt))) == built  # noqa: S301


def test_the_items_are_checked_as_strictly_as_eager_ones_when_read() -> None:
    prompt = structure({"prompt_id": 1, "evaluation_trace_spans": [{"name": 5}]}, EvaluationPrompt)
    assert prompt.prompt_id == 1
    with pytest.raises(ConversionError, match="a string"):
        _ = prompt.evaluation_trace_spans
    with pytest.raises(ConversionError, match="an object for MetricResult"):
        _ = structure({"prompt_level_metric_results": ["x"]}, EvaluationPrompt).prompt_level_metric_results


def test_the_list_itself_is_checked_at_once() -> None:
    for name in DEFERRED:
        with pytest.raises(ConversionError, match="a list"):
            structure({name: {"not": "a list"}}, EvaluationPrompt)
        assert getattr(structure({name: None}, EvaluationPrompt), name) == ()
        assert getattr(structure({name: []}, EvaluationPrompt), name) == ()


def test_readers_racing_on_one_prompt_all_see_equal_tuples() -> None:
    raw = _page()["prompts"][0]
    prompt = structure(raw, EvaluationPrompt)
    seen: list[tuple[MetricResult, ...]] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        seen.append(prompt.prompt_level_metric_results)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4
    assert all(s == seen[0] for s in seen)


def test_constructed_prompts_are_plain() -> None:
    structure(_page(), ResultsPage)  # the converter has installed the deferred fields, whatever ran before
    chunk = PromptChunk(text="t")
    prompt = EvaluationPrompt(prompt_chunks=(chunk,))
    assert prompt.prompt_chunks == (chunk,)
    assert type(_raw_slot(prompt, "prompt_chunks")) is tuple
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        prompt.prompt_chunks = ()  # type: ignore[misc]


async def test_a_bad_item_read_later_is_a_validation_error_of_that_response() -> None:
    page = _page()
    page["meta"] = {"page": 1, "pages": 1, "total": len(page["prompts"])}
    page["links"] = {}
    page["prompts"][0]["evaluation_trace_spans"] = [{"type": "TRACE_SPAN_TYPE_LLM", "created_at": 17}]

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page, headers={"x-request-id": "req-7"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    async with AsyncGradientEvals(
        access_token="tok",
        base_url="https://api.digitalocean.com",
        http_client=http,
        retry=RetryPolicy(max_retries=0),
        rate_limit=None,
    ) as client:
        result = await client.evaluation_runs.list_results(RUN, page=1, per_page=100)
    await http.aclose()
    first = result.prompts[0]
    assert first.prompt_id == page["prompts"][0]["prompt_id"]
    assert first.metrics.keys() == {r["metric_name"] for r in page["prompts"][0]["prompt_level_metric_results"]}
    with pytest.raises(APIResponseValidationError) as info:
        _ = first.evaluation_trace_spans
    error = info.value
    assert error.status_code == 200
    assert error.request_id == "req-7"
    assert "an RFC 3339 timestamp" in str(error)
    assert "EvaluationPrompt.evaluation_trace_spans" in str(error)
    assert "tok" not in str(error)
    assert error.__cause__ is not None
    assert error.__cause__.__traceback__ is None
    # Reading it again fails the same way; the other prompts and fields are unaffected.
    with pytest.raises(APIResponseValidationError):
        _ = first.evaluation_trace_spans
    assert all(isinstance(s, TraceSpan) for p in result.prompts[1:] for s in p.evaluation_trace_spans)
