"""With msgspec, a results page is skimmed: its prompts' chunks, metric results and trace spans stay JSON text
until first read. Nothing else may change: a page means the same, and fails the same way at the same moment, as
when its body is decoded whole (which these tests compare with, under either decoder)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from _json_values import json_values
from hypothesis import given, settings
from hypothesis import strategies as st

from gradient_evals import APIResponseValidationError, AsyncGradientEvals, RetryPolicy
from gradient_evals._body_shapes import body_decoder
from gradient_evals._convert import ConversionError, structure
from gradient_evals._deferred import DEFERRED as DEFERRED_FIELD
from gradient_evals._deferred import Pending
from gradient_evals._json import DECODER, _is_utf8, loads
from gradient_evals.types import EvaluationPrompt, ResultsPage

pytestmark = pytest.mark.anyio

RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
DEFERRED = ("prompt_chunks", "prompt_level_metric_results", "evaluation_trace_spans")
SPAN = '{"type": "TRACE_SPAN_TYPE_LLM", "name": %s, "input": {"score": %s}}'


def _page(**prompt_changes: Any) -> dict[str, Any]:
    page = json.loads((Path(__file__).parent / "fixtures" / "seed_run_results.json").read_text(encoding="utf-8"))
    page["meta"] = {"page": 1, "pages": 1, "total": len(page["prompts"])}
    page["links"] = {}
    page["prompts"][0].update(prompt_changes)
    return page


def _with_span(name: str, score: str) -> bytes:
    """A page whose first prompt's one span is written as given (JSON that ``json.dumps`` would not write)."""
    page = _page(evaluation_trace_spans=["SPAN"])
    return json.dumps(page).replace('"SPAN"', SPAN % (name, score)).encode()


async def _read(body: bytes, *, retries: int = 0, prompt: bool = False) -> tuple[Any, int]:
    """What the client makes of ``body`` (the page, or one prompt's envelope), and how many requests it sent."""
    sent: list[httpx.Request] = []

    def serve(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    async with AsyncGradientEvals(
        access_token="tok",
        base_url="https://api.digitalocean.com",
        http_client=http,
        retry=RetryPolicy(max_retries=retries, initial_backoff=0.0, max_backoff=0.0),
        rate_limit=None,
    ) as client:
        try:
            if prompt:
                result: Any = await client.evaluation_runs.retrieve_results(RUN, 1)
            else:
                result = await client.evaluation_runs.list_results(RUN, page=1)
        except APIResponseValidationError as exc:
            result = exc
    await http.aclose()
    return result, len(sent)


def _whole(body: bytes, cls: type[Any] = ResultsPage) -> Any:
    """The page as decoding the body whole gives it (the standard library decides, as the SDK's decoder does)."""
    return structure(json.loads(body), cls)


def _slot(prompt: EvaluationPrompt, name: str) -> Any:
    attribute = type(prompt).__dict__[name]
    return getattr(attribute, "slot", attribute).__get__(prompt, type(prompt))


async def test_a_page_reads_the_same_as_decoded_whole() -> None:
    body = json.dumps(_page(extra_field={"ignored": ["as", "always"]})).encode()
    page, _ = await _read(body)
    whole = _whole(body)
    assert page == whole
    for mine, theirs in zip(page.prompts, whole.prompts, strict=True):
        for name in DEFERRED:
            assert getattr(mine, name) == getattr(theirs, name)


async def test_one_prompt_in_its_envelope_reads_the_same_as_decoded_whole() -> None:
    body = json.dumps({"prompt": _page()["prompts"][0], "other": 1}).encode()
    prompt, _ = await _read(body, prompt=True)
    assert prompt == _whole(json.dumps(_page()["prompts"][0]).encode(), EvaluationPrompt)


@pytest.mark.skipif(
    DECODER != "msgspec", reason="skimming is the msgspec decoder's; the standard library decodes whole"
)
async def test_the_heavy_parts_stay_json_text_until_read() -> None:
    body = json.dumps(_page()).encode()
    page, _ = await _read(body)
    first = page.prompts[0]
    kept = _slot(first, "evaluation_trace_spans")
    assert type(kept) is Pending
    assert "not decoded yet" in repr(kept)
    # Each part keeps its own text, not the whole body.
    assert f"{len(json.dumps(_page()['prompts'][0]['evaluation_trace_spans']))} bytes" in repr(kept)
    assert first.evaluation_trace_spans == _whole(body).prompts[0].evaluation_trace_spans
    assert type(_slot(first, "evaluation_trace_spans")) is tuple


@pytest.mark.parametrize(
    ("name", "score"),
    [
        ('"\\ud800 a lone surrogate"', "1"),  # msgspec refuses the escape: the standard library decides
        ('"big"', "1e999"),  # beyond a float: infinity, as json.loads reads it
        ('"nan"', "NaN"),  # not JSON, but json.loads reads it
        ('"caf\u00e9 \u2603"', "-0.0"),  # UTF-8 text
    ],
)
async def test_json_that_msgspec_reads_differently_means_what_the_standard_library_says(name: str, score: str) -> None:
    body = _with_span(name, score)
    page, _ = await _read(body)
    span = page.prompts[0].evaluation_trace_spans[0]
    expected = _whole(body).prompts[0].evaluation_trace_spans[0]
    assert span.name == expected.name
    mine, theirs = span.input["score"], expected.input["score"]
    assert (math.isnan(mine) and math.isnan(theirs)) or (mine == theirs and type(mine) is type(theirs))


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(_page()).encode().replace(b'"TRACE_SPAN_TYPE', b'"\xff\xfeTRACE_SPAN_TYPE', 1),  # bad UTF-8
        json.dumps(_page()).encode().replace(b"]", b",]", 1),  # a trailing comma inside a deferred part
        json.dumps(_page()).encode() + b" {}",  # more than one document
        _with_span('"deep"', "[" * 50_000 + "]" * 50_000),  # nested deeper than either decoder goes
    ],
    ids=["invalid-utf8-in-a-span", "trailing-comma", "extra-data", "too-deep"],
)
async def test_a_body_that_is_not_json_is_refused_when_it_arrives_and_retried(body: bytes) -> None:
    with pytest.raises((ValueError, RecursionError)):
        json.loads(body)
    result, sent = await _read(body, retries=1)
    assert isinstance(result, APIResponseValidationError)
    assert "not valid JSON" in str(result)
    assert sent == 2  # a GET whose body is not JSON is asked for again, as before


@pytest.mark.parametrize("value", ["5", '"spans"', '{"a": 1}', "true"])
@pytest.mark.parametrize("name", DEFERRED)
async def test_a_part_that_is_not_a_list_is_refused_as_before(name: str, value: str) -> None:
    body = json.dumps(_page(**{name: "PART"})).replace('"PART"', value).encode()
    with pytest.raises(ConversionError) as whole:
        _whole(body)
    result, _ = await _read(body)
    assert isinstance(result, APIResponseValidationError)
    assert str(whole.value) in str(result)


@pytest.mark.parametrize("value", ["null", "[]", "[ \n ]"])
async def test_an_empty_or_null_part_is_empty(value: str) -> None:
    body = json.dumps(_page(prompt_chunks="PART")).replace('"PART"', value).encode()
    page, _ = await _read(body)
    assert page.prompts[0].prompt_chunks == ()
    assert type(_slot(page.prompts[0], "prompt_chunks")) is tuple


@pytest.mark.parametrize(
    "body",
    [b'{"prompts": 5}', b'{"prompts": [5]}', b'{"prompts": [{"input": 7}]}', b"[]", b'{"prompts": null, "meta": 3}'],
)
async def test_a_page_of_another_shape_fails_as_before(body: bytes) -> None:
    try:
        expected: Any = _whole(body)
    except ConversionError as exc:
        expected = exc
    result, _ = await _read(body)
    if isinstance(expected, ConversionError):
        assert isinstance(result, APIResponseValidationError)
        assert str(expected) in str(result)
    else:
        assert result == expected


@settings(max_examples=60, deadline=None)
@given(json_values, st.booleans())
def test_any_json_in_a_part_reads_as_decoded_whole(value: Any, ascii_only: bool) -> None:
    page = _page(evaluation_trace_spans=[{"type": "TRACE_SPAN_TYPE_TOOL", "input": value}], unknown=value)
    page["prompts"][0]["prompt_level_metric_results"][0]["reasoning"] = value if isinstance(value, str) else "x"
    body = json.dumps(page, ensure_ascii=ascii_only).encode()
    skimmed = structure(body_decoder(ResultsPage)(body), ResultsPage)
    whole = _whole(body)
    assert skimmed == whole
    assert skimmed.prompts[0].evaluation_trace_spans == whole.prompts[0].evaluation_trace_spans
    assert skimmed.prompts[0].prompt_level_metric_results == whole.prompts[0].prompt_level_metric_results


_UTF8_PIECES = [b"a", b" ", b"\n", b"\xc3", b"\xa9", b"\xe2", b"\x98", b"\x83", b"\xf0", b"\x9f", b"\xed", b"\xa0"]
_UTF8_PIECES += [b"\x80", b"\xbf", b"\xff", b"\xc0", b"\xc1", b"\xf4", b"\x90", b"\xf5", b"\x8f"]


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=24) | st.lists(st.sampled_from(_UTF8_PIECES), max_size=12).map(b"".join))
def test_the_utf8_check_says_what_decoding_says(data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        valid = False
    else:
        valid = True
    assert _is_utf8(data) is valid


@attrs.frozen
class _Unwritable:
    later: NamedNowhere | None = None  # type: ignore[name-defined]  # noqa: F821
    parts: tuple[Any, ...] = attrs.field(default=(), metadata={DEFERRED_FIELD: True})


def test_a_model_whose_shape_cannot_be_written_is_decoded_whole() -> None:
    assert body_decoder(_Unwritable) is loads
