"""Evaluation suites as code: ``gradient-evals.toml`` (or ``[tool.gradient-evals]`` in ``pyproject.toml``).

```toml
[defaults]                       # merged under every suite; a suite's own keys win
metrics = ["correctness", "toxicity"]
star_metric = "correctness"
fail_under = { correctness = 50 }

[suites.faq]
dataset = "evals/faq.csv"        # in this file's folder (relative to it), or a dataset UUID
agents = ["support-agent", "0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60"]   # names or UUIDs
max_regression = { correctness = 5 }
```

A suite's keys are the fields of :class:`~gradient_evals.EvaluationSettings` (``evaluate``'s keyword arguments)
under the same names (their TOML shapes read in :mod:`.suite_values`), ``agents`` standing for agents by name or
UUID, plus ``allow_outside``: a dataset file (and a quarantine file, which ``quarantine_flaky`` writes to) must
lie in the configuration's folder (or below it, symbolic links followed) unless ``allow_outside = true``. Every
problem (an unknown key, a wrong type, a missing dataset file, an empty suite name, an agent given twice, two
suites sharing a test case, a file that is not UTF-8 or nests too deep) is a :class:`ConfigError` naming the file,
the suite and the key, raised while reading the file: before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from .._exceptions import InvalidArgumentError, RepeatsError
from .._settings_method import nearest
from ._arguments import is_uuid
from ._config_error import ConfigError
from ._files import PathLike
from ._suite_rules import canonical_agents, check_test_cases_shared, file_in_folder
from ._toml_files import TomlFileError, read_toml
from .evaluate_settings import EvaluationSettings, check_setting
from .quarantine import read_quarantine
from .suite_checks import check_regressions, joined, read_checks, read_pricing
from .suite_values import SHAPES, read_flag

__all__ = [
    "CONFIG_FILE",
    "NOT_IN_A_FILE",
    "SUITE_KEYS",
    "ConfigError",
    "Suite",
    "SuiteConfig",
    "apply_overrides",
    "find_config",
    "load_config",
]

CONFIG_FILE: Final = "gradient-evals.toml"
PYPROJECT: Final = "pyproject.toml"


NOT_IN_A_FILE: Final[Mapping[str, str]] = {
    "agent_uuids": "`agents` takes agent UUIDs as well as names",
    "on_progress": "a function, not a value a file can hold",
    "pricing": "the top-level [pricing] table prices every suite of the file",
}
"""The settings a suite cannot hold, and why."""


def _key_check(name: str) -> Callable[[object], object]:
    """A key's check: its TOML shape (if it has one), then the check ``EvaluationSettings`` makes of the setting."""
    shape = SHAPES.get(name)

    def check(value: object) -> object:
        value = value if shape is None else shape(value)
        try:
            check_setting(name, value)
        except TypeError as exc:
            raise InvalidArgumentError(str(exc)) from None
        return value

    return check


_KEYS: Final[Mapping[str, Callable[[object], Any]]] = {
    field.name: _key_check(field.name) for field in attrs.fields(EvaluationSettings) if field.name not in NOT_IN_A_FILE
}
"""Every key a suite may hold and how its value is checked: a key is a field of :class:`EvaluationSettings`."""

_LOADING_KEYS: Final[Mapping[str, Callable[[object], Any]]] = {"allow_outside": read_flag}
"""Keys about reading the file itself, not passed to ``evaluate``."""

SUITE_KEYS: Final = frozenset(_KEYS)
"""``checks`` among them: an array of tables ``[[suites.NAME.checks]]``, read by :func:`~.suite_checks.read_checks`."""
_FILE_KEY: Final = "github_comment"
"""The one key of ``[defaults]`` that is not a suite's: a report option of the whole run."""


@attrs.frozen(kw_only=True)
class Suite:
    """One suite of a configuration: a dataset evaluated against agents under gates."""

    name: str
    path: Path
    """The configuration file it came from."""
    agents: tuple[str, ...]
    """The agents as the file names them: names or UUIDs."""
    deployments: tuple[str, ...] = ()
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    """``evaluate``'s keyword arguments other than the agents; ``dataset`` is a UUID or an absolute path."""

    @property
    def targets(self) -> tuple[str, ...]:
        """Everything this suite evaluates: its agents, then its deployments."""
        return (*self.agents, *self.deployments)

    def error(self, message: str, key: str | None = None) -> ConfigError:
        """A :class:`ConfigError` about this suite (and one of its keys)."""
        return ConfigError(message, path=self.path, suite=self.name, key=key)


@attrs.frozen(kw_only=True)
class SuiteConfig:
    """A configuration file's suites, in the order the file lists them."""

    path: Path
    suites: tuple[Suite, ...]
    github_comment: bool = False
    """``github_comment = true`` under ``[defaults]``: ``evaluate`` posts its summary on the pull request (a
    report option of the whole file, not an evaluation setting: one comment covers every suite)."""

    def select(self, names: Iterable[str] = ()) -> tuple[Suite, ...]:
        """The suites called ``names`` (all of them when none is given); an unknown name is a ConfigError."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return self.suites
        by_name = {suite.name: suite for suite in self.suites}
        unknown = [name for name in wanted if name not in by_name]
        if unknown:
            known = ", ".join(by_name) or "none"
            raise ConfigError(f"no suite is called {', '.join(map(repr, unknown))} (suites: {known})", path=self.path)
        return tuple(by_name[name] for name in wanted)


def find_config(directory: PathLike) -> Path | None:
    """``gradient-evals.toml`` in ``directory``, else a ``pyproject.toml`` there with ``[tool.gradient-evals]``.

    A ``pyproject.toml`` that cannot be read (not UTF-8, not TOML, nested too deep) is a :class:`ConfigError`
    naming it: whether it holds suites cannot be told.
    """
    own = Path(directory) / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = Path(directory) / PYPROJECT
    if pyproject.is_file():
        data = _read_toml(pyproject)
        if isinstance(data.get("tool"), dict) and "gradient-evals" in data["tool"]:
            return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML (bounded in size and nesting), or a ConfigError naming it."""
    try:
        return read_toml(path)
    except TomlFileError as exc:
        raise ConfigError(str(exc), path=path) from None


def _table(data: Mapping[str, Any], key: str, path: Path, suite: str | None = None) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"expected a table, got {value!r}", path=path, suite=suite, key=key)
    return value


def _check(raw: Mapping[str, Any], path: Path, suite: str | None) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "checks":
            checked[key] = read_checks(value, path.parent, _raiser(path, suite))
            continue
        checker = _KEYS.get(key) or _LOADING_KEYS.get(key)
        if checker is None:
            known = {*_KEYS, *_LOADING_KEYS}
            suggestion = nearest(key, known)
            hint = f"did you mean {suggestion!r}?" if suggestion else f"a suite takes: {', '.join(sorted(known))}"
            raise ConfigError(f"unknown key ({hint})", path=path, suite=suite, key=key)
        try:
            checked[key] = checker(value)
        except ValueError as exc:
            raise ConfigError(str(exc), path=path, suite=suite, key=key) from None
    return checked


def _raiser(path: Path, suite: str | None) -> Callable[[str, str | None], ConfigError]:
    def error(message: str, key: str | None) -> ConfigError:
        return ConfigError(message, path=path, suite=suite, key=key)

    return error


def _suite(name: str, merged: dict[str, Any], path: Path, allow_outside: bool) -> Suite:
    if not name.strip():
        raise ConfigError('a suite needs a name: [suites.""] names none', path=path)
    allow_outside = merged.pop("allow_outside", False) or allow_outside
    agents = canonical_agents(merged.pop("agents", ()), name, path)
    deployments = merged.pop("agent_deployment_names", ())
    if not agents and not deployments:
        raise ConfigError("give the agents to evaluate (names or UUIDs)", path=path, suite=name, key="agents")
    dataset = merged.get("dataset")
    if dataset is None:
        raise ConfigError("give a dataset (a CSV path or a dataset UUID)", path=path, suite=name, key="dataset")
    if not is_uuid(dataset):
        merged["dataset"] = file_in_folder(dataset, allow_outside, name, path, key="dataset")
    quarantine = merged.get("quarantine")
    if quarantine is not None:  # read here, and written with quarantine_flaky: kept in the folder as datasets are
        merged["quarantine"] = file_in_folder(quarantine, allow_outside, name, path, key="quarantine")
        try:
            read_quarantine(merged["quarantine"])
        except RepeatsError as exc:
            raise ConfigError(str(exc).removeprefix("quarantine: "), path=path, suite=name, key="quarantine") from None
    if merged.get("require_conclusive") and not merged.get("max_regression"):
        message = "require_conclusive needs a regression gate to decide: give max_regression too"
        raise ConfigError(message, path=path, suite=name, key="require_conclusive")
    merged.setdefault("test_case", name)
    check_regressions(merged.get("max_regression", {}), merged.get("checks", ()), _raiser(path, name))
    return Suite(name=name, path=path, agents=agents, deployments=deployments, settings=merged)


def load_config(path: PathLike, *, allow_outside: bool = False) -> SuiteConfig:
    """Read and check a configuration file (``gradient-evals.toml``, or a ``pyproject.toml``).

    ``allow_outside=True`` lets every suite's dataset file lie outside the file's folder (as the key
    ``allow_outside = true`` does for one suite, or in ``[defaults]`` for all).
    """
    path = Path(path)
    data = _read_toml(path)
    if path.name == PYPROJECT:
        data = _table(_table(data, "tool", path), "gradient-evals", path)
    unknown = sorted(set(data) - {"defaults", "suites", "pricing"})
    if unknown:
        raise ConfigError(
            "unknown top-level table (expected [defaults], [pricing] and [suites.NAME])", path=path, key=unknown[0]
        )
    pricing = read_pricing(data.get("pricing"), _raiser(path, None))
    defaults_table = dict(_table(data, "defaults", path))
    try:
        github_comment = read_flag(defaults_table.pop(_FILE_KEY, False))
    except ValueError as exc:
        raise ConfigError(str(exc), path=path, key=_FILE_KEY) from None
    defaults = _check(defaults_table, path, None)
    suites_table = _table(data, "suites", path)
    if not suites_table:
        raise ConfigError("no suites: add a [suites.NAME] table", path=path)
    suites = []
    for name, raw in suites_table.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"expected a table, got {raw!r}", path=path, suite=name)
        if _FILE_KEY in raw:
            raise ConfigError("a key of the whole file: put it under [defaults]", path=path, suite=name, key=_FILE_KEY)
        own = _check(raw, path, name)
        merged = {**defaults, **own}
        if "checks" in defaults or "checks" in own:  # the defaults' checks and the suite's own, together
            merged["checks"] = joined(defaults.get("checks", ()), own.get("checks", ()), _raiser(path, name))
        if pricing is not None:
            merged["pricing"] = pricing
        suites.append(_suite(name, merged, path, allow_outside))
    check_test_cases_shared(suites, path)
    return SuiteConfig(path=path, suites=tuple(suites), github_comment=github_comment)


def apply_overrides(suites: Sequence[Suite], overrides: Mapping[str, Any]) -> tuple[Suite, ...]:
    """The suites with ``overrides`` (checked as a suite's keys are) over each one's settings: flags given on the
    command line with a configuration win over it, for every suite."""
    result = []
    for suite in suites:
        checked = _check(overrides, suite.path, suite.name)
        checked.pop("allow_outside", None)  # about reading the file: read already
        agents = canonical_agents(checked.pop("agents", suite.agents), suite.name, suite.path)
        deployments = checked.pop("agent_deployment_names", suite.deployments)
        result.append(
            attrs.evolve(suite, agents=agents, deployments=deployments, settings={**suite.settings, **checked})
        )
    return tuple(result)
