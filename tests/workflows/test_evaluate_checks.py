"""``evaluate`` with checks on the answers, tokens and cost, against the emulator: each check fails exactly the
prompts it should (found again here from the run's own results), the gates decide, and bad settings are refused
before any request."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gradient_evals import AsyncGradientEvals, GradientEvalsError
from gradient_evals.checks import CheckError, IsJSON, MaxOutputTokens, NotContains, Regex, ToolCalled
from gradient_evals.results import GateKind
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationPrompt, TraceSpanType
from gradient_evals.workflows.suite_config import ConfigError, load_config

pytestmark = pytest.mark.anyio

AGENT = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
OTHER = "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c"
FAST: dict[str, Any] = {"poll_interval": 0.05, "max_poll_interval": 0.1, "metrics": ["correctness"]}


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=11, run_duration=0.2) as srv:
        yield srv


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as c:
        yield c


async def _prompts(client: AsyncGradientEvals, run_uuid: str) -> list[EvaluationPrompt]:
    return [p async for p in client.evaluation_runs.iter_results(run_uuid)]


def _tools(prompt: EvaluationPrompt) -> list[str]:
    names = []
    for span in prompt.evaluation_trace_spans:
        names += [span.name or ""] if span.type == TraceSpanType.TOOL else []
        names += [child.name or "" for child in span.spans if child.type == TraceSpanType.TOOL]
    return names


async def test_each_check_fails_exactly_the_prompts_it_should(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=40)
    checks = [
        Regex(r"ORD-\d{5}", name="quotes an order"),
        IsJSON(min_pass_rate=10),
        MaxOutputTokens(45),
        ToolCalled("lookup_order"),
    ]
    before = len(server.requests)
    report = await client.evaluate(
        dataset=dataset, test_case="orders", agent_uuids=[AGENT], baseline=None, checks=checks, **FAST
    )
    made = server.requests[before:]
    (agent,) = report.agents
    prompts = await _prompts(client, agent.evaluation_run_uuid)
    assert len(prompts) == 40

    def is_json(text: str) -> bool:
        try:
            json.loads(text)
        except ValueError:
            return False
        return True

    expected = {
        "quotes an order": {p.prompt_id for p in prompts if not re.search(r"ORD-\d{5}", p.output or "")},
        "is_json": {p.prompt_id for p in prompts if not is_json(p.output or "")},
        "max_output_tokens(45)": {p.prompt_id for p in prompts if int(p.output_tokens or 0) > 45},
        "tool_called(lookup_order)": {p.prompt_id for p in prompts if "lookup_order" not in _tools(p)},
    }
    found = {result.name: {f.prompt_id for f in result.failures} for result in agent.checks}
    assert found == expected
    for failing in expected.values():  # the emulator's answers make every check meaningful: some pass, some fail
        assert 0 < len(failing) < 40
    assert report.checks == tuple(expected)

    gates = {g.metric: g for g in agent.gates if g.kind == GateKind.CHECK}
    assert not gates["check:quotes an order"].passed
    assert gates["check:is_json"].passed  # at least 10% of the answers are JSON
    assert gates["check:is_json"].actual == pytest.approx(100 * (40 - len(expected["is_json"])) / 40)
    assert not report.passed
    assert f"check:quotes an order: {len(expected['quotes an order'])} of 40 prompts failed" in agent.verdict.reasons

    # Each check is a pass/fail metric of the run, with the reason on every failing prompt.
    assert agent.summary is not None
    metric = agent.summary.metric("check:quotes an order")
    assert metric is not None
    assert metric.pass_rate == pytest.approx((40 - len(expected["quotes an order"])) / 40)
    outcomes = {p.prompt_id: p for p in agent.prompts if "check:quotes an order" in " ".join(p.failures)}
    assert set(outcomes) == expected["quotes an order"]
    assert all(p.reasoning["check:quotes an order"] == r"does not match 'ORD-\\d{5}'" for p in outcomes.values())
    no_trace = [f for f in agent.checks[3].failures if f.reason == "no trace"]
    assert {f.prompt_id for f in no_trace} == {p.prompt_id for p in prompts if not p.evaluation_trace_spans}

    # The checks sent nothing: one test case and one run created, each results page read once.
    assert sum(r.method == "POST" for r in made) == 2
    pages = [r.path for r in made if r.path.endswith("/results")]
    assert len(pages) == len(set(pages)) == 1


async def test_tokens_and_cost_per_run_with_an_agent_price(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=20)
    pricing = {"input_per_million": 1.0, "output_per_million": 2.0, "agents": {OTHER: {"output_per_million": 10.0}}}
    report = await client.evaluate(
        dataset=dataset,
        test_case="costs",
        agent_uuids=[AGENT, OTHER],
        baseline=None,
        pricing=pricing,
        max_cost=0.0001,
        **FAST,
    )
    for agent, out_price in zip(report.agents, (2.0, 10.0), strict=True):
        prompts = await _prompts(client, agent.evaluation_run_uuid)
        assert agent.tokens is not None
        assert agent.tokens.input_total == sum(int(p.input_tokens or 0) for p in prompts)
        assert agent.tokens.output_total == sum(int(p.output_tokens or 0) for p in prompts)
        assert agent.tokens.uncounted == 0
        assert agent.cost is not None
        assert agent.cost.total == pytest.approx(
            (agent.tokens.input_total * 1.0 + agent.tokens.output_total * out_price) / 1e6
        )
        (gate,) = [g for g in agent.gates if g.kind == GateKind.MAX_COST]
        assert not gate.passed
        assert gate.message.startswith(f"cost ${agent.cost.total:.4g} is above $0.0001")
        assert agent.wall_time is not None
        assert agent.wall_time >= 0
    assert report.cost == pytest.approx(sum(a.cost.total for a in report.agents if a.cost))


async def test_longer_answers_and_a_dropped_tool_fail_the_paired_gates(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=40)
    tool = ToolCalled("lookup_order", min_pass_rate=0)
    gates: dict[str, Any] = {
        "max_output_tokens_increase_pct": 20,
        "max_regression": {"check:tool_called(lookup_order)": 5},
    }
    first = await client.evaluate(dataset=dataset, test_case="drift", agent_uuids=[AGENT], checks=[tool], **FAST)
    assert first.passed, first.verdict.reasons
    not_applied = {g.kind for g in first.agents[0].gates if g.status == "not applied"}
    assert not_applied == set()  # no gate asked for without its baseline here

    server.set_agent_answers(AGENT, verbosity=3.0, drop_tools=["lookup_order"])
    second = await client.evaluate(
        dataset=dataset,
        test_case="drift",
        agent_uuids=[AGENT],
        checks=[tool],
        **gates,
        **FAST,
    )
    (agent,) = second.agents
    assert agent.baseline_run_uuid == first.run_uuids[0]
    tokens = next(g for g in agent.gates if g.kind == GateKind.OUTPUT_TOKENS_INCREASE)
    assert not tokens.passed
    assert tokens.actual is not None
    assert tokens.actual > 100  # about three times the tokens
    # A check is a pass/fail metric: its regression is a regression gate like any metric's, paired (McNemar).
    regression = next(g for g in agent.gates if g.metric == "check:tool_called(lookup_order)" and g.statistics)
    assert regression.kind == GateKind.MAX_REGRESSION
    assert not regression.passed
    assert regression.statistics is not None
    assert regression.statistics.method == "mcnemar-exact"
    assert regression.statistics.delta is not None
    assert regression.statistics.delta < -30
    assert agent.checks[0].pass_rate == 0
    assert not second.passed


async def test_a_function_check_that_raises_fails_its_prompts_and_nothing_else(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=6)

    def strict(prompt: EvaluationPrompt) -> bool:
        raise RuntimeError("lookup table missing")

    report = await client.evaluate(
        dataset=dataset, test_case="fn", agent_uuids=[AGENT], baseline=None, checks=[strict], **FAST
    )
    (result,) = report.agents[0].checks
    assert [f.reason for f in result.failures] == ["RuntimeError: lookup table missing"] * 6
    assert not report.passed


@pytest.mark.parametrize(
    ("settings", "error", "message"),
    [
        ({"checks": [42]}, CheckError, "expected a check"),
        ({"checks": [Regex("x"), Regex("x")]}, CheckError, "two checks are called"),
        ({"pricing": {"input_per_million": -1}}, GradientEvalsError, "pricing.input_per_million"),
        ({"max_cost": -1, "pricing": {}}, ValueError, "max_cost must be"),
        ({"max_cost": 1}, ValueError, "max_cost needs a price table"),
        ({"max_output_tokens_increase_pct": float("nan")}, ValueError, "max_output_tokens_increase_pct"),
        ({"max_regression": {"check:nothing": 1}}, ValueError, "names no check"),
    ],
)
async def test_bad_settings_are_refused_before_any_request(
    server: FakeGradientServer,
    client: AsyncGradientEvals,
    settings: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    dataset = server.add_dataset(rows=3)
    before = len(server.requests)
    with pytest.raises(error, match=re.escape(message)):
        await client.evaluate(dataset=dataset, test_case="bad", agent_uuids=[AGENT], **settings, **FAST)
    assert server.requests[before:] == []


async def test_evaluate_failed_runs_the_checks_again_and_refuses_to_drop_them_silently(
    server: FakeGradientServer, client: AsyncGradientEvals
) -> None:
    dataset = server.add_dataset(rows=10)
    checks = [Regex(r"ORD-\d{5}", name="quotes an order")]
    first = await client.evaluate(
        dataset=dataset, test_case="orders", agent_uuids=[AGENT], baseline=None, checks=checks, **FAST
    )
    failing = {f.input for f in first.agents[0].checks[0].failures}
    assert failing
    before = len(server.requests)
    with pytest.raises(ValueError, match="the report ran checks on the answers \\('quotes an order'\\)"):
        await client.evaluate_failed(first, **{k: FAST[k] for k in ("poll_interval", "max_poll_interval")})
    assert all(r.method == "GET" for r in server.requests[before:])  # nothing created for the refused rerun
    again = await client.evaluate_failed(
        first, checks=checks, **{k: FAST[k] for k in ("poll_interval", "max_poll_interval")}
    )
    assert again.checks == ("quotes an order",)
    (result,) = again.agents[0].checks
    assert result.total == 10  # the merged results, every prompt checked anew
    assert {f.input for f in result.failures} == failing  # the emulator answers a row the same way again


async def test_evaluate_suites_adds_the_checks_given_to_every_suite(
    server: FakeGradientServer, client: AsyncGradientEvals, tmp_path: Path
) -> None:
    (tmp_path / "faq.csv").write_text("query\n" + "".join(f"Where is order {n}?\n" for n in range(8)), "utf-8")
    config = tmp_path / "gradient-evals.toml"
    config.write_text(
        f'[defaults]\nmetrics = ["correctness"]\npoll_interval = 0.05\nbaseline = "none"\n\n'
        f'[suites.a]\ndataset = "faq.csv"\nagents = ["{AGENT}"]\n\n'
        f'[[suites.a.checks]]\nkind = "is_json"\nmin_pass_rate = 0\n\n'
        f'[suites.b]\ndataset = "faq.csv"\nagents = ["{OTHER}"]\n',
        encoding="utf-8",
    )
    suites = load_config(config).suites
    outcomes = await client.evaluate_suites(
        suites, checks=[NotContains(["Acme Corp"])], pricing={"output_per_million": 1.0}
    )
    reports = {o.name: o.report for o in outcomes}
    assert all(r is not None for r in reports.values()), [o.error for o in outcomes]
    assert reports["a"] is not None
    assert reports["b"] is not None
    assert reports["a"].checks == ("is_json", "not_contains(Acme Corp)")
    assert reports["b"].checks == ("not_contains(Acme Corp)",)
    assert all(a.cost is not None for r in (reports["a"], reports["b"]) for a in r.agents)
    before = len(server.requests)
    with pytest.raises(ConfigError, match="suite 'a', key 'checks': two checks are called 'is_json'"):
        await client.evaluate_suites(suites, checks=[IsJSON()])
    assert server.requests[before:] == []
