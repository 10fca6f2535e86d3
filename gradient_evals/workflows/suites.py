"""Running the suites of a configuration: every name checked first, then every suite evaluated concurrently.

Before any suite starts, every agent named in any suite is resolved (a name matching no agent, or several, is a
:class:`~gradient_evals.workflows.suite_config.ConfigError` listing the candidates; a name and the UUID it resolves
to in one suite are one agent given twice, refused the same way) and every metric named in any suite is looked up
in the catalog, and every suite's settings then go through ``evaluate``'s own checks (``SuiteServices.check``:
reads only), so that a typo or a bad CSV in the last suite cannot leave the first one's runs behind. Those
look-ups and checks run under the shortest of the suites' timeouts (a :class:`~gradient_evals.DeadlineExceeded`
past it), and the agents listing is read at most :data:`~gradient_evals.workflows.agents.MAX_AGENTS` agents far.
The suites then run concurrently, sharing the client and so its rate-limit pacer. A suite that fails (an API
error) does not stop the others: its outcome carries the error.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio
import attrs

from .._exceptions import DeadlineExceeded, InvalidArgumentError
from ..checks import Check, as_checks
from ..types import EvaluationMetric
from ._arguments import is_uuid
from .answer_settings import CheckInput, PricingInput
from .evaluate_results import EvaluationReport
from .evaluate_settings import DEFAULT_EVALUATE_TIMEOUT, EvaluationSettings
from .metric_names import match_metric
from .repeats import DEFAULT_MAX_RUNS
from .suite_checks import joined
from .suite_config import Suite
from .usage import pricing_from
from .usage_results import Pricing

__all__ = [
    "SuiteOutcome",
    "SuiteServices",
    "check_suite_names",
    "check_suite_runs",
    "run_suites",
    "with_answer_settings",
]

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
    check: Callable[[EvaluationSettings], Awaitable[object]] | None = None
    """``evaluate``'s checks of one suite's settings, creating nothing (``check_evaluation``): every suite is
    checked so before any starts. ``None`` skips that step."""


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
    # A check's gate (check:<name>) names a check of the suite, not a metric: the configuration checked it.
    names += [(key, name) for key in _GATE_KEYS for name in settings.get(key, {}) if not name.startswith("check:")]
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
    for suite in suites:
        _check_each_agent_once(suite, resolved)
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


def _check_each_agent_once(suite: Suite, resolved: Mapping[str, str]) -> None:
    # The file's spellings of one UUID are refused while it is read; a name and its agent's UUID only once known.
    seen: dict[str, str] = {}
    for agent in suite.agents:
        agent_uuid = resolved[agent]
        agent_uuid = str(uuid.UUID(agent_uuid)) if is_uuid(agent_uuid) else agent_uuid
        if agent_uuid in seen:
            raise suite.error(
                f"{seen[agent_uuid]!r} and {agent!r} are the same agent ({agent_uuid}): give each agent once", "agents"
            )
        seen[agent_uuid] = agent


async def _check_settings(suites: Sequence[Suite], services: SuiteServices, resolved: Mapping[str, str]) -> None:
    """Each suite's settings through ``evaluate``'s own checks, one suite after another, before any suite starts:
    a problem of the last suite (a CSV without a ``query`` column, a negative ``max_regression``, a pinned baseline
    that is no finished run) cannot leave the first suite's runs behind."""
    if services.check is None:
        return
    for suite in suites:
        settings = _settings_of(suite, {agent: resolved[agent] for agent in suite.agents})
        try:
            await services.check(settings)
        except (ValueError, TypeError) as exc:  # the settings' fault (API errors are no suite's fault: they pass)
            raise suite.error(str(exc)) from None


async def _checked_in_time(suites: Sequence[Suite], services: SuiteServices) -> dict[str, str]:
    """:func:`check_suite_names` and every suite's checks within the shortest of the suites' timeouts: they are
    part of every suite's work."""
    limit = min(float(suite.settings.get("timeout", DEFAULT_EVALUATE_TIMEOUT)) for suite in suites)
    deadline = anyio.current_time() + limit
    try:
        with anyio.fail_after(limit):
            resolved = await check_suite_names(suites, services)
            await _check_settings(suites, services, resolved)
            return resolved
    except TimeoutError as exc:
        if isinstance(exc, DeadlineExceeded) or anyio.current_time() < deadline:
            raise
        raise DeadlineExceeded(
            f"checking the suites (agents, metrics, settings) ran past the suites' timeout of {limit:g} s",
            step="names",
        ) from None


async def run_suites(
    suites: Sequence[Suite],
    services: SuiteServices,
    *,
    on_progress: Callable[[str, Any], object] | None = None,
    checks: Sequence[CheckInput] | None = None,
    pricing: PricingInput | None = None,
) -> list[SuiteOutcome]:
    """Check every suite's names, then evaluate every suite concurrently; outcomes in the suites' order.

    ``on_progress(suite_name, event)`` receives each suite's progress events. ``checks`` are added to every
    suite's own; ``pricing`` prices the suites whose configuration has no ``[pricing]``.
    """
    if not suites:
        raise InvalidArgumentError("no suite to run")
    suites = with_answer_settings(suites, as_checks(checks), pricing_from(pricing))
    check_suite_runs(suites)
    resolved = await _checked_in_time(suites, services)
    outcomes: dict[str, SuiteOutcome] = {}

    async def one(suite: Suite) -> None:
        agents = {agent: resolved[agent] for agent in suite.agents}
        callback = None if on_progress is None else _bound(on_progress, suite.name)
        try:
            report = await services.evaluate(_settings_of(suite, agents, callback))
        except Exception as exc:
            outcomes[suite.name] = SuiteOutcome(suite=suite, error=exc, agent_uuids=agents)
        else:
            outcomes[suite.name] = SuiteOutcome(suite=suite, report=report, agent_uuids=agents)

    async with anyio.create_task_group() as group:
        for suite in suites:
            group.start_soon(one, suite)
    return [outcomes[suite.name] for suite in suites]


def _settings_of(
    suite: Suite, agents: Mapping[str, str], on_progress: Callable[[Any], object] | None = None
) -> EvaluationSettings:
    return EvaluationSettings(
        **suite.settings,
        agent_uuids=list(agents.values()) or None,
        agent_deployment_names=list(suite.deployments) or None,
        on_progress=on_progress,
    )


def _bound(callback: Callable[[str, Any], object], name: str) -> Callable[[Any], object]:
    def forward(event: Any) -> object:
        return callback(name, event)

    return forward


def with_answer_settings(suites: Sequence[Suite], checks: Sequence[Check], pricing: Pricing | None) -> list[Suite]:
    """The suites with ``checks`` after their own and ``pricing`` where they have none."""
    result = []
    for suite in suites:
        settings = dict(suite.settings)
        if checks:
            settings["checks"] = joined(settings.get("checks", ()), checks, suite.error)
        if pricing is not None:
            settings.setdefault("pricing", pricing)
        result.append(attrs.evolve(suite, settings=settings))
    return result
