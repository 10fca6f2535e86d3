"""``gradient-evals.toml``: reading and checking suites, and running several of them against the emulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path

import anyio
import attrs
import pytest
from workflows.agent_directories import EndlessDirectory

from gradient_evals import AsyncGradientEvals, DeadlineExceeded, EvaluationSettings, PaginationError
from gradient_evals.reports.suites import render_suites_junit, render_suites_markdown
from gradient_evals.results import EvaluationReport
from gradient_evals.testing import FakeGradientServer
from gradient_evals.workflows.agents import MAX_AGENTS, resolve_agents
from gradient_evals.workflows.suite_config import ConfigError, apply_overrides, find_config, load_config
from gradient_evals.workflows.suites import SuiteServices, run_suites

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
AGENT_B = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
TOPICS = ("billing", "shipping")
CSV = "query,expected_response,topic\n" + "".join(
    f"Question {n} about {TOPICS[n % 2]}?,Answer {n}.,{TOPICS[n % 2]}\n" for n in range(40)
)


def _write(tmp_path: Path, text: str, name: str = "gradient-evals.toml") -> Path:
    (tmp_path / "evals").mkdir(exist_ok=True)
    (tmp_path / "evals" / "faq.csv").write_text(CSV, encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


TWO_SUITES = f"""
[defaults]
metrics = ["correctness"]
star_metric = "correctness"
fail_under = {{ correctness = 10 }}
baseline = "latest"

[suites.faq]
dataset = "evals/faq.csv"
agents = ["{AGENT_A}", "{AGENT_B}"]
max_regression = {{ correctness = 15 }}
slice_by = "topic"

[suites.billing]
dataset = "evals/faq.csv"
test_case = "billing-regression"
agents = ["{AGENT_A}"]
fail_under = {{ correctness = 20 }}
"""


def test_defaults_merge_under_each_suite_and_the_suite_wins(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, TWO_SUITES))
    faq, billing = config.suites
    assert faq.name == "faq"
    assert faq.agents == (AGENT_A, AGENT_B)
    assert faq.settings["test_case"] == "faq"  # the suite's name by default
    assert faq.settings["dataset"] == (tmp_path / "evals" / "faq.csv").resolve()  # relative to the file
    assert faq.settings["fail_under"] == {"correctness": 10.0}
    assert faq.settings["max_regression"] == {"correctness": 15.0}
    assert billing.settings["test_case"] == "billing-regression"
    assert billing.settings["fail_under"] == {"correctness": 20.0}  # the suite's own key wins
    assert "max_regression" not in billing.settings
    assert [s.name for s in config.select(["billing"])] == ["billing"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("fail_unde = { correctness = 1 }", "suite 'faq', key 'fail_unde': unknown key"),
        ("star_threshold_pct = 170", "suite 'faq', key 'star_threshold_pct': expected a whole percentage"),
        ("agents = 'one'", "suite 'faq', key 'agents': expected a non-empty list"),
        ("require_baseline = 'yes'", "suite 'faq', key 'require_baseline': expected true or false"),
        ("baseline = 'yesterday'", "suite 'faq', key 'baseline'"),
        ("timeout = -1", "suite 'faq', key 'timeout': expected a positive number"),
    ],
)
def test_a_bad_key_names_the_file_the_suite_and_the_key(tmp_path: Path, extra: str, message: str) -> None:
    text = f'[suites.faq]\ndataset = "evals/faq.csv"\nagents = ["{AGENT_A}"]\n{extra}\n'
    # A key given twice is a TOML error; the bad value replaces the good one instead.
    text = text.replace(f'agents = ["{AGENT_A}"]\nagents', "agents")
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_dataset_file_and_an_unknown_suite_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, f'[suites.faq]\ndataset = "evals/nope.csv"\nagents = ["{AGENT_A}"]\n')
    with pytest.raises(ConfigError, match=r"suite 'faq', key 'dataset': no dataset file at .*nope\.csv"):
        load_config(path)
    path = _write(tmp_path, TWO_SUITES)
    with pytest.raises(ConfigError, match="no suite is called 'nightly' \\(suites: faq, billing\\)"):
        load_config(path).select(["nightly"])


def test_the_pyproject_table_is_found_and_read(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    body = TWO_SUITES.replace("[defaults]", "[tool.gradient-evals.defaults]").replace(
        "[suites.", "[tool.gradient-evals.suites."
    )
    path = _write(tmp_path, '[project]\nname = "x"\n' + body, name="pyproject.toml")
    assert find_config(tmp_path) == path
    assert [s.name for s in load_config(path).suites] == ["faq", "billing"]
    own = _write(tmp_path, TWO_SUITES)
    assert find_config(tmp_path) == own  # gradient-evals.toml comes first


def test_overrides_apply_to_every_suite_and_are_checked(tmp_path: Path) -> None:
    suites = load_config(_write(tmp_path, TWO_SUITES)).suites
    changed = apply_overrides(suites, {"baseline": "none", "fail_under": {"correctness": 1}})
    assert all(s.settings["baseline"] is None for s in changed)
    assert all(s.settings["fail_under"] == {"correctness": 1.0} for s in changed)
    with pytest.raises(ConfigError, match="key 'timeout'"):
        apply_overrides(suites, {"timeout": "soon"})


# -- running suites against the emulator ----------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=11, run_duration=0.2) as srv:
        yield srv


def _services(client: AsyncGradientEvals, names: Mapping[str, str]) -> SuiteServices:
    async def resolve(agents: Sequence[str]) -> dict[str, str]:
        unknown = [a for a in agents if a not in names]
        if unknown:
            raise ValueError(f"no agent is called {unknown[0]!r}")
        return {a: names[a] for a in agents}

    async def evaluate(settings: EvaluationSettings) -> EvaluationReport:
        return await client.evaluate(attrs.evolve(settings, poll_interval=0.05, max_poll_interval=0.1))

    return SuiteServices(
        evaluate=evaluate,
        resolve_agents=resolve,
        catalog=client.evaluation_metrics.catalog,
    )


@pytest.mark.anyio
async def test_two_suites_run_concurrently_then_a_regression_fails_one(
    server: FakeGradientServer, tmp_path: Path
) -> None:
    text = TWO_SUITES.replace(f'agents = ["{AGENT_A}", "{AGENT_B}"]', f'agents = ["support", "{AGENT_B}"]')
    suites = load_config(_write(tmp_path, text)).suites
    names = {"support": AGENT_A, AGENT_A: AGENT_A, AGENT_B: AGENT_B}
    for agent in (AGENT_A, AGENT_B):
        server.set_agent_profile(agent, quality=85)
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        first = await run_suites(suites, _services(client, names))
        assert [o.suite.name for o in first] == ["faq", "billing"]
        assert all(o.error is None and o.report is not None and o.report.passed for o in first)
        faq = first[0].report
        assert faq is not None
        assert sorted(faq.run_uuids) != []
        assert {a.agent_uuid for a in faq.agents} == {AGENT_A, AGENT_B}
        assert first[1].report is not None
        assert first[1].report.test_case_name == "billing-regression"

        server.set_agent_profile(AGENT_B, quality=40)
        second = await run_suites(suites, _services(client, names))
    faq_again = second[0].report
    assert faq_again is not None
    assert not faq_again.passed
    assert faq_again.agent(AGENT_A).passed
    assert not faq_again.agent(AGENT_B).passed
    assert second[1].report is not None
    assert second[1].report.passed

    junit = render_suites_junit(second)
    assert 'name="faq / ' in junit
    assert 'name="billing / ' in junit
    assert junit.count("<testsuite ") == 3  # faq x 2 agents, billing x 1
    markdown = render_suites_markdown(second)
    assert "## Suite faq" in markdown
    assert "## Suite billing" in markdown


@pytest.mark.anyio
async def test_an_unknown_agent_or_metric_in_any_suite_creates_nothing(
    server: FakeGradientServer, tmp_path: Path
) -> None:
    text = TWO_SUITES.replace(f'agents = ["{AGENT_A}"]', 'agents = ["nobody"]')
    suites = load_config(_write(tmp_path, text)).suites
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        with pytest.raises(ConfigError, match="suite 'billing', key 'agents': no agent is called 'nobody'"):
            await run_suites(suites, _services(client, {AGENT_A: AGENT_A, AGENT_B: AGENT_B}))
        typo = load_config(_write(tmp_path, TWO_SUITES.replace("{ correctness = 20 }", "{ corectness = 20 }"))).suites
        with pytest.raises(ConfigError, match="suite 'billing', key 'fail_under': no metric is called 'corectness'"):
            await run_suites(typo, _services(client, {AGENT_A: AGENT_A, AGENT_B: AGENT_B}))
    assert not [r for r in server.requests if r.method in ("POST", "PUT")]


def test_the_shipped_example_config_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "gradient-evals.toml"
    (suite,) = load_config(example).suites
    assert suite.agents == ("support-agent", "billing-helper")
    assert Path(suite.settings["dataset"]).is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[suites.faq\n", "not valid TOML"),
        ("[nightly]\nx = 1\n", "key 'nightly': unknown top-level table"),
        ("[defaults]\nmetrics = ['correctness']\n", "no suites: add a [suites.NAME] table"),
        ("suites = 3\n", "key 'suites': expected a table"),
        ("[suites]\nfaq = 3\n", "suite 'faq': expected a table"),
        ('[suites.faq]\ndataset = "evals/faq.csv"\n', "suite 'faq', key 'agents': give the agents"),
        (f'[suites.faq]\nagents = ["{AGENT_A}"]\n', "suite 'faq', key 'dataset': give a dataset"),
        (f'[suites.faq]\ndataset = "evals/faq.csv"\nagents = ["{AGENT_A}", "{AGENT_A}"]\n', "the same value twice"),
        (f'[suites.faq]\ndataset = "evals/faq.csv"\nagents = ["{AGENT_A}"]\nfail_under = {{}}\n', "a table of"),
    ],
)
def test_every_shape_problem_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_an_unreadable_config_and_a_dataset_uuid(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="it does not exist"):
        load_config(tmp_path / "missing.toml")
    dataset = "0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60"
    text = (
        f'[suites.faq]\ndataset = "{dataset}"\nagents = ["{AGENT_A}"]\nagent_deployment_names = ["prod"]\n'
        'baseline = "none"\n'
    )
    (suite,) = load_config(_write(tmp_path, text)).suites
    assert suite.settings["dataset"] == dataset  # a UUID is a dataset already uploaded, not a path
    assert suite.settings["baseline"] is None
    assert suite.targets == (AGENT_A, "prod")


@pytest.mark.anyio
async def test_a_suite_that_fails_does_not_stop_the_others(server: FakeGradientServer, tmp_path: Path) -> None:
    suites = load_config(_write(tmp_path, TWO_SUITES)).suites
    seen: list[str] = []

    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        services = _services(client, {AGENT_A: AGENT_A, AGENT_B: AGENT_B})

        async def evaluate(settings: EvaluationSettings) -> EvaluationReport:
            if settings.test_case == "faq":
                raise ValueError("faq broke")
            return await services.evaluate(settings)

        broken = SuiteServices(
            evaluate=evaluate,
            resolve_agents=services.resolve_agents,
            catalog=services.catalog,
        )
        outcomes = await run_suites(suites, broken, on_progress=lambda name, event: seen.append(name))
    faq, billing = outcomes
    assert faq.report is None
    assert isinstance(faq.error, ValueError)
    assert billing.error is None
    assert billing.report is not None
    assert set(seen) == {"billing"}  # progress arrives under each suite's name
    junit = render_suites_junit(outcomes)
    assert "faq broke" in junit
    assert 'errors="1"' in junit
    markdown = render_suites_markdown(outcomes)
    assert "Could not run: ValueError\\: faq broke" in markdown  # the colon escaped, as all untrusted text
    with pytest.raises(ValueError, match="no suite to run"):
        await run_suites([], broken)


# -- the look-ups before the suites start: one agent once, within the suites' deadline and a bounded listing -----


def _services_with(
    services: SuiteServices,
    names: Mapping[str, str] | None = None,
    *,
    resolve: Callable[[Sequence[str]], Awaitable[Mapping[str, str]]] | None = None,
) -> SuiteServices:
    """``services`` resolving agents through ``names`` (or ``resolve``)."""

    async def by_table(agents: Sequence[str]) -> dict[str, str]:
        return {agent: (names or {})[agent] for agent in agents}

    return attrs.evolve(services, resolve_agents=resolve or by_table)


def _never_evaluated() -> SuiteServices:
    async def evaluate(**arguments: object) -> object:
        raise AssertionError("a suite started")

    async def catalog() -> list[object]:
        return []

    async def endless_resolver(agents: Sequence[str]) -> dict[str, str]:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    return SuiteServices(evaluate=evaluate, resolve_agents=endless_resolver, catalog=catalog)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_name_and_its_uuid_in_one_suite_are_one_agent_given_twice(tmp_path: Path) -> None:
    suites = load_config(_write(tmp_path, TWO_SUITES.replace(f'"{AGENT_A}", "{AGENT_B}"', f'"support", "{AGENT_A}"')))
    services = _never_evaluated()
    with pytest.raises(ConfigError, match=rf"suite 'faq', key 'agents': 'support' and '{AGENT_A}' are the same agent"):
        await run_suites(suites.suites, _services_with(services, {"support": AGENT_A.upper(), AGENT_A: AGENT_A}))


@pytest.mark.anyio
async def test_resolving_the_agents_runs_within_the_suites_deadline(tmp_path: Path) -> None:
    text = TWO_SUITES.replace("[suites.billing]", "[suites.billing]\ntimeout = 0.2")
    suites = load_config(_write(tmp_path, text)).suites
    with anyio.fail_after(120):  # a guard against hanging, not a measurement
        with pytest.raises(DeadlineExceeded, match=r"ran past the suites' timeout of 0\.2 s") as caught:
            await run_suites(suites, _never_evaluated())
    assert caught.value.step == "names"


@pytest.mark.anyio
async def test_an_endless_agents_listing_stops_every_suite_with_a_typed_error(tmp_path: Path) -> None:
    suites = load_config(_write(tmp_path, TWO_SUITES.replace(f'"{AGENT_A}", "{AGENT_B}"', '"support"'))).suites
    endless = EndlessDirectory()

    async def resolve(agents: Sequence[str]) -> dict[str, str]:
        return dict(zip(agents, await resolve_agents(endless, list(agents)), strict=True))

    with pytest.raises(PaginationError, match="went on past 10,000 agents"):
        await run_suites(suites, _services_with(_never_evaluated(), resolve=resolve))
    assert endless.listed == MAX_AGENTS + 1
