"""Rules across what a configuration's suites name, checked while the file is read: each agent once in a suite
(UUIDs in one spelling), a dataset (or quarantine) file inside the configuration's folder unless allowed, and one
suite per test case (two suites finding-or-creating one test case at once would create it twice)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from ._arguments import is_uuid
from ._config_error import ConfigError

__all__ = ["canonical_agents", "check_test_cases_shared", "file_in_folder"]


class NamedSuite(Protocol):
    """What the test-case rule reads of a suite: its name and its settings (``test_case`` among them)."""

    @property
    def name(self) -> str: ...

    @property
    def settings(self) -> Mapping[str, Any]: ...


def canonical_agents(agents: Sequence[str], suite: str, path: Path) -> tuple[str, ...]:
    """The agents with every UUID in one spelling (lower case, hyphenated), each at most once."""
    canonical = tuple(str(uuid.UUID(agent)) if is_uuid(agent) else agent for agent in agents)
    seen: dict[str, str] = {}
    for given, agent in zip(agents, canonical, strict=True):
        if agent in seen:
            raise ConfigError(
                f"{seen[agent]!r} and {given!r} are the same agent: give each agent once",
                path=path,
                suite=suite,
                key="agents",
            )
        seen[agent] = given
    return canonical


def file_in_folder(given: str, allow_outside: bool, suite: str, path: Path, *, key: str) -> Path:
    """The file a suite's ``key`` names, relative to the configuration's folder and kept in it unless
    ``allow_outside``; a missing dataset file is refused here (a quarantine file's reader says what is wrong)."""
    folder = path.parent.resolve()
    file = (folder / given).resolve()
    if not allow_outside and not file.is_relative_to(folder):
        raise ConfigError(
            f"the {key} file {str(file)!r} is outside the configuration's folder {str(folder)!r}: move it there,"
            " or set allow_outside = true",
            path=path,
            suite=suite,
            key=key,
        )
    if key == "dataset" and not file.is_file():
        raise ConfigError(f"no dataset file at {str(file)!r}", path=path, suite=suite, key="dataset")
    return file


def _test_case_key(suite: NamedSuite) -> str:
    test_case = str(suite.settings["test_case"]).strip()
    return str(uuid.UUID(test_case)) if is_uuid(test_case) else test_case


def check_test_cases_shared(suites: Sequence[NamedSuite], path: Path) -> None:
    # Two suites finding-or-creating one test case at once would both create it, and every later run of either
    # would then meet two test cases of that name.
    owner: dict[str, str] = {}
    for suite in suites:
        key = _test_case_key(suite)
        if key in owner:
            raise ConfigError(
                f"suites {owner[key]!r} and {suite.name!r} both use the test case {key!r}: give each suite a"
                " test_case of its own",
                path=path,
                suite=suite.name,
                key="test_case",
            )
        owner[key] = suite.name
