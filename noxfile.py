"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``, ``nox -s contract``, ``nox -s bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

TEST_DEPS = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "pytest-httpx>=0.35",
    "trio>=0.25",
    "hypothesis>=6.100",
    "pandas>=2.0",
]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite: unit tests (pytest-httpx) and integration tests against the embedded emulator."""
    session.install("-e", ".", *TEST_DEPS)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the whole repository."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".", "mypy>=1.11", *TEST_DEPS)
    session.run("mypy", "--strict", "gradient_evals")


BENCH_CONTENDERS = ["pydo", "gradient", "pyinstrument"]


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx, pydo and gradient; writes benchmarks/RESULTS.md. Never part of the tests.

    The contenders are installed into this session's virtualenv only. ``nox -s bench -- --only stream`` runs a
    subset; see ``python benchmarks/run_all.py --help``.
    """
    session.install(".", *BENCH_CONTENDERS)
    session.run("python", "benchmarks/run_all.py", *session.posargs)
