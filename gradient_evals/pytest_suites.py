"""``pytest --gradient-evals``: the suites of ``gradient-evals.toml`` as pytest tests.

Registered through the ``pytest11`` entry point; it does nothing unless ``--gradient-evals`` is given, so the pytest
runs of people who merely installed the package do not change. With it, the configuration file is collected the
way plugins collect non-Python files (``pytest_collect_file`` returns a :class:`SuitesFile`, whose ``collect()``
yields one :class:`SuiteAgentItem` per suite and agent, named ``<suite>[<agent>]``), so pytest's counts, ``-k``,
``--collect-only``, ``--lf``, ``-x`` and ``--junitxml`` work on them as on any test. With no path on the command
line the file is added to what pytest collects (also when ``testpaths`` leaves it out); with paths, it is collected
when it is one of them or lies under one.

Every suite that still has an item after selection is evaluated exactly once per pytest invocation, with only the
agents whose items are selected, all such suites concurrently: without pytest-xdist when the first item runs; with
it (``-n N``) by the controller, once the workers have collected and before any item is handed out, the workers
reading each item's verdict from a file the controller wrote. An item passes when that agent's gates passed, and
its failure text is the verdict's reasons.

Options: ``--gradient-evals-config PATH`` (default: ``gradient-evals.toml`` in the root directory, or
``[tool.gradient-evals]`` in its ``pyproject.toml``) and ``--gradient-evals-suite NAME`` (repeatable). The token
and base URL come from ``DIGITALOCEAN_ACCESS_TOKEN`` and ``GRADIENT_BASE_URL``, as for the clients. A problem of
the configuration file is a pytest usage error (exit 4) before anything is collected.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

__all__ = [
    "SuiteAgentItem",
    "SuitesFile",
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_unconfigure",
    "pytest_xdist_node_collection_finished",
]

_OPTION = "gradient_evals"
_VERDICTS_INPUT = "gradient_evals_verdicts"
"""The key of xdist's ``workerinput`` naming the file of verdicts the controller writes for the workers."""


@attrs.define(kw_only=True)
class _Plugin:
    """The session's configuration file, its selected suites and, under xdist, where the verdicts go."""

    path: Path
    suites: tuple[Any, ...]
    verdicts_dir: Path | None = None
    verdicts: dict[str, str | None] | None = None

    def item_of(self, nodeid: str) -> tuple[Any, str] | None:
        """The (suite, agent) of one of this file's items, from its node id (``<file>::<suite>[<agent>]``)."""
        file, _, name = nodeid.partition("::")
        if Path(file).name != self.path.name:
            return None
        return next(((s, a) for s in self.suites for a in s.targets if f"{s.name}[{a}]" == name), None)


_STATE = pytest.StashKey[_Plugin]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's options (inert unless ``--gradient-evals`` is given)."""
    group = parser.getgroup("gradient-evals", "evaluation suites of gradient-evals.toml as tests")
    group.addoption("--gradient-evals", action="store_true", dest=_OPTION, help="collect the evaluation suites")
    group.addoption("--gradient-evals-config", metavar="PATH", help="the suites' configuration file")
    group.addoption(
        "--gradient-evals-suite", action="append", default=[], metavar="NAME", help="run only this suite (repeatable)"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Read the configuration file (a usage error when it cannot be used) and make sure pytest collects it."""
    if not config.getoption(_OPTION) or config.getoption("help"):
        return
    from .workflows.suite_config import CONFIG_FILE, ConfigError, find_config, load_config

    try:
        given = config.getoption("gradient_evals_config")
        path = Path(given) if given else find_config(config.rootpath)
        if path is None:
            raise pytest.UsageError(
                f"--gradient-evals: no {CONFIG_FILE} in {config.rootpath} (give --gradient-evals-config)"
            )
        suites = load_config(path).select(config.getoption("gradient_evals_suite"))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    path = path.resolve()
    config.stash[_STATE] = _Plugin(path=path, suites=suites)
    if config.args_source != pytest.Config.ArgsSource.ARGS and not _collected_anyway(config, path):
        config.args.append(str(path))


def _collected_anyway(config: pytest.Config, path: Path) -> bool:
    for arg in config.args:
        where = (config.invocation_params.dir / arg.partition("::")[0]).resolve()
        if path == where or path.is_relative_to(where):
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SuitesFile | None:
    """The configuration file, as a collector of its suites' items."""
    state = parent.config.stash.get(_STATE, None)
    if state is None or file_path.resolve() != state.path:
        return None
    return SuitesFile.from_parent(parent, path=file_path)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the verdicts file the controller wrote for its workers."""
    state = config.stash.get(_STATE, None)
    if state is not None and state.verdicts_dir is not None:
        shutil.rmtree(state.verdicts_dir, ignore_errors=True)


class _SuiteFailed(Exception):
    """An agent's gates failed: the message is the verdict."""


class SuitesFile(pytest.File):
    """The configuration file: collects one item per suite and agent of the selected suites."""

    def collect(self) -> Iterator[pytest.Item]:
        """One :class:`SuiteAgentItem` per suite and agent (or deployment), in the file's order."""
        for suite in self.config.stash[_STATE].suites:
            for agent in suite.targets:
                name = f"{suite.name}[{agent}]"
                # The node id given whole, so that pytest reads it as it reads one from its cache (``--lf``): the
                # agent in brackets is the item's parameter, as for a parametrized test.
                yield SuiteAgentItem.from_parent(
                    self, name=name, nodeid=f"{self.nodeid}::{name}", suite=suite, agent=agent
                )


class SuiteAgentItem(pytest.Item):
    """One agent of one suite: passes when that agent's gates passed."""

    def __init__(self, *, suite: Any, agent: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.agent = agent

    def runtest(self) -> None:
        """Evaluate the selected suites (once per pytest invocation), then judge this agent."""
        verdicts = _session_verdicts(self.session)
        if self.nodeid not in verdicts:
            raise _SuiteFailed(f"no verdict for {self.nodeid}: the suites were not evaluated for it")
        message = verdicts[self.nodeid]
        if message is not None:
            raise _SuiteFailed(message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The verdict's reasons, not a traceback into the plugin."""
        if isinstance(excinfo.value, _SuiteFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the item comes from: the configuration file."""
        return self.suite.path, None, f"{self.suite.name}[{self.agent}]"


def _session_verdicts(session: pytest.Session) -> dict[str, str | None]:
    """Each selected item's verdict: read from the controller's file under xdist, else evaluated here, once."""
    state = session.config.stash[_STATE]
    if state.verdicts is None:
        written = getattr(session.config, "workerinput", {}).get(_VERDICTS_INPUT)
        if written is not None:
            state.verdicts = json.loads(Path(written).read_text(encoding="utf-8"))
        else:
            items = [item for item in session.items if isinstance(item, SuiteAgentItem)]
            state.verdicts = _verdicts([(item.nodeid, item.suite, item.agent) for item in items])
    return state.verdicts


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's controller: tell each worker where the verdicts will be."""
    state = node.config.stash.get(_STATE, None)
    if state is None:
        return
    if state.verdicts_dir is None:
        state.verdicts_dir = Path(tempfile.mkdtemp(prefix="gradient-evals-verdicts-"))
    node.workerinput[_VERDICTS_INPUT] = str(state.verdicts_dir / "verdicts.json")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Sequence[str]) -> None:
    """xdist's controller: evaluate the selected suites once, when the first worker has collected.

    xdist hands out no item before every worker has collected (and their collections must agree), so the verdicts
    file exists before any worker runs an item.
    """
    state = node.config.stash.get(_STATE, None)
    if state is None or state.verdicts is not None or state.verdicts_dir is None:
        return
    selected = [(nodeid, *found) for nodeid in ids if (found := state.item_of(nodeid)) is not None]
    state.verdicts = _verdicts(selected)
    from .workflows._files import write_text_atomically

    write_text_atomically(state.verdicts_dir / "verdicts.json", json.dumps(state.verdicts))


def _verdicts(selected: Sequence[tuple[str, Any, str]]) -> dict[str, str | None]:
    """Evaluate each suite of ``selected`` (node id, suite, agent) once, with only its selected agents; each item's
    failure text, ``None`` when it passed."""
    if not selected:
        return {}
    from .workflows.suites import SuiteOutcome

    chosen: dict[str, tuple[Any, set[str]]] = {}
    for _, suite, agent in selected:
        chosen.setdefault(suite.name, (suite, set()))[1].add(agent)
    suites = [
        attrs.evolve(
            suite,
            agents=tuple(a for a in suite.agents if a in agents),
            deployments=tuple(d for d in suite.deployments if d in agents),
        )
        for suite, agents in chosen.values()
    ]
    try:
        outcomes = {outcome.suite.name: outcome for outcome in _run(suites)}
    except Exception as exc:  # a name that does not resolve, no token, the API down: every item says so
        outcomes = {suite.name: SuiteOutcome(suite=suite, error=exc) for suite in suites}
    return {nodeid: _judge(outcomes[suite.name], agent) for nodeid, suite, agent in selected}


def _judge(outcome: Any, agent: str) -> str | None:
    name = outcome.suite.name
    if outcome.error is not None:
        return f"suite {name!r} could not run: {type(outcome.error).__name__}: {outcome.error}"
    try:
        result = outcome.report.agent(outcome.agent_uuids.get(agent, agent))
    except KeyError:
        return f"no run of {agent!r} in suite {name!r}"
    return None if result.passed else _verdict_text(name, result)


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


def _run(suites: Sequence[Any]) -> list[Any]:
    from ._sync import GradientEvals

    with GradientEvals() as client:
        return client.evaluate_suites(suites)
