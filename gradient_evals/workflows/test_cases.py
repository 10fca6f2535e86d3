"""Test cases by name: turn what people write (``"nightly checks"``) into the UUID the API takes.

A UUID is used as it is; a name is looked up among the account's test cases (one listing), first exactly, else
ignoring case, as agent names are (:mod:`.agents`). No match, or several, is a :class:`TestCaseNameError` listing
the candidates, raised before anything that needed the UUID is sent.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from ..types import EvaluationTestCase
from ._names import NameMatchError, known_uuid, match_name

__all__ = ["TestCaseDirectory", "TestCaseNameError", "resolve_test_case"]


class TestCaseDirectory(Protocol):
    """What resolving a name needs of ``client.evaluation_test_cases``: every test case of the account."""

    async def list(self) -> tuple[EvaluationTestCase, ...]: ...


class TestCaseNameError(NameMatchError):
    """A test case name matched no test case, or several: a usage error, raised before anything is sent.

    ``name`` is the name as given; ``candidates`` the test cases it may have meant, as ``(name, uuid)`` pairs.
    """

    __test__ = False  # not a test class, whatever pytest makes of its name


async def resolve_test_case(test_cases: TestCaseDirectory, ref: str | uuid.UUID, *, argument: str = "test_case") -> str:
    """The UUID of a test case given by UUID or by name; the test cases are listed only for a name."""
    known = known_uuid(ref, argument, "test case")
    if known is not None:
        return known
    named = [(c.name, str(c.test_case_uuid)) for c in await test_cases.list() if c.name and c.test_case_uuid]
    return match_name(named, str(ref), argument, kind="test case", error=TestCaseNameError)
