"""Response bodies decode to the same values with or without the ``speed`` extra (msgspec)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _json_values import json_values
from hypothesis import given

from gradient_evals import _json

pytest.importorskip("msgspec", reason="the speed extra is installed by nox -s tests; without it there is one decoder")


def test_the_fast_decoder_is_in_use() -> None:
    assert _json.DECODER == "msgspec"


@given(json_values)
def test_same_values_as_the_standard_library(value: Any) -> None:
    body = json.dumps(value).encode()
    assert _json.loads(body) == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'"\\ud800 lone surrogate"',  # valid JSON the fast decoder refuses
        b"123456789012345678901234567890",  # beyond 64 bits: an int, not a float
        b"[NaN, Infinity]",
        b'{"a": 1, "a": 2}',
        b"1e400",
        b"-0.0",
    ],
)
def test_edge_cases_decode_as_the_standard_library_does(body: bytes) -> None:
    fast, slow = _json.loads(body), json.loads(body)
    assert repr(fast) == repr(slow)
    assert type(fast) is type(slow)


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe", b"", b"[1,]", b"nul"])
def test_invalid_bodies_raise_value_error_as_the_standard_library_does(body: bytes) -> None:
    with pytest.raises(ValueError) as fast:
        _json.loads(body)
    with pytest.raises(ValueError) as slow:
        json.loads(body)
    assert type(fast.value) is type(slow.value)


def test_deep_nesting_raises_recursion_error_as_the_standard_library_does() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(body)
    with pytest.raises(RecursionError):
        _json.loads(body)


def test_big_integer_stays_exact() -> None:
    assert _json.loads(b'{"n": 123456789012345678901234567890}')["n"] == 123456789012345678901234567890
