"""The emulator's evaluation runs: seeded runs frozen in a status, and runs made through the API that progress
with wall-clock time; and the agent profiles that shape how new runs score and end.

Records are looked up under the lock; a run's status is then derived from the clock without it
(``RunRecord.state``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..._exceptions import InvalidArgumentError
from .._answers import AnswerStyle
from .._prompts import row_input
from .._records import TERMINAL_STATUSES, RunRecord, TestCaseRecord, check_status, rng_uuid, synthetic_ns
from .._scores import agent_quality, aggregate_run_metrics, prompt_difficulty
from ._shared import Draws, StateSettings, check_new_id
from .agents import AgentStore
from .evaluation_test_cases import TestCaseStore

__all__ = ["RunStore"]

_EPOCH_2025 = 1_735_689_600  # 2025-01-01T00:00:00Z


class _Profile(NamedTuple):
    quality: float | None
    metrics: dict[str, float]
    final_status: str | None
    inputs: dict[str, float]  # prompt input text -> the quality of that prompt's metrics


class RunStore:
    """Runs by uuid, in creation order; deterministic for a seed and a sequence of calls.

    The settings' ``run_duration`` and ``final_status`` shape the runs created through the API.
    """

    def __init__(self, draws: Draws, settings: StateSettings, test_cases: TestCaseStore, agents: AgentStore) -> None:
        self._draws = draws
        self._settings = settings
        self._test_cases = test_cases
        self._agents = agents
        self._clock = float(_EPOCH_2025 + draws.rng.randrange(0, 300) * 86400)
        self._runs: dict[str, RunRecord] = {}
        self._created = 0
        # agent UUID or deployment name -> its future runs' profile
        self._profiles: dict[str, _Profile] = {}
        # agent UUID or deployment name -> how its future runs answer
        self._answer_styles: dict[str, AnswerStyle] = {}
        # agent UUID or deployment name -> prompt input text -> the correctness of its next runs, in turn
        self._scripts: dict[str, dict[str, tuple[float, ...]]] = {}
        self._scripted_runs: dict[str, int] = {}  # agent -> runs made since its script was set

    def set_answer_style(self, agent: str, style: AnswerStyle) -> None:
        """How the runs created for ``agent`` from now on answer (see the server's method)."""
        if not style.verbosity >= 0.1:
            raise InvalidArgumentError(f"verbosity is a factor of at least 0.1, got {style.verbosity}")
        with self._draws.lock:
            self._answer_styles[agent] = style

    def set_profile(
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
                raise InvalidArgumentError(f"a quality is from 0 to 100, got {value}")
        if final_status is not None:
            check_status(final_status, terminal=True)
        with self._draws.lock:
            self._profiles[agent] = _Profile(quality, dict(metrics), final_status, dict(inputs or {}))

    def script(self, agent: str, scores: dict[str, Sequence[float]]) -> None:
        """The correctness of the prompts with these inputs in ``agent``'s next runs (see the server's method)."""
        for text, values in scores.items():
            if not values or not all(0 <= v <= 100 for v in values):
                raise InvalidArgumentError(
                    f"scores of {text!r}: a non-empty list of numbers from 0 to 100, got {values!r}"
                )
        with self._draws.lock:
            self._scripts[agent] = {text.strip(): tuple(values) for text, values in scores.items()}
            self._scripted_runs[agent] = 0

    def _scripted(self, agent: str, tc: TestCaseRecord, version: int, n_prompts: int) -> dict[int, float]:
        script = self._scripts.get(agent)
        if not script:
            return {}
        turn = self._scripted_runs[agent]
        self._scripted_runs[agent] = turn + 1
        found = {}
        for index in range(n_prompts):
            values = script.get(row_input(tc, version, index).strip())
            if values is not None:
                found[index] = values[turn % len(values)]
        return found

    def find(self, run_uuid: str) -> RunRecord | None:
        """The run, or None when there is none with that uuid."""
        with self._draws.lock:
            return self._runs.get(run_uuid)

    def get(self, run_uuid: str) -> RunRecord:
        """The run; KeyError when there is none with that uuid."""
        found = self.find(run_uuid)
        if found is None:
            raise KeyError(f"unknown evaluation run {run_uuid!r}")
        return found

    def uuids(self) -> list[str]:
        """Uuids of all runs, in creation order."""
        with self._draws.lock:
            return list(self._runs)

    def of_test_case(self, test_case_uuid: str, version: int | None = None) -> list[RunRecord]:
        """The runs of a test case (optionally of one version), oldest first; KeyError for an unknown one."""
        with self._draws.lock:
            self._test_cases.get(test_case_uuid)
            return [
                r
                for r in self._runs.values()
                if r.test_case.uuid == test_case_uuid and (version is None or r.test_case_version == version)
            ]

    def created_count(self) -> int:
        """How many runs the API's create endpoint created."""
        with self._draws.lock:
            return self._created

    def add(
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
        uuid: str | None = None,
    ) -> str:
        """Add a run frozen in ``status`` with synthetic past timestamps (see ``FakeGradientServer.add_run``)."""
        check_status(status)
        with self._draws.lock:
            if uuid is not None:
                check_new_id(uuid, self._runs, "evaluation run")
            if test_case_uuid is None:
                test_case_uuid = self._test_cases.add(
                    name=None, prompts=20 if prompts is None else prompts, version=1, description=None
                )
            tc = self._test_cases.get(test_case_uuid)
            version = tc.version if test_case_version is None else test_case_version
            n = tc.size(version) if prompts is None else prompts
            if n < 0:
                raise InvalidArgumentError("prompts must be >= 0")
            rng = self._draws.rng
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
                uuid=uuid,
            )
            run.error_description = error_description
            return run.uuid

    def create(
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
        duration = self._settings.run_duration
        with self._draws.lock:
            tc = self._test_cases.get(test_case_uuid)
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
                    times=(queued, queued + int(0.15 * duration * 1e9), queued + int(duration * 1e9)),
                )
                created.append(run.uuid)
                self._created += 1
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
        uuid: str | None = None,
    ) -> RunRecord:
        rng = self._draws.rng
        run_uuid = rng_uuid(rng)
        if uuid is not None:
            run_uuid = uuid
        agent_uuid, agent_deployment_name = agent
        if agent_deployment_name is not None and agent_uuid is None:
            agent_name = agent_deployment_name
        else:
            if agent_uuid is None:
                agent_uuid = rng_uuid(rng)
            agent_name = self._agents.learn(agent_uuid).name
        user = rng.randrange(2**60, 2**64)
        rng.uniform(55, 92)  # the draw of an earlier quality model, kept so that every later draw stays the same
        quality = agent_quality(agent_uuid or agent_deployment_name or "")
        profile = self._profiles.get(agent_uuid or "") or self._profiles.get(agent_deployment_name or "")
        metric_quality: dict[str, float] = {}
        prompt_quality: dict[int, float] = {}
        final_status = self._settings.final_status
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
            key=f"{self._draws.seed}:{run_uuid}".encode(),
            quality=quality,
            metric_quality=metric_quality,
            prompt_quality=prompt_quality,
            answers=self._answer_styles.get(agent_uuid or "")
            or self._answer_styles.get(agent_deployment_name or "")
            or AnswerStyle(),
            difficulty=lambda index: prompt_difficulty(row_input(tc, version, index)),
            scripted=self._scripted(agent_uuid or agent_deployment_name or "", tc, version, n_prompts),
            fixed_status=fixed_status,
            final_status=final_status,
            duration=self._settings.run_duration,
            created_monotonic=time.monotonic(),
            queued_ns=times[0],
            started_ns=times[1],
            finished_ns=times[2],
        )
        self._runs[run_uuid] = run
        return run

    def set_status(self, run_uuid: str, status: str) -> None:
        """Freeze a run in ``status`` from now on (terminal statuses show all results)."""
        check_status(status)
        with self._draws.lock:
            run = self.get(run_uuid)
            if run.fixed_status is None:
                now = time.time_ns()
                run.finished_ns = max(now, run.started_ns)
            run.fixed_status = status

    @staticmethod
    def state_of(run: RunRecord) -> tuple[str, int]:
        """The run's ``(status, number of visible results)`` now."""
        return run.state(time.monotonic())

    @staticmethod
    def run_json(run: RunRecord, status: str) -> dict[str, Any]:
        """The ``evaluation_run`` object of ``run`` in ``status`` (run-level metrics computed once, when final)."""
        aggregate = None
        if status in TERMINAL_STATUSES:
            aggregate = run.aggregate
            if aggregate is None:
                aggregate = aggregate_run_metrics(run)
                run.aggregate = aggregate
        return run.to_json(status, aggregate)
