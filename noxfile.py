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
    "pyyaml>=6",
    "msgspec>=0.18",  # the speed extra: the suite runs with it, and its decoding tests once more without
]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite: unit tests (pytest-httpx) and integration tests against the embedded emulator."""
    session.install("-e", ".", *TEST_DEPS)
    session.run("pytest", *session.posargs)
    if not session.posargs:
        # The same bodies through the standard library's decoder, as users without the speed extra decode them.
        session.run(
            "pytest",
            "-q",
            "tests/test_transport.py",
            "tests/test_response_properties.py",
            "tests/test_pagination.py",
            env={"GRADIENT_EVALS_JSON": "stdlib"},
        )


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


PRISM_PACKAGE = "@stoplight/prism-cli@5.14.2"
DYNAMIC_SEEDS = (1, 2, 3, 4, 5)


@nox.session
def contract(session: nox.Session) -> None:
    """The SDK against Prism mocking the official OpenAPI specification (tests/contract).

    One Prism serves the specification's examples (static mode) and one per seed in ``DYNAMIC_SEEDS`` serves
    random schema-valid bodies (``prism mock -d --seed N``); every body of every operation must parse, and the
    count is logged at the end. The specification is ``../shared/openapi/gradient-evaluations.openapi.yaml`` next
    to the repository, or ``$GRADIENT_OPENAPI_SPEC``. Prism is installed with npm into ``.nox/prism`` once;
    skipped without the specification or npm.
    """
    import os
    import shutil
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent
    spec = Path(
        os.environ.get("GRADIENT_OPENAPI_SPEC")
        or root.parent / "shared" / "openapi" / "gradient-evaluations.openapi.yaml"
    ).resolve()
    if not spec.is_file():
        session.skip(f"no OpenAPI specification at {spec}; set GRADIENT_OPENAPI_SPEC to its path")
    npm = shutil.which("npm")
    if npm is None:
        session.skip("npm is not installed: Prism (the mock server) is a Node.js package")
    cache = root / ".nox" / "prism"
    prism = cache / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        cache.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        # A registry hiccup should not fail the run: try the install a few times before giving up.
        for attempt in range(1, 4):
            try:
                session.run(
                    npm,
                    "install",
                    "--prefix",
                    str(cache),
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    PRISM_PACKAGE,
                    external=True,
                )
                break
            except nox.command.CommandFailed:
                if attempt == 3:
                    raise
                session.log(f"npm install failed (attempt {attempt} of 3); retrying in {5 * attempt} s")
                time.sleep(5 * attempt)
        session.log(f"installed Prism in {time.monotonic() - started:.0f} s")
    session.install("-e", ".", *TEST_DEPS, "pyyaml>=6")

    def start_prism(*options: str) -> tuple[str, subprocess.Popen[bytes]]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        log_path = cache / f"prism-{port}.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603 - our own command line, no shell
                [str(prism), "mock", *options, str(spec), "-h", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        servers.append(server)
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                session.error(f"Prism exited with {server.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                urllib.request.urlopen(f"{url}/v2/gen-ai/evaluation_runs", timeout=1)  # noqa: S310 - loopback
            except urllib.error.HTTPError:
                return url, server  # it answers (401 without a token): ready
            except OSError:
                if time.monotonic() > deadline:
                    session.error(f"Prism did not answer within 60 s:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.25)
            else:
                return url, server

    servers: list[subprocess.Popen[bytes]] = []
    try:
        url, _ = start_prism()
        # Dynamic mode: random bodies the schemas allow, one fixed body per seed, so several seeds.
        dynamic = {seed: start_prism("-d", "--seed", str(seed))[0] for seed in DYNAMIC_SEEDS}
        report = cache / "dynamic-report.json"
        report.unlink(missing_ok=True)
        session.run(
            "pytest",
            "tests/contract",
            "-m",
            "contract or not contract",
            "-p",
            "no:cacheprovider",
            *session.posargs,
            env={
                "GRADIENT_PRISM_URL": url,
                "GRADIENT_OPENAPI_SPEC": str(spec),
                "GRADIENT_PRISM_DYNAMIC_URLS": ",".join(f"{seed}={u}" for seed, u in dynamic.items()),
                "GRADIENT_PRISM_REPORT": str(report),
            },
        )
        if report.exists():
            import json

            counts = json.loads(report.read_text(encoding="utf-8"))
            session.log(
                f"dynamic mode ({len(DYNAMIC_SEEDS)} seeds): {counts['parsed']} of {counts['total']} responses parsed"
            )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
