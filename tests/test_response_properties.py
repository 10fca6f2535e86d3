"""Whatever the server sends, each method gives a model or an ``APIResponseValidationError``, nothing else.

Bodies are the API's own examples, mutated (keys dropped, values nulled or replaced by JSON of any type,
unknown keys and enum values added, huge numbers), or arbitrary JSON, or bytes that are not JSON or not
UTF-8 at all. They go through the real transport, served by an ``httpx.MockTransport``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradient_evals import (
    APIResponseValidationError,
    APIStatusError,
    AsyncGradientEvals,
    PaginationError,
    RetryPolicy,
    RunCreationUnknownError,
)
from gradient_evals.types import CreatedEvaluationRuns, EvaluationPrompt, EvaluationRun, ResultsPage

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "https://api.digitalocean.com"
RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def _example(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


# -- bodies -------------------------------------------------------------------------------------------------

_huge_ints = st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, -(10**30), 10**300])
_numbers = st.one_of(
    st.integers(),
    _huge_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 0.5, -0.0]),
)
_strings = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "12345",
            "-7",
            "1e3",
            "18446744073709551616",
            "9" * 5000,
            "2025-01-01T00:00:00Z",
            "2025-13-45T99:99:99Z",
            "2025-01-01T00:00:00.123456789+05:30",
            "not a date",
            "EVALUATION_RUN_SUCCESSFUL",
            "EVALUATION_RUN_SOMETHING_NEW",
            "METRIC_VALUE_TYPE_FROM_THE_FUTURE",
            "\x00",
            "\ud800",
        ]
    ),
)
_leaves = st.one_of(st.none(), st.booleans(), _numbers, _strings)
_json = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _slots(doc: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) pair inside ``doc``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.append((doc, key))
            _slots(value, found)
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.append((doc, index))
            _slots(value, found)
    return found


@st.composite
def _mutated(draw: st.DrawFn, base: Any) -> Any:
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 6))):
        slots = _slots(doc, [])
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["delete", "null", "replace", "unknown_key", "wrong_enum", "huge"]))
        if action == "delete":
            del container[key]
        elif action == "null":
            container[key] = None
        elif action == "replace":
            container[key] = draw(_json)
        elif action == "huge":
            container[key] = draw(_huge_ints | st.sampled_from(["9" * 40, 1e308]))
        elif action == "wrong_enum":
            container[key] = draw(st.sampled_from(["STATUS_FROM_THE_FUTURE", "", "unknown"]))
        elif isinstance(container, dict):
            container[draw(st.text(min_size=1, max_size=10))] = draw(_json)
    return doc


def _encode(doc: Any) -> bytes:
    return json.dumps(doc, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


_raw_bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"\xff\xfe\x00{",
            b'{"evaluation_run": {"run_name": "\xc3\x28"}}',
            b'{"prompt": {"input": "\xed\xa0\x80"}}',
            b"null",
            b"[]",
            b"{",
            b"<html><body>502 Bad Gateway</body></html>",
            b'{"prompts": [{"prompt_id": ' + b"9" * 5000 + b"}]}",
            b'{"meta": {"page": 1e999}}',
            b'{"a": NaN, "b": Infinity}',
            b"[" * 100_000 + b"]" * 100_000,
            b'{"evaluation_run": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
        ]
    ),
)


def bodies(example: str) -> st.SearchStrategy[bytes]:
    base = _example(example)
    return st.one_of(
        _mutated(base).map(_encode),
        _mutated(base).map(_encode),  # weighted towards realistic shapes
        _json.map(_encode),
        _raw_bodies,
    )


# -- the client under test ----------------------------------------------------------------------------------


class _Server:
    """Serves one chosen body (and status) for the first request, then empty pages (so paging always ends)."""

    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.headers: dict[str, Any] = {}
        self.empty = b"{}"
        self.calls = 0

    def serve(self, body: bytes, status: int = 200, headers: dict[str, Any] | None = None) -> None:
        """Answer the next request with exactly this: nothing an earlier test chose carries over."""
        self.body, self.status, self.headers, self.calls = body, status, headers or {}, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls > 1:
            return httpx.Response(200, content=self.empty, headers={"content-type": "application/json"})
        headers = {"content-type": "application/json", **self.headers}
        return httpx.Response(self.status, content=self.body, headers=headers)


@pytest.fixture(scope="module")
def harness() -> Iterator[tuple[anyio.from_thread.BlockingPortal, AsyncGradientEvals, _Server]]:
    server = _Server()
    with anyio.from_thread.start_blocking_portal() as portal:

        def build() -> AsyncGradientEvals:
            http = httpx.AsyncClient(transport=httpx.MockTransport(server))
            # No pauses: a create's lookups of the runs it may have made follow the retry backoff, and the
            # pacer would hold the next example's request for the Retry-After of a 429 example.
            retry = RetryPolicy(max_retries=0, initial_backoff=0, max_backoff=0)
            return AsyncGradientEvals(
                access_token="tok", base_url=BASE_URL, retry=retry, http_client=http, rate_limit=None
            )

        client = build()
        yield portal, client, server
        portal.call(client.aclose)
        portal.call(client._transport.http_client.aclose)


async def _iterate(client: AsyncGradientEvals) -> list[EvaluationPrompt]:
    return [p async for p in client.evaluation_runs.iter_results(RUN, per_page=10)]


Call = Callable[[AsyncGradientEvals], Awaitable[Any]]

ENDPOINTS: dict[str, tuple[str, Call, Callable[[Any], bool], bool]] = {
    # name: (example body, call, what a good result looks like, may the pager refuse the paging)
    "create": (
        "spec_create_runs",
        # recover=False: a lost answer is looked up but never sent again, so the outcome stays "unknown".
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], recover=False),
        lambda r: isinstance(r, CreatedEvaluationRuns) and all(isinstance(u, str) for u in r.evaluation_run_uuids),
        False,
    ),
    "retrieve": (
        "spec_get_run",
        lambda c: c.evaluation_runs.retrieve(RUN),
        lambda r: isinstance(r, EvaluationRun),
        False,
    ),
    "list_results": (
        "spec_run_results",
        lambda c: c.evaluation_runs.list_results(RUN, page=1, per_page=10),
        lambda r: isinstance(r, ResultsPage) and all(isinstance(p, EvaluationPrompt) for p in r.prompts),
        False,
    ),
    "retrieve_results": (
        "spec_prompt_results",
        lambda c: c.evaluation_runs.retrieve_results(RUN, 1),
        lambda r: isinstance(r, EvaluationPrompt),
        False,
    ),
    "iter_results": (
        "seed_run_results",
        _iterate,
        lambda r: isinstance(r, list) and all(isinstance(p, EvaluationPrompt) for p in r),
        True,
    ),
    "list_evaluation_runs": (
        "spec_list_runs_by_test_case",
        lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE),
        lambda r: isinstance(r, list) and all(isinstance(x, EvaluationRun) for x in r),
        True,
    ),
}


def _outcome(harness: Any, endpoint: str, body: bytes, status: int = 200, headers: Any = None) -> Any:
    """What the method returned, or the exception it raised."""
    portal, client, server = harness
    server.serve(body, status, headers)
    try:
        return portal.call(ENDPOINTS[endpoint][1], client)
    except Exception as exc:
        return exc


def _read_deferred(outcome: Any) -> Any:
    """``outcome``, or the error that reading a prompt's parts converted on first read raises."""
    found = outcome.prompts if isinstance(outcome, ResultsPage) else outcome
    prompts = found if isinstance(found, list | tuple) else [found]
    try:
        for prompt in prompts:
            if isinstance(prompt, EvaluationPrompt):
                _ = prompt.prompt_chunks, prompt.prompt_level_metric_results, prompt.evaluation_trace_spans
    except Exception as exc:
        return exc
    return outcome


def _check(harness: Any, endpoint: str, body: bytes) -> None:
    _, _, good, paging = ENDPOINTS[endpoint]
    outcome = _read_deferred(_outcome(harness, endpoint, body))
    if isinstance(outcome, APIResponseValidationError):
        assert outcome.status_code == 200
        assert str(outcome)
    elif isinstance(outcome, RunCreationUnknownError):
        # A 200 whose body cannot be read: the runs were created but their ids are lost, and create says so.
        assert endpoint == "create"
        assert isinstance(outcome.cause, APIResponseValidationError)
        assert outcome.test_case_uuid == TEST_CASE
    elif isinstance(outcome, PaginationError):
        assert paging, "only a paged listing may refuse the server's paging"
    else:
        assert not isinstance(outcome, BaseException), repr(outcome)
        assert good(outcome), outcome


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_any_body_gives_a_model_or_a_validation_error(endpoint: str, harness: Any) -> None:
    @_SETTINGS
    @given(body=bodies(ENDPOINTS[endpoint][0]))
    def check(body: bytes) -> None:
        _check(harness, endpoint, body)

    check()


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_the_unmutated_examples_parse(endpoint: str, harness: Any) -> None:
    portal, client, server = harness
    example, call, good, paging = ENDPOINTS[endpoint]
    doc = _example(example)
    if paging and isinstance(doc.get("meta"), dict):
        doc["meta"]["page"] = 1  # the examples' paging metadata is made up (page 123 of 123)
    server.serve(_encode(doc))
    assert good(portal.call(call, client))


_ERROR_STATUSES = st.sampled_from([400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504])
_retry_after = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["0", "-5", "1e9", "Wed, 21 Oct 2015 07:28:00 GMT", "nan"])
)


@pytest.mark.parametrize("endpoint", ["retrieve", "create", "iter_results"])
def test_any_error_body_gives_a_status_error(endpoint: str, harness: Any) -> None:
    @_SETTINGS
    @given(status=_ERROR_STATUSES, body=bodies("spec_error"), retry_after=_retry_after)
    def check(status: int, body: bytes, retry_after: str | None) -> None:
        # Header bytes as a server might send them (UTF-8, whatever the standard says).
        headers = {} if retry_after is None or not retry_after.isprintable() else {"retry-after": retry_after.encode()}
        outcome = _outcome(harness, endpoint, body, status, headers)
        if endpoint == "create" and status >= 500:
            assert isinstance(outcome, RunCreationUnknownError), repr(outcome)
            outcome = outcome.cause
        assert isinstance(outcome, APIStatusError), repr(outcome)
        assert outcome.status_code == status
        assert str(status) in str(outcome)

    check()
