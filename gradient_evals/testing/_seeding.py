"""The data half of ``FakeGradientServer``'s public API: seed every resource with given ids and fields, and read
back what the server holds.

Every ``add_*`` method takes an optional id (``uuid=...``): any non-empty string, so a test can create exactly
the records it names, including the placeholder ids generated SDK test suites send (``"example string"``,
``"123e4567-e89b-12d3-a456-426614174000"``). Without one, the id is drawn from the server's seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .._exceptions import InvalidArgumentError
from ._answers import AnswerStyle
from ._prompts import make_prompt
from ._state import EmulatorState
from .stores._shared import is_finite_number

__all__ = ["Seeding"]

_StoreT = TypeVar("_StoreT")


class Seeding:
    """Seeding and inspection methods over the server's state (mixed into ``FakeGradientServer``)."""

    seed: int
    _state: EmulatorState

    # ------------------------------------------------------------------------------------------ seeding

    def store(self, kind: type[_StoreT]) -> _StoreT:
        """The records of a resource kept in a store of its own (``stores/<name>.py``), to seed or read them:
        ``server.store(PresetStore).add(...)``. The same instance the server's handlers use."""
        return self._state.store(kind)

    def add_test_case(
        self,
        *,
        name: str | None = None,
        prompts: int = 20,
        version: int = 1,
        description: str | None = None,
        uuid: str | None = None,
        workspace_uuid: str | None = None,
    ) -> str:
        """Create a test case whose dataset has ``prompts`` rows, at ``version``; returns its uuid.

        It reads back with the three metrics its runs report (correctness, context adherence, tone).
        """
        return self._state.test_cases.add(
            name=name,
            prompts=prompts,
            version=version,
            description=description,
            uuid=uuid,
            workspace_uuid=workspace_uuid,
        )

    def add_test_case_version(self, test_case_uuid: str, *, prompts: int | None = None) -> int:
        """Publish a new version of a test case (same rows and prompt ids; optionally a new size)."""
        return self._state.test_cases.add_version(test_case_uuid, prompts=prompts)

    def add_dataset(
        self,
        *,
        name: str | None = None,
        rows: int = 20,
        uuid: str | None = None,
        dataset_type: str = "EVALUATION_DATASET_TYPE_ADK",
    ) -> str:
        """Seed an evaluation dataset of ``rows`` generated rows (it has no file to download); returns its uuid.

        It is listed, and test cases may be created on it; their prompts are generated.
        """
        return self._state.datasets.seed(self.seed, name=name, rows=rows, given_uuid=uuid, dataset_type=dataset_type)

    def add_metric(
        self,
        *,
        name: str,
        uuid: str | None = None,
        description: str = "",
        value_type: str = "METRIC_VALUE_TYPE_NUMBER",
        range_min: float | None = 0,
        range_max: float | None = 1,
        inverted: bool = False,
        category: str = "METRIC_CATEGORY_UNSPECIFIED",
    ) -> str:
        """Add a metric to the catalog (``GET /evaluation_metrics``); test cases may then score it.

        ``uuid`` defaults to one derived from the seed and the name. Runs of a test case scoring it report values
        in ``range_min``..``range_max`` that follow the run's quality (``"pass"``/``"fail"`` for a string metric).
        """
        value_range = None if range_min is None or range_max is None else (range_min, range_max)
        return self._state.metrics.add(
            self.seed,
            metric_uuid=uuid,
            name=name,
            description=description,
            value_type=value_type,
            value_range=value_range,
            inverted=inverted,
            category=category,
        )

    def add_agent(
        self,
        *,
        uuid: str | None = None,
        name: str | None = None,
        description: str | None = None,
        deployment_status: str = "STATUS_RUNNING",
    ) -> str:
        """Add an agent (``GET /v2/gen-ai/agents``); runs made for it carry its name. Returns its uuid.

        Without a name it is named from its uuid, as the agents of seeded runs are; an agent whose
        ``deployment_status`` is not ``STATUS_RUNNING`` is left out of ``only_deployed=true`` listings.
        """
        return self._state.agents.add(
            uuid=uuid, name=name, description=description, deployment_status=deployment_status
        )

    def set_agent_name(self, agent_uuid: str, name: str) -> None:
        """Rename an agent (made known if it was not); runs made for it from now on carry the name."""
        self._state.agents.rename(agent_uuid, name)

    def add_run(
        self,
        *,
        test_case_uuid: str | None = None,
        prompts: int | None = None,
        status: str = "EVALUATION_RUN_SUCCESSFUL",
        run_name: str | None = None,
        agent_uuid: str | None = None,
        agent_deployment_name: str | None = None,
        test_case_version: int | None = None,
        error_description: str | None = None,
        uuid: str | None = None,
    ) -> str:
        """Add a run in ``status`` (finished by default) and return its uuid.

        Without ``test_case_uuid`` a new test case of ``prompts`` rows (default 20) is created.  With one,
        the run covers that test case's dataset, or its first ``prompts`` rows (more rows than the dataset
        has are generated the same way).  A non-terminal ``status`` freezes the run there with part of its
        results visible; use :meth:`set_run_status` to move it on.  Its agent becomes known to
        ``GET /v2/gen-ai/agents``.
        """
        return self._state.runs.add(
            test_case_uuid=test_case_uuid,
            prompts=prompts,
            status=status,
            run_name=run_name,
            agent_uuid=agent_uuid,
            agent_deployment_name=agent_deployment_name,
            test_case_version=test_case_version,
            error_description=error_description,
            uuid=uuid,
        )

    def set_run_status(self, run_uuid: str, status: str) -> None:
        """Freeze a run in ``status`` from now on (terminal statuses show all results)."""
        self._state.runs.set_status(run_uuid, status)

    def set_agent_profile(
        self,
        agent: str,
        *,
        quality: float | None = None,
        metrics: dict[str, float] | None = None,
        final_status: str | None = None,
        inputs: dict[str, float] | None = None,
    ) -> None:
        """Shape the runs created for ``agent`` (a UUID or a deployment name) from now on.

        ``quality`` (0-100) is what every metric's values follow (high quality: high scores, and low values of
        an inverted metric); ``metrics={"correctness": 40}`` gives one metric a quality of its own, for a
        regression on that metric alone; ``inputs={"How do I get a refund?": 20}`` gives the prompts with that
        input text a quality of their own, for every metric (a regression of one slice of a dataset);
        ``final_status`` is where its runs end (``EVALUATION_RUN_FAILED``...).
        Without a profile an agent's quality is a fixed function of the agent (60-90). Each prompt's score is that
        quality plus the prompt's difficulty (shared by every agent and run) plus the judge's noise (new in every
        run): see ``gradient_evals.testing`` for the spreads. Runs created before the call keep their scores, so a
        baseline made before a lower ``quality`` stays as it was: that is how to make an agent regress on purpose.
        Every number must be finite.
        """
        numbers = {"quality": quality, **(metrics or {}), **(inputs or {})}
        for what, number in numbers.items():
            if number is not None and not is_finite_number(number):
                raise InvalidArgumentError(f"set_agent_profile: {what} must be a finite number, got {number!r}")
        self._state.runs.set_profile(
            agent, quality=quality, metrics=dict(metrics or {}), final_status=final_status, inputs=inputs
        )

    def set_agent_answers(self, agent: str, *, verbosity: float = 1.0, drop_tools: Sequence[str] = ()) -> None:
        """Shape how the runs created for ``agent`` (a UUID or a deployment name) answer, from now on.

        Every agent's answers are a mix of JSON (some cut short, not valid JSON), text quoting an order number
        (``ORD-12345``) and plain text, with tool spans ``lookup_order`` then ``search_docs`` in the trace of an
        order's prompt (``search_docs`` alone otherwise), and token counts that follow the text. ``verbosity=2``
        makes every answer about twice as long (and its output tokens with it); ``drop_tools=["lookup_order"]``
        leaves that tool's calls out of the traces.
        """
        self._state.runs.set_answer_style(agent, AnswerStyle(verbosity=verbosity, drop_tools=frozenset(drop_tools)))

    def set_agent_quality(self, agent: str, quality: float) -> str:
        """Set the quality (0-100) of the runs made for ``agent`` (a UUID or an agent's name) from now on, as
        ``set_agent_profile(uuid, quality=...)`` does; returns the agent's UUID. ``KeyError`` naming the known
        agents when none (or several) has that name."""
        found = self._state.agents.resolve(agent)
        if found is None:
            known = ", ".join(sorted(a.name for a in self._state.agents.all()))
            raise KeyError(f"the emulator has no agent with the UUID or name {agent!r} (its agents: {known})")
        self.set_agent_profile(found, quality=quality)
        return found

    def script_prompt_scores(self, agent: str, scores: dict[str, Sequence[float]]) -> None:
        """Script the correctness of prompts, by input text, in the runs created for ``agent`` from now on.

        The n-th run made after the call scores the prompt ``scores[text][n % len(scores[text])]`` exactly (no
        quality, difficulty or judge noise): ``[100]`` always passes a pass threshold, ``[0]`` always fails it and
        ``[100, 0]`` alternates, which is how to make a flaky prompt on purpose. Its other metrics and the prompts
        not named score as usual. A new call replaces the script and starts counting again. A scripted score below
        40 also makes the agent answer the prompt wrongly in that run (the answer leaves the expected response
        out), so checks on the answers follow the script too.
        """
        self._state.runs.script(agent, scores)

    # ------------------------------------------------------------------------------------------ reading back

    def dataset_rows(self, dataset_uuid: str) -> list[dict[str, str]]:
        """The rows of an uploaded dataset, in file order (``KeyError`` if unknown; none for a seeded one)."""
        return [dict(row) for row in self._state.datasets.get(dataset_uuid).rows]

    def runs_of(self, test_case_uuid: str, version: int | None = None) -> list[str]:
        """Uuids of the runs of a test case (optionally of one version), oldest first."""
        return [run.uuid for run in self._state.runs.of_test_case(test_case_uuid, version)]

    @property
    def test_case_uuids(self) -> list[str]:
        """Uuids of all test cases, in creation order."""
        return self._state.test_cases.uuids()

    @property
    def run_uuids(self) -> list[str]:
        """Uuids of all runs, in creation order."""
        return self._state.runs.uuids()

    @property
    def agent_uuids(self) -> list[str]:
        """Uuids of all known agents, in the order the server learnt of them."""
        return [agent.uuid for agent in self._state.agents.all()]

    @property
    def created_run_count(self) -> int:
        """How many runs ``POST /v2/gen-ai/evaluation_runs`` actually created."""
        return self._state.runs.created_count()

    def run_json(self, run_uuid: str) -> dict[str, Any]:
        """The ``evaluation_run`` object a ``GET`` of the run would return now."""
        runs = self._state.runs
        run = runs.get(run_uuid)
        status, _ = runs.state_of(run)
        return runs.run_json(run, status)

    def prompt_ids(self, run_uuid: str) -> list[int]:
        """Prompt ids of the results visible now, in page order."""
        run = self._state.runs.get(run_uuid)
        _, visible = self._state.runs.state_of(run)
        base = run.test_case.prompt_id_base
        return list(range(base, base + visible))

    def prompt_json(self, run_uuid: str, prompt_id: int) -> dict[str, Any]:
        """The ``prompt`` object of one result (regardless of whether it is visible yet)."""
        run = self._state.runs.get(run_uuid)
        index = prompt_id - run.test_case.prompt_id_base
        if not 0 <= index < run.n_prompts:
            raise KeyError(f"unknown prompt id {prompt_id}")
        return make_prompt(run, index)
