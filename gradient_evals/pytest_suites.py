"""``pytest --gradient-evals``: the suites of ``gradient-evals.toml`` as pytest tests.

Registered through the ``pytest11`` entry point; it does nothing unless ``--gradient-evals`` is given, so the pytest
runs of people who merely installed the package do not change. With it, pytest collects one item per suite and
agent, named ``<suite>[<agent>]`` (``-k``, ``-x``, ``--junitxml`` and the usual reports work on them). Every
suite that still has an item after selection is evaluated once, all of them concurrently, when the first item
runs; an item passes when that agent's gates passed, and its failure text is the verdict's reasons.

Options: ``--gradient-evals-config PATH`` (default: ``gradient-evals.toml`` in the root directory, or
``[tool.gradient-evals]`` in its ``pyproject.toml``) and ``--gradient-evals-suite NAME`` (repeatable). The token
and base URL come from ``DIGITALOCEAN_ACCESS_TOKEN`` and ``GRADIENT_BASE_URL``, as for the clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

__all__ = ["SuiteAgentItem", "SuitesFile", "pytest_addoption", "pytest_collection_modifyitems"]

_OPTION = "gradient_evals"
_OUTCOMES = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's options (inert unless ``--gradient-evals`` is given)."""
    group = parser.getgroup("gradient-evals", "evaluation suites of gradient-evals.toml as tests")
    group.addoption("--gradient-evals", action="store_true", dest=_OPTION, help="collect the evaluation suites")
    group.addoption("--gradient-evals-config", metavar="PATH", help="the suites' configuration file")
    group.addoption(
        "--gradient-evals-suite", action="append", default=[], metavar="NAME", help="run only this suite (repeatable)"
    )


class _SuiteFailed(Exception):
    """An agent's gates failed: the message is the verdict."""


class SuitesFile(pytest.File):
    """The configuration file, as the parent of its items (their node ids start with its path)."""

    def collect(self) -> list[pytest.Item]:
        """Nothing to collect by itself: the items are added with the suites selected."""
        return []


class SuiteAgentItem(pytest.Item):
    """One agent of one suite: passes when that agent's gates passed."""

    def __init__(self, *, suite: Any, agent: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.agent = agent

    def runtest(self) -> None:
        """Evaluate the selected suites (once per session), then judge this agent."""
        outcomes = _outcomes(self.session)
        outcome = outcomes[self.suite.name]
        if outcome.error is not None:
            raise _SuiteFailed(
                f"suite {self.suite.name!r} could not run: {type(outcome.error).__name__}: {outcome.error}"
            )
        report = outcome.report
        agent_key = outcome.agent_uuids.get(self.agent, self.agent)
        try:
            result = report.agent(agent_key)
        except KeyError:
            raise _SuiteFailed(f"no run of {self.agent!r} in suite {self.suite.name!r}") from None
        if not result.passed:
            raise _SuiteFailed(_verdict_text(self.suite.name, result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The verdict's reasons, not a traceback into the plugin."""
        if isinstance(excinfo.value, _SuiteFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the item comes from: the configuration file."""
        return self.suite.path, None, f"{self.suite.name}[{self.agent}]"


def _verdict_text(suite: str, result: Any) -> str:
    from .reports._format import clean

    lines = [f"{suite}[{result.label}]: gates failed (run {result.evaluation_run_uuid})"]
    lines += [f"  - {clean(reason)}" for reason in result.verdict.reasons]
    regressions = () if result.comparison is None else result.comparison.regressions
    worst = sorted(regressions, key=lambda r: -r.worsening)[:5]
    if worst:
        lines.append("  worst prompts:")
        lines += [
            f"    {clean(r.metric)} {r.base_value:g} -> {r.candidate_value:g}: {clean(r.input)[:120]!r}" for r in worst
        ]
    return "\n".join(lines)


def _config_path(config: pytest.Config) -> Path:
    from .workflows.suite_config import CONFIG_FILE, find_config

    given = config.getoption("gradient_evals_config")
    if given:
        return Path(given)
    found = find_config(Path(config.rootpath))
    if found is None:
        raise pytest.UsageError(
            f"--gradient-evals: no {CONFIG_FILE} in {config.rootpath} (give --gradient-evals-config)"
        )
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add one item per suite and agent, before ``-k`` and ``-m`` select among the items."""
    if not config.getoption(_OPTION):
        return
    from .workflows.suite_config import ConfigError, load_config

    path = _config_path(config)
    try:
        suites = load_config(path).select(config.getoption("gradient_evals_suite"))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    parent = SuitesFile.from_parent(session, path=path.resolve())
    for suite in suites:
        for agent in suite.targets:
            items.append(SuiteAgentItem.from_parent(parent, name=f"{suite.name}[{agent}]", suite=suite, agent=agent))


def _outcomes(session: pytest.Session) -> dict[str, Any]:
    stash = session.config.stash
    if _OUTCOMES not in stash:
        from .workflows.suites import SuiteOutcome

        wanted = list(
            {item.suite.name: item.suite for item in session.items if isinstance(item, SuiteAgentItem)}.values()
        )
        try:
            outcomes = _run(wanted)
        except Exception as exc:  # a name that does not resolve, no token, the API down: every item says so
            outcomes = [SuiteOutcome(suite=suite, error=exc) for suite in wanted]
        stash[_OUTCOMES] = {outcome.suite.name: outcome for outcome in outcomes}
    return stash[_OUTCOMES]


def _run(suites: Sequence[Any]) -> list[Any]:
    from ._sync import GradientEvals

    with GradientEvals() as client:
        return client.evaluate_suites(suites)
