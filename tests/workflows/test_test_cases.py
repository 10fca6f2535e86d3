"""Test cases by name: a UUID is taken as it is, a name must match exactly one test case, else the error lists
the candidates; both clients' ``evaluation_test_cases.resolve``."""

from __future__ import annotations

import uuid

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals, GradientEvalsError
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationTestCase
from gradient_evals.workflows.test_cases import TestCaseNameError, resolve_test_case

pytestmark = pytest.mark.anyio

NIGHTLY = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
SMOKE = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
SMOKE_TOO = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"


class Directory:
    """``client.evaluation_test_cases`` as the resolver sees it: ``list()``; counts the listings."""

    def __init__(self, *cases: EvaluationTestCase) -> None:
        self.cases = cases
        self.listings = 0

    async def list(self) -> tuple[EvaluationTestCase, ...]:
        self.listings += 1
        return self.cases


def directory() -> Directory:
    return Directory(
        EvaluationTestCase(test_case_uuid=NIGHTLY, name="Nightly checks"),
        EvaluationTestCase(test_case_uuid=SMOKE, name="smoke"),
        EvaluationTestCase(test_case_uuid=SMOKE_TOO, name="smoke"),
        EvaluationTestCase(test_case_uuid=None, name="draft"),  # no UUID: nothing a name could resolve to
    )


async def test_a_uuid_is_used_as_is_without_listing() -> None:
    cases = directory()
    assert await resolve_test_case(cases, f" {NIGHTLY.upper()} ") == NIGHTLY
    assert await resolve_test_case(cases, uuid.UUID(SMOKE)) == SMOKE
    assert cases.listings == 0


async def test_a_name_matches_exactly_else_ignoring_case() -> None:
    assert await resolve_test_case(directory(), "Nightly checks") == NIGHTLY
    assert await resolve_test_case(directory(), "nightly CHECKS") == NIGHTLY


async def test_an_unknown_or_ambiguous_name_is_a_typed_error_listing_candidates() -> None:
    with pytest.raises(TestCaseNameError) as unknown:
        await resolve_test_case(directory(), "nightly check")
    assert str(unknown.value).startswith("test_case: no test case is called 'nightly check' (close matches:")
    assert unknown.value.candidates == (("Nightly checks", NIGHTLY),)
    with pytest.raises(TestCaseNameError, match=r"2 test cases are called 'smoke'") as ambiguous:
        await resolve_test_case(directory(), "smoke", argument="--test-case")
    assert isinstance(ambiguous.value, GradientEvalsError)
    assert isinstance(ambiguous.value, ValueError)
    assert {c[1] for c in ambiguous.value.candidates} == {SMOKE, SMOKE_TOO}
    with pytest.raises(TestCaseNameError, match="the account has no test cases"):
        await resolve_test_case(Directory(), "draft")


@pytest.mark.parametrize(("ref", "error"), [("  ", ValueError), (7, TypeError), ("'" + NIGHTLY + "'", ValueError)])
async def test_malformed_refs_are_refused_without_listing(ref: object, error: type[Exception]) -> None:
    cases = directory()
    with pytest.raises(error):
        await resolve_test_case(cases, ref)  # type: ignore[arg-type]
    assert cases.listings == 0


async def test_both_clients_resolve_against_the_api() -> None:
    with FakeGradientServer() as server:
        case = server.add_test_case(name="nightly checks", prompts=3)
        server.add_test_case(name="other", prompts=3)
        async with AsyncGradientEvals(access_token=server.token, base_url=server.base_url) as client:
            assert await client.evaluation_test_cases.resolve("nightly checks") == case
        with GradientEvals(access_token=server.token, base_url=server.base_url) as blocking:
            assert blocking.evaluation_test_cases.resolve("Nightly Checks") == case
            with pytest.raises(TestCaseNameError, match="close matches: 'nightly checks'"):
                blocking.evaluation_test_cases.resolve("nightly check")
