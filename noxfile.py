"""Developer tasks: ``nox -s tests``, ``lint``, ``typecheck``, ``docs``, ``contract``, ``package``, ``bench``,
``browser``."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
# uv builds a session's virtualenv and installs into it in seconds where pip takes half a minute (``pip install
# "nox[uv]"`` brings it); without uv, nox falls back to virtualenv and pip.
nox.options.default_venv_backend = "uv|virtualenv"

TEST_DEPS = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "pytest-httpx>=0.35",
    "pytest-xdist>=3.5",
    "pytest-cov>=7",  # line and branch coverage of the package, held to its floors by tests/coverage_gate.py
    "coverage>=7.10",
    "trio>=0.25",
    "hypothesis>=6.100",
    "pandas>=2.0",
    "pyyaml>=6",
    "msgspec>=0.18",  # the speed extra: the suite runs with it, and its decoding tests once more without
    "junitparser>=3",
    "mypy>=1.11",  # a documented call is type-checked as users check theirs (tests/workflows/test_suite_config_*)
    "pydo>=0.44",  # DigitalOcean's own client, run against the emulator (tests/emulator/test_pydo_*)
    "jsonschema>=4.18",  # the checks extra: the json_schema check
    "types-jsonschema",
    "scipy>=1.11",  # the reference the paired statistics are checked against
]


def _test_workers() -> str:
    """How many pytest-xdist workers: the suite mostly waits (on sockets, emulated runs, timeouts) rather than
    computes, so twice the CPUs, at least 4 and at most 16. ``nox -s tests -- -n 0`` runs it in one process."""
    return str(min(16, max(4, 2 * (os.cpu_count() or 1))))


def _cache_bytecode(session: nox.Session) -> None:
    """Let every Python process of the session reuse the bytecode the first one compiled.

    Where ``PYTHONDONTWRITEBYTECODE`` is set, each xdist worker and each subprocess a test starts (the command line,
    nested pytest runs) compiles the package and rewrites the tests' assertions again: about 5 CPU-seconds a process.
    The cache lives in the session's own folder, so the working tree stays free of ``__pycache__``.
    """
    session.env["PYTHONDONTWRITEBYTECODE"] = ""  # an empty value counts as unset
    # Beside the virtualenv, not in session.create_tmp(): that one also becomes TMPDIR, which would put the nested
    # pytest runs' projects under this repository's pyproject.toml.
    session.env["PYTHONPYCACHEPREFIX"] = os.path.join(session.virtualenv.location, "pycache")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite: unit tests (pytest-httpx) and integration tests against the embedded emulator.

    It runs in parallel (pytest-xdist); every emulator and hand-written server listens on a free port of its own.
    The whole suite measures the package's line and branch coverage (``[tool.coverage]`` in pyproject.toml) and
    fails when lines fall under 95% or branches under 88% (``tests/coverage_gate.py``); ``coverage report`` then
    lists what was missed. Arguments after ``--`` go to pytest (a later ``-n`` wins over the default) and run only
    that, without coverage.
    """
    session.install("-e", ".", *TEST_DEPS)
    _cache_bytecode(session)
    parallel = ["-n", _test_workers(), "--dist", "worksteal"]
    if session.posargs:
        session.run("pytest", *parallel, *session.posargs)
        return
    measured = ["--cov", "--cov-report="]
    session.run("pytest", *parallel, *measured)
    # The same bodies through the standard library's decoder, as users without the speed extra decode them. These
    # tests compute rather than wait, so one worker a CPU: a worker's start costs more than it would overlap.
    session.run(
        "pytest",
        "-n",
        str(min(4, max(2, os.cpu_count() or 1))),
        "--dist",
        "worksteal",
        *measured,
        "--cov-append",
        "-q",
        "tests/test_transport.py",
        "tests/test_response_properties.py",
        "tests/test_pagination.py",
        "tests/test_deferred.py",
        "tests/test_convert.py",
        env={"GRADIENT_EVALS_JSON": "stdlib"},
    )
    totals = os.path.join(session.create_tmp(), "coverage.json")
    session.run("coverage", "json", "-q", "-o", totals)
    session.run("python", "tests/coverage_gate.py", totals)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the whole repository: its lint rules, and the Python files formatted as ``ruff format`` would."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, and over the calls users write (tests/typing: read, never run)."""
    session.install("-e", ".", "mypy>=1.11", *TEST_DEPS)
    session.run("mypy", "--strict", "gradient_evals", "tests/typing")


DOCS_DEPS = [
    "mkdocs>=1.6,<2",
    "mkdocs-material>=9.5",
    "mkdocstrings>=0.26",
    "mkdocstrings-python>=1.12",
    "ruff>=0.6",  # formats the signatures in the API reference
]


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site: ``mkdocs build --strict`` into ``site/``; ``nox -s docs -- serve`` to write.

    The command-line reference is generated from the parser by a hook (``docs/_hooks/cli_reference.py``) and the
    API reference from the docstrings (mkdocstrings), on every build. The pages' Python examples run in the test
    suite (``tests/test_docs.py``), not here.
    """
    session.install("-e", ".", *DOCS_DEPS)
    env = {"NO_MKDOCS_2_WARNING": "1"}
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:], env=env)
    else:
        session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs, env=env)


SDIST_MUST_HOLD = (
    "pyproject.toml",
    "noxfile.py",
    "README.md",
    "CHANGELOG.md",
    "CONTRIBUTING.md",
    "docs/report.png",
    "docs/index.md",
    "docs/_hooks/cli_reference.py",
    "mkdocs.yml",
    "examples/github-actions.yml",
    "benchmarks/RESULTS.md",
    "benchmarks/STATISTICS.md",
    "tests/conftest.py",
    "gradient_evals/py.typed",
    "gradient_evals/cli/data/support-bot.csv",
)
"""What the source archive must contain: what the README links to or shows, and what the tests run from."""


@nox.session
def package(session: nox.Session) -> None:
    """Build the sdist and the wheel as a release would, check them, and use the wheel as a user would.

    ``python -m build`` builds the wheel from the unpacked sdist, so a file the sdist lacks fails here; ``twine
    check`` fails on metadata the package index would not render. The wheel is then installed into a fresh
    virtual environment, outside the checkout, where ``gradient-evals demo`` must run end to end (a data file or
    template missing from the wheel fails here, not on a user's machine) and ``import gradient_evals`` must load
    the installed copy.
    """
    import subprocess
    import sys
    import tarfile
    import tempfile
    from pathlib import Path

    session.install("build>=1.2", "twine>=5")
    with tempfile.TemporaryDirectory(prefix="gradient-evals-package-") as tmp:
        work = Path(tmp)
        dist = work / "dist"
        session.run("python", "-m", "build", "--outdir", str(dist), ".")
        sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
        if len(sdists) != 1 or len(wheels) != 1:
            session.error(f"expected one sdist and one wheel in {dist}, found {sorted(p.name for p in dist.iterdir())}")
        session.run("twine", "check", "--strict", *(str(p) for p in (*sdists, *wheels)))

        with tarfile.open(sdists[0]) as archive:
            top = sdists[0].name.removesuffix(".tar.gz")
            members = {name.removeprefix(f"{top}/") for name in archive.getnames()}
        missing = [name for name in SDIST_MUST_HOLD if name not in members]
        if missing:
            session.error(f"the sdist lacks {', '.join(missing)}")
        session.log(f"{sdists[0].name}: {len(members)} entries, every required file present")

        venv = work / "venv"
        bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
        session.run("python", "-m", "venv", str(venv))
        # Nothing from the checkout or this session may leak in: no PYTHONPATH, and commands run outside the tree.
        clean = {"PYTHONPATH": None, "VIRTUAL_ENV": str(venv)}
        session.run(str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheels[0]), external=True, env=clean)
        installed = subprocess.run(  # noqa: S603 - the fresh environment's own interpreter
            [str(bin_dir / "python"), "-c", "import gradient_evals; print(gradient_evals.__file__)"],
            cwd=work,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            capture_output=True,
            text=True,
            check=False,
        )
        if installed.returncode != 0:
            session.error(f"import gradient_evals failed in the fresh environment:\n{installed.stderr}")
        if not Path(installed.stdout.strip()).is_relative_to(venv):
            session.error(f"import gradient_evals loaded {installed.stdout.strip()}, not the installed wheel")
        session.log(f"import gradient_evals: {installed.stdout.strip()}")
        demo = work / "demo"
        session.run(
            str(bin_dir / "gradient-evals"),
            "demo",
            "--output",
            str(demo),
            "--duration",
            "0.5",
            external=True,
            env=clean,
        )
        written = sorted(p.name for p in demo.iterdir())
        for name in ("gradient-evals.toml", "junit.xml", "report.html", "summary.md", "support-bot.csv"):
            if name not in written:
                session.error(f"gradient-evals demo wrote no {name} (found {written})")
        session.log(f"gradient-evals demo from the installed wheel wrote {', '.join(written)}")


BENCH_CONTENDERS = ["pydo", "gradient", "pyinstrument"]


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against raw httpx, pydo and gradient; writes benchmarks/RESULTS.md. Never part of the tests.

    The package is installed with its ``speed`` extra (and ``checks``, for the json_schema check of bench_checks), so
    both decoders are there side by side: the streaming and conversion benchmarks run once with each
    (``GRADIENT_EVALS_JSON=stdlib`` forces the standard library's), each against a floor that decodes with the same
    one. The contenders are installed into this session's virtualenv only. ``nox -s bench -- --only stream`` runs a
    subset; see ``python benchmarks/run_all.py --help``.
    """
    session.install(".[speed,checks]", *BENCH_CONTENDERS)  # checks: bench_checks runs a json_schema check
    session.run("python", "benchmarks/run_all.py", *session.posargs)


@nox.session
def bench_statistics(session: nox.Session) -> None:
    """The regression gates' statistics alone: false alarms over 200 A/A pairs on the emulator, power against an
    8-point worsening at 400 prompts, and their cost; writes benchmarks/STATISTICS.md (the performance page
    includes it). ``nox -s bench`` runs it too, with the other benchmarks."""
    session.install(".")
    session.run("python", "benchmarks/bench_statistics.py", "--markdown", "benchmarks/STATISTICS.md")


@nox.session
def bench_repeats(session: nox.Session) -> None:
    """Repeats against the judge's noise: the A/A false-alarm rate and the detectable worsening at 100 prompts,
    K = 1 against K = 3, on the emulator; writes benchmarks/REPEATS.md (the performance page includes it)."""
    session.install(".")
    session.run("python", "benchmarks/bench_repeats.py", "--markdown", "benchmarks/REPEATS.md")


SPEC_DIR = "spec"
SPEC_FILE = "gradient-evaluations.openapi.yaml"
SPEC_LICENSE = "LICENSE-digitalocean-openapi"


@nox.session(python=False)
def spec(session: nox.Session) -> None:
    """Refresh the repository's copy of the OpenAPI specification (and its Apache-2.0 license) in ``spec/``.

    The source is ``../shared/openapi`` beside the repository, or the folder given after ``--``. Nothing changes
    when the source is absent: the copy in the repository is what tests, the emulator's checks and Prism read.
    """
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent
    source = Path(session.posargs[0]) if session.posargs else root.parent / "shared" / "openapi"
    if not (source / SPEC_FILE).is_file():
        session.skip(f"no specification at {source / SPEC_FILE}; the copy in {SPEC_DIR}/ stays as it is")
    target = root / SPEC_DIR
    target.mkdir(exist_ok=True)
    for name in (SPEC_FILE, SPEC_LICENSE):
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)
            session.log(f"copied {source / name} -> {SPEC_DIR}/{name}")


PRISM_PACKAGE = "@stoplight/prism-cli@5.14.2"
DYNAMIC_SEEDS = (1, 2, 3, 4, 5)


@nox.session
def contract(session: nox.Session) -> None:
    """The SDK against Prism mocking the official OpenAPI specification (tests/contract).

    One Prism serves the specification's examples (static mode) and one per seed in ``DYNAMIC_SEEDS`` serves
    random schema-valid bodies (``prism mock -d --seed N``); every body of every operation must parse, and the
    count is logged at the end. The specification is the repository's copy, ``spec/gradient-evaluations.openapi.yaml``
    (``nox -s spec`` refreshes it), or ``$GRADIENT_OPENAPI_SPEC``. Prism is installed with npm into ``.nox/prism`` once;
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
    spec = Path(os.environ.get("GRADIENT_OPENAPI_SPEC") or root / SPEC_DIR / SPEC_FILE).resolve()
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


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # runs as root in containers; the page is our own static file
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


@nox.session
def browser(session: nox.Session) -> None:
    """The HTML report in headless Chromium: fails on any console message, writes docs/report.png.

    Not part of the default sessions. Uses Debian's ``chromium`` (``apt-get install -y chromium`` when
    ``/usr/bin/chromium`` is missing and the session runs as root); nothing else is downloaded beyond PyPI. The
    report is the one ``gradient-evals demo`` writes against the local emulator. The page has no scripts, so
    any console message is a failure: a Content Security Policy violation (something tried to load from the
    network), a parse error, or anything else the browser had to say about it.
    """
    import os
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parent
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            session.skip("Chromium is not installed (apt-get install -y chromium)")
        session.run("apt-get", "update", "-qq", external=True)
        noninteractive = {"DEBIAN_FRONTEND": "noninteractive"}
        session.run("apt-get", "install", "-y", "-qq", "chromium", external=True, env=noninteractive)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
    session.install(".")
    with tempfile.TemporaryDirectory(prefix="gradient-evals-browser-") as tmp:
        out = Path(tmp)
        session.run("gradient-evals", "demo", "--output", str(out / "demo"), "--duration", "0.5", silent=True)
        page = out / "demo" / "report.html"
        if not page.is_file():
            session.error(f"the demo wrote no HTML report at {page}")
        screenshot = root / "docs" / "report.png"
        screenshot.parent.mkdir(exist_ok=True)
        profile = out / "profile"
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1280,2200",
            f"--screenshot={screenshot}",
            page.as_uri(),
        ]
        session.log(" ".join(command))
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
        console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
        if result.returncode != 0:
            session.error(f"chromium exited with {result.returncode}:\n{result.stderr[-4000:]}")
        if console:
            session.error("the report logged to the browser console:\n" + "\n".join(console))
        if not screenshot.is_file() or screenshot.stat().st_size == 0:
            session.error("chromium wrote no screenshot")
        session.log(f"no console messages; screenshot written to {screenshot.relative_to(root)}")
