"""Running the suites of a configuration: every name checked first, then every suite evaluated concurrently.

Before any suite starts, every agent named in any suite is resolved (a name matching no agent, or several, is a
:class:`~gradient_evals.workflows.suite_config.ConfigError` listing the candidates) and every metric named in any
suite is looked up in the catalog, so that a typo in the last suite cannot leave the first one's runs behind.
The suites then run concurrently, sharing the client and so its rate-limit pacer. A suite that fails (an API
error) does not stop the others: its outcome carries the error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio
import attrs

from ..resources.evaluation_metrics import match_metric
from ..types import EvaluationMetric
from ._arguments import is_uuid
from .evaluate_results import EvaluationReport
from .evaluate_settings import EvaluationSettings
from .repeats import DEFAULT_MAX_RUNS
from .suite_config import Suite

__all__ = ["SuiteOutcome", "SuiteServices", "check_suite_names", "check_suite_runs", "run_suites"]

_GATE_KEYS = ("fail_under", "max_regression", "pass_thresholds")


@attrs.frozen(kw_only=True)
class SuiteServices:
    """What running suites needs: ``evaluate`` (the client's), an agent resolver and the metric catalog.

    ``resolve_agents`` maps each name or UUID to an agent UUID, raising ``ValueError`` (with the candidates) for
    a name that matches no agent or several.
    """

    evaluate: Callable[[EvaluationSettings], Awaitable[EvaluationReport]]
    resolve_agents: Callable[[Sequence[str]], Awaitable[Mapping[str, str]]]
    catalog: Callable[[], Awaitable[Sequence[EvaluationMetric]]]


@attrs.frozen(kw_only=True)
class SuiteOutcome:
    """One suite's report, or the error that stopped it."""

    suite: Suite
    report: EvaluationReport | None = None
    error: Exception | None = None
    agent_uuids: Mapping[str, str] = attrs.field(factory=dict)
    """Each agent as the suite names it -> its UUID."""

    @property
    def name(self) -> str:
        """The suite's name (what the reports of several suites call it)."""
        return self.suite.name


def _metric_names(suite: Suite) -> list[tuple[str, str]]:
    settings = suite.settings
    names = [("metrics", name) for name in settings.get("metrics", ())]
    star = settings.get("star_metric")
    if star is not None:
        names.append(("star_metric", star))
    names += [(key, name) for key in _GATE_KEYS for name in settings.get(key, {})]
    return names


async def check_suite_names(suites: Sequence[Suite], services: SuiteServices) -> dict[str, str]:
    """Resolve every agent and check every metric of every suite; returns agent name or UUID -> UUID."""
    names = list(dict.fromkeys(agent for suite in suites for agent in suite.agents))
    resolved: dict[str, str] = {}
    if names:
        try:
            resolved = dict(await services.resolve_agents(names))  # the agents are listed once for every suite
        except ValueError:
            # Said about the suite that names the culprit: resolved again suite by suite, on this path only.
            for suite in suites:
                if suite.agents:
                    try:
                        await services.resolve_agents(suite.agents)
                    except ValueError as exc:
                        raise suite.error(str(exc), "agents") from None
            raise
    catalog = await services.catalog()
    for suite in suites:
        for key, name in _metric_names(suite):
            if is_uuid(name) and any(m.metric_uuid == name for m in catalog):
                continue
            try:
                match_metric(catalog, name, key)
            except ValueError as exc:
                raise suite.error(str(exc).removeprefix(f"{key}: "), key) from None
    return resolved


def check_suite_runs(suites: Sequence[Suite]) -> None:
    """Refuse, before anything is sent, a call whose suites would create more runs than a suite's ``max_runs``."""
    planned = sum(len(suite.targets) * int(suite.settings.get("repeats", 1)) for suite in suites)
    for suite in suites:
        limit = int(suite.settings.get("max_runs", DEFAULT_MAX_RUNS))
        if planned > limit:
            what = " + ".join(f"{len(s.targets)} x {s.settings.get('repeats', 1)}" for s in suites)
            raise suite.error(
                f"the suites would create {planned} runs (agents x repeats per suite: {what}), more than "
                f"max_runs={limit}; raise max_runs (in [defaults] for every suite) to allow it",
                "max_runs",
            )


async def run_suites(
    suites: Sequence[Suite],
    services: SuiteServices,
    *,
    on_progress: Callable[[str, Any], object] | None = None,
) -> list[SuiteOutcome]:
    """Check every suite's names, then evaluate every suite concurrently; outcomes in the suites' order.

    ``on_progress(suite_name, event)`` receives each suite's progress events.
    """
    if not suites:
        raise ValueError("no suite to run")
    check_suite_runs(suites)
    resolved = await check_suite_names(suites, services)
    outcomes: dict[str, SuiteOutcome] = {}

    async def one(suite: Suite) -> None:
        agents = {agent: resolved[agent] for agent in suite.agents}
        callback = None if on_progress is None else _bound(on_progress, suite.name)
        try:
            settings = EvaluationSettings(
                **suite.settings,
                agent_uuids=list(agents.values()) or None,
                agent_deployment_names=list(suite.deployments) or None,
                on_progress=callback,
            )
            report = await services.evaluate(settings)
        except Exception as exc:
            outcomes[suite.name] = SuiteOutcome(suite=suite, error=exc, agent_uuids=agents)
        else:
            outcomes[suite.name] = SuiteOutcome(suite=suite, report=report, agent_uuids=agents)

    async with anyio.create_task_group() as group:
        for suite in suites:
            group.start_soon(one, suite)
    return [outcomes[suite.name] for suite in suites]


def _bound(callback: Callable[[str, Any], object], name: str) -> Callable[[Any], object]:
    def forward(event: Any) -> object:
        return callback(name, event)

    return forward
