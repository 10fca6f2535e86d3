"""The emulator's test cases: their records, their versions, and the fields each version was made with."""

from __future__ import annotations

from typing import Any

from ..._exceptions import InvalidArgumentError
from .._records import TestCaseRecord, rng_uuid
from ._shared import Draws, check_new_id

__all__ = ["TestCaseStore"]

_TC_NAMES = (
    "support-bot-regression",
    "billing-faq",
    "kb-grounding",
    "tool-routing",
    "multilingual-smoke",
    "refund-policy",
)
_DEFAULT_DESCRIPTION = "Checks answers of the support agent against curated ground truth."


class TestCaseStore:
    """Test cases by uuid, in creation order; deterministic for a seed and a sequence of calls.

    Beside each record it keeps the fields a version was made with through the API (name, dataset, metrics,
    star metric...); versions without such fields (seeded ones) read back with defaults (see the handlers).
    """

    __test__ = False  # not a pytest test class

    def __init__(self, draws: Draws) -> None:
        self._draws = draws
        self._records: dict[str, TestCaseRecord] = {}
        self._fields: dict[str, dict[int, dict[str, Any]]] = {}

    def add(
        self,
        *,
        name: str | None,
        prompts: int,
        version: int,
        description: str | None,
        uuid: str | None = None,
        workspace_uuid: str | None = None,
    ) -> str:
        """A test case whose dataset has ``prompts`` rows, at ``version``; returns its uuid.

        ``uuid`` and ``workspace_uuid`` may be any non-empty strings; the draws are made either way, so giving
        them changes nothing else about the data.
        """
        if prompts < 0:
            raise InvalidArgumentError("prompts must be >= 0")
        if version < 1:
            raise InvalidArgumentError("version must be >= 1")
        with self._draws.lock:
            rng = self._draws.rng
            tc_uuid = rng_uuid(rng)
            if uuid is not None:
                tc_uuid = check_new_id(uuid, self._records, "test case")
            k = len(self._records)
            prompt_id_base = rng.randrange(1_000, 900_000)
            drawn_workspace = rng_uuid(rng)
            self._records[tc_uuid] = TestCaseRecord(
                uuid=tc_uuid,
                name=name or f"{_TC_NAMES[k % len(_TC_NAMES)]}-{k + 1}",
                description=description if description is not None else _DEFAULT_DESCRIPTION,
                version=version,
                sizes={version: prompts},
                prompt_id_base=prompt_id_base,
                key=f"{self._draws.seed}:{tc_uuid}".encode(),
                workspace_uuid=drawn_workspace if workspace_uuid is None else workspace_uuid,
            )
            return tc_uuid

    def add_version(self, test_case_uuid: str, *, prompts: int | None) -> int:
        """Publish a new version of a test case (same rows and prompt ids; optionally a new size)."""
        with self._draws.lock:
            tc = self.get(test_case_uuid)
            size = tc.size() if prompts is None else prompts
            if size < 0:
                raise InvalidArgumentError("prompts must be >= 0")
            tc.version += 1
            tc.sizes[tc.version] = size
            if tc.version - 1 in tc.rows:  # same rows: an uploaded dataset's rows carry over
                tc.rows[tc.version] = tc.rows[tc.version - 1]
            return tc.version

    def find(self, test_case_uuid: str) -> TestCaseRecord | None:
        """The test case, or None when there is none with that uuid."""
        with self._draws.lock:
            return self._records.get(test_case_uuid)

    def get(self, test_case_uuid: str) -> TestCaseRecord:
        """The test case; KeyError when there is none with that uuid."""
        found = self.find(test_case_uuid)
        if found is None:
            raise KeyError(f"unknown test case {test_case_uuid!r}")
        return found

    def uuids(self) -> list[str]:
        """Uuids of all test cases, in creation order."""
        with self._draws.lock:
            return list(self._records)

    def all(self) -> list[TestCaseRecord]:
        """Every test case, in creation order."""
        with self._draws.lock:
            return list(self._records.values())

    def keep_fields(self, test_case_uuid: str, version: int, fields: dict[str, Any]) -> None:
        """Remember the fields ``version`` of a test case was made with through the API."""
        with self._draws.lock:
            self._fields.setdefault(test_case_uuid, {})[version] = fields

    def fields_at(self, test_case_uuid: str, version: int) -> tuple[dict[str, Any] | None, int | None]:
        """The kept fields of the latest version up to ``version`` that has some, and that version's number."""
        with self._draws.lock:
            versions = self._fields.get(test_case_uuid, {})
            earlier = [v for v in versions if v <= version]
            if not earlier:
                return None, None
            return versions[max(earlier)], max(earlier)
