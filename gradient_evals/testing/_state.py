"""The emulator's in-memory state: test cases and runs, and the public methods handlers read and write it with.

Thread-safe: the HTTP server answers each connection on its own thread.  Records are looked up under the
lock; a run's status is then derived from the clock without it (``RunRecord.state``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from ._datasets import DatasetStore
from ._page_cache import PageCache
from ._prompts import make_prompt, row_input
from ._records import TERMINAL_STATUSES, RunRecord, TestCaseRecord, check_status, rng_uuid, synthetic_ns
from ._routes import encode_json
from ._scores import aggregate_run_metrics

__all__ = ["EmulatorState", "StateSettings"]

_T = TypeVar("_T")

_TC_NAMES = (
    "support-bot-regression",
    "billing-faq",
    "kb-grounding",
    "tool-routing",
    "multilingual-smoke",
    "refund-policy",
)
_AGENT_NAMES = ("support-agent", "billing-helper", "docs-rag-agent", "triage-bot")
_EPOCH_2025 = 1_735_689_600  # 2025-01-01T00:00:00Z


class _Profile(NamedTuple):
    quality: float | None
    metrics: dict[str, float]
    final_status: str | None
    inputs: dict[str, float]  # prompt input text -> the quality of that prompt's metrics


def _required(record: _T | None, message: str) -> _T:
    if record is None:
        raise KeyError(message)
    return record


class StateSettings(Protocol):
    """The server settings that shape the data; read when used, so they may change while serving."""

    seed: int
    run_duration: float
    per_page_max: int
    default_per_page: int
    final_status: str


class EmulatorState:
    """Test cases and runs; deterministic for a seed and a sequence of calls.

    The settings' ``per_page_max`` and ``default_per_page`` shape results pages, ``run_duration`` and
    ``final_status`` the runs created through the API.  Resources added later keep their own records in a
    per-resource store (:meth:`store`) next to these.
    """

    def __init__(self, settings: StateSettings, *, page_cache_bytes: int) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._rng = random.Random(f"gradient-evals-emulator:{settings.seed}")
        self._clock = float(_EPOCH_2025 + self._rng.randrange(0, 300) * 86400)
        self._test_cases: dict[str, TestCaseRecord] = {}
        self._runs: dict[str, RunRecord] = {}
        self._created_runs = 0
        self._pages = PageCache(page_cache_bytes)
        self._stores: dict[type[Any], Any] = {}
        # agent UUID or deployment name -> its future runs' profile
        self._agent_profiles: dict[str, _Profile] = {}

    def set_agent_profile(
        self,
        agent: str,
        *,
        quality: float | None,
        metrics: dict[str, float],
        final_status: str | None,
        inputs: dict[str, float] | None = None,
    ) -> None:
        """How the runs created for ``agent`` from now on score and end (see the server's method)."""
        for value in (quality, *metrics.values(), *(inputs or {}).values()):
            if value is not None and not 0 <= value <= 100:
                raise ValueError(f"a quality is from 0 to 100, got {value}")
        if final_status is not None:
            check_status(final_status, terminal=True)
        with self._lock:
            self._agent_profiles[agent] = _Profile(quality, dict(metrics), final_status, dict(inputs or {}))

    def store(self, kind: type[_T]) -> _T:
        """The one instance of ``kind`` (built with no arguments on first use): a resource's own records."""
        with self._lock:
            if kind not in self._stores:
                self._stores[kind] = kind()
            instance: _T = self._stores[kind]
            return instance

    def dataset_rows(self, dataset_uuid: str) -> list[dict[str, str]]:
        """The rows of an uploaded dataset in file order, each ``{column: cell}`` (``KeyError`` if unknown).

        Test cases made on a dataset take their prompts' ``input`` (``query``) and ``ground_truth``
        (``expected_response``) from here, row by row.
        """
        return [dict(row) for row in self.store(DatasetStore).get(dataset_uuid).rows]

    # ------------------------------------------------------------------------------------- test cases

    def add_test_case(self, *, name: str | None, prompts: int, version: int, description: str | None) -> str:
        """Create a test case whose dataset has ``prompts`` rows, at ``version``; returns its uuid."""
        if prompts < 0:
            raise ValueError("prompts must be >= 0")
        if version < 1:
            raise ValueError("version must be >= 1")
        with self._lock:
            tc_uuid = rng_uuid(self._rng)
            k = len(self._test_cases)
            self._test_cases[tc_uuid] = TestCaseRecord(
                uuid=tc_uuid,
                name=name or f"{_TC_NAMES[k % len(_TC_NAMES)]}-{k + 1}",
                description=description
                if description is not None
                else "Checks answers of the support agent against curated ground truth.",
                version=version,
                sizes={version: prompts},
                prompt_id_base=self._rng.randrange(1_000, 900_000),
                key=f"{self.settings.seed}:{tc_uuid}".encode(),
                workspace_uuid=rng_uuid(self._rng),
            )
            return tc_uuid

    def add_test_case_version(self, test_case_uuid: str, *, prompts: int | None) -> int:
        """Publish a new version of a test case (same rows and prompt ids; optionally a new size)."""
        with self._lock:
            tc = self.test_case(test_case_uuid)
            size = tc.size() if prompts is None else prompts
            if size < 0:
                raise ValueError("prompts must be >= 0")
            tc.version += 1
            tc.sizes[tc.version] = size
            if tc.version - 1 in tc.rows:  # same rows: an uploaded dataset's rows carry over
                tc.rows[tc.version] = tc.rows[tc.version - 1]
            return tc.version

    def find_test_case(self, test_case_uuid: str) -> TestCaseRecord | None:
        """The test case, or None when there is none with that uuid."""
        with self._lock:
            return self._test_cases.get(test_case_uuid)

    def test_case(self, test_case_uuid: str) -> TestCaseRecord:
        """The test case; KeyError when there is none with that uuid."""
        return _required(self.find_test_case(test_case_uuid), f"unknown test case {test_case_uuid!r}")

    def test_case_uuids(self) -> list[str]:
        """Uuids of all test cases, in creation order."""
        with self._lock:
            return list(self._test_cases)

    # ------------------------------------------------------------------------------------- runs

    def find_run(self, run_uuid: str) -> RunRecord | None:
        """The run, or None when there is none with that uuid."""
        with self._lock:
            return self._runs.get(run_uuid)

    def run(self, run_uuid: str) -> RunRecord:
        """The run; KeyError when there is none with that uuid."""
        return _required(self.find_run(run_uuid), f"unknown evaluation run {run_uuid!r}")

    def run_uuids(self) -> list[str]:
        """Uuids of all runs, in creation order."""
        with self._lock:
            return list(self._runs)

    def runs_of(self, test_case_uuid: str, version: int | None = None) -> list[RunRecord]:
        """The runs of a test case (optionally of one version), oldest first; KeyError for an unknown one."""
        with self._lock:
            self.test_case(test_case_uuid)
            return [
                r
                for r in self._runs.values()
                if r.test_case.uuid == test_case_uuid and (version is None or r.test_case_version == version)
            ]

    def created_run_count(self) -> int:
        """How many runs the API's create endpoint created."""
        with self._lock:
            return self._created_runs

    def add_run(
        self,
        *,
        test_case_uuid: str | None,
        prompts: int | None,
        status: str,
        run_name: str | None,
        agent_uuid: str | None,
        agent_deployment_name: str | None,
        test_case_version: int | None,
        error_description: str | None,
    ) -> str:
        """Add a run frozen in ``status`` with synthetic past timestamps (see ``FakeGradientServer.add_run``)."""
        check_status(status)
        with self._lock:
            if test_case_uuid is None:
                test_case_uuid = self.add_test_case(
                    name=None, prompts=20 if prompts is None else prompts, version=1, description=None
                )
            tc = self.test_case(test_case_uuid)
            version = tc.version if test_case_version is None else test_case_version
            n = tc.size(version) if prompts is None else prompts
            if n < 0:
                raise ValueError("prompts must be >= 0")
            rng = self._rng
            queued = self._clock + rng.uniform(0, 600)
            started = queued + rng.uniform(1, 40)
            finished = started + n * rng.uniform(0.3, 1.5) + rng.uniform(2, 20)
            self._clock = finished + rng.uniform(600, 7200)
            run = self._new_run(
                tc,
                version=version,
                n_prompts=n,
                run_name=run_name,
                agent=(agent_uuid, agent_deployment_name),
                fixed_status=status,
                times=(synthetic_ns(rng, queued), synthetic_ns(rng, started), synthetic_ns(rng, finished)),
            )
            run.error_description = error_description
            return run.uuid

    def create_runs(
        self,
        test_case_uuid: str,
        *,
        agent_uuids: Sequence[str],
        agent_deployment_names: Sequence[str],
        run_name: str | None,
    ) -> list[str]:
        """Start one run per agent and deployment on the latest version, as the API's create endpoint does.

        The runs progress with wall-clock time over ``run_duration`` seconds.  KeyError for an unknown test
        case (nothing is created then).
        """
        with self._lock:
            tc = self.test_case(test_case_uuid)
            targets: list[tuple[str | None, str | None]] = [(a, None) for a in agent_uuids]
            targets += [(None, d) for d in agent_deployment_names]
            created: list[str] = []
            for agent in targets:
                queued = time.time_ns()
                run = self._new_run(
                    tc,
                    version=tc.version,
                    n_prompts=tc.size(),
                    run_name=run_name,
                    agent=agent,
                    fixed_status=None,
                    times=(
                        queued,
                        queued + int(0.15 * self.settings.run_duration * 1e9),
                        queued + int(self.settings.run_duration * 1e9),
                    ),
                )
                created.append(run.uuid)
                self._created_runs += 1
            return created

    def _new_run(
        self,
        tc: TestCaseRecord,
        *,
        version: int,
        n_prompts: int,
        run_name: str | None,
        agent: tuple[str | None, str | None],
        fixed_status: str | None,
        times: tuple[int, int, int],
    ) -> RunRecord:
        rng = self._rng
        run_uuid = rng_uuid(rng)
        agent_uuid, agent_deployment_name = agent
        if agent_deployment_name is not None and agent_uuid is None:
            agent_name = agent_deployment_name
        else:
            if agent_uuid is None:
                agent_uuid = rng_uuid(rng)
            agent_name = f"{_AGENT_NAMES[int(agent_uuid[:8], 16) % len(_AGENT_NAMES)]}-{agent_uuid[:4]}"
        user = rng.randrange(2**60, 2**64)
        quality = rng.uniform(55, 92)  # drawn even when a profile overrides it: the other draws stay the same
        profile = self._agent_profiles.get(agent_uuid or "") or self._agent_profiles.get(agent_deployment_name or "")
        metric_quality: dict[str, float] = {}
        prompt_quality: dict[int, float] = {}
        final_status = self.settings.final_status
        if profile is not None:
            quality = quality if profile.quality is None else profile.quality
            metric_quality = dict(profile.metrics)
            final_status = profile.final_status or final_status
            if profile.inputs:
                for index in range(n_prompts):
                    text = row_input(tc, version, index)
                    if text in profile.inputs:
                        prompt_quality[index] = profile.inputs[text]
        run = RunRecord(
            uuid=run_uuid,
            test_case=tc,
            test_case_version=version,
            n_prompts=n_prompts,
            run_name=run_name or f"{tc.name} v{version} #{len(self._runs) + 1}",
            agent_uuid=agent_uuid,
            agent_deployment_name=agent_deployment_name,
            agent_name=agent_name,
            agent_workspace_uuid=rng_uuid(rng),
            agent_version_hash=f"{rng.getrandbits(160):040x}",
            created_by_user_id=str(user),
            created_by_user_email=f"dev{user % 1000}@example.com",
            key=f"{self.settings.seed}:{run_uuid}".encode(),
            quality=quality,
            metric_quality=metric_quality,
            prompt_quality=prompt_quality,
            fixed_status=fixed_status,
            final_status=final_status,
            duration=self.settings.run_duration,
            created_monotonic=time.monotonic(),
            queued_ns=times[0],
            started_ns=times[1],
            finished_ns=times[2],
        )
        self._runs[run_uuid] = run
        return run

    def set_run_status(self, run_uuid: str, status: str) -> None:
        """Freeze a run in ``status`` from now on (terminal statuses show all results)."""
        check_status(status)
        with self._lock:
            run = self.run(run_uuid)
            if run.fixed_status is None:
                now = time.time_ns()
                run.finished_ns = max(now, run.started_ns)
            run.fixed_status = status

    # ------------------------------------------------------------------------------------- run JSON

    @staticmethod
    def run_state(run: RunRecord) -> tuple[str, int]:
        """The run's ``(status, number of visible results)`` now."""
        return run.state(time.monotonic())

    def run_json(self, run: RunRecord, status: str) -> dict[str, Any]:
        """The ``evaluation_run`` object of ``run`` in ``status`` (run-level metrics computed once, when final)."""
        aggregate = None
        if status in TERMINAL_STATUSES:
            aggregate = run.aggregate
            if aggregate is None:
                aggregate = aggregate_run_metrics(run)
                run.aggregate = aggregate
        return run.to_json(status, aggregate)

    def results_page(self, run: RunRecord, start: int, stop: int) -> bytes:
        """The encoded prompts ``start``..``stop`` of a run, comma-separated (cached up to the byte budget)."""
        if start >= stop:
            return b""

        def build() -> bytes:
            return b",".join(encode_json(make_prompt(run, i)) for i in range(start, stop))

        return self._pages.get_or_build((run.uuid, start, stop), build)
