"""Every report shows each regression gate's paired statistics: the change, the 95% interval, p, n, the method and
the outcome; an inconclusive gate is a skipped JUnit case with its interval; the HTML draws a forest plot."""

from __future__ import annotations

import io
import json
import math
import random
import re
import xml.etree.ElementTree as ET

import pytest
from reports.report_pages import AGENT_A, AGENT_B, TEST_CASE, pages, prompt, run, uuid_of
from rich.console import Console

from gradient_evals.cli._render import to_jsonable
from gradient_evals.reports._statistics import forest_plot, gate_statistics
from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.reports.terminal import render_terminal
from gradient_evals.results import AgentResult, EvaluationReport
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report

pytestmark = pytest.mark.anyio

_METRIC = "correct<b>ness</b>"  # untrusted text in every renderer


def _values(n: int, shift: float, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    difficulty = [rng.gauss(70, 10) for _ in range(n)]
    return [d + shift + rng.gauss(0, 5) for d in difficulty], [d + rng.gauss(0, 5) for d in difficulty]


async def _agent(uuid: int, agent: str, name: str, n: int, shift: float, settings: GateSettings) -> AgentResult:
    cand, base = _values(n, shift, uuid)
    the_run = run(uuid_of(uuid), agent, name)
    return await build_agent_result(
        run_uuid=uuid_of(uuid),
        run=the_run,
        pages=pages([prompt(i + 1, f"q{i}", {_METRIC: v}) for i, v in enumerate(cand)], the_run, per_page=100),
        settings=settings,
        baseline_run_uuid=uuid_of(uuid + 10),
        baseline_pages=pages([prompt(i + 1, f"q{i}", {_METRIC: v}) for i, v in enumerate(base)], per_page=100),
    )


@pytest.fixture
async def report() -> EvaluationReport:
    """Agent A regresses clearly over 200 prompts; agent B's 6 prompts cannot tell (inconclusive)."""
    settings = GateSettings(max_regression={_METRIC: 5.0})
    a = await _agent(1, AGENT_A, "alpha", 200, -15.0, settings)
    b = await _agent(2, AGENT_B, "beta", 6, -5.0, settings)
    return build_report(test_case_uuid=TEST_CASE, test_case_name="support", agents=[a, b], settings=settings)


def _gate_outcomes(report: EvaluationReport) -> list[str]:
    return [g.outcome for a in report.agents for g in a.gates if g.kind == "max_regression"]


async def test_the_fixture_has_a_failed_and_an_inconclusive_gate(report: EvaluationReport) -> None:
    assert _gate_outcomes(report) == ["failed", "inconclusive"]


async def test_markdown_has_a_row_per_regression_gate(report: EvaluationReport) -> None:
    text = render_markdown(report)
    section = text[text.index("### Regression gates") :]
    section = section[: section.index("###", 3)]
    rows = [line for line in section.splitlines() if line.startswith("| alpha") or line.startswith("| beta")]
    assert len(rows) == 2
    assert "**FAILED**" in rows[0]
    assert "paired-t" in rows[0]
    assert "| 200 |" in rows[0]
    assert "inconclusive" in rows[1]
    assert "prompts would decide" in rows[1]
    assert "<b>" not in section  # the metric's name is escaped
    stats = report.agents[0].gates[1].statistics
    assert stats is not None
    assert f"{stats.ci_low:+.4g} to {stats.ci_high:+.4g}" in rows[0]  # the tables' four digits


async def test_the_terminal_shows_the_statistics(report: EvaluationReport) -> None:
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "regression gates (prompts paired by input)" in text
    assert "inconclusive" in text
    assert "paired-t" in text


async def test_junit_skips_an_inconclusive_gate_with_its_interval(report: EvaluationReport) -> None:
    root = ET.fromstring(render_junit(report))  # noqa: S314 - our own output
    beta = next(s for s in root.findall("testsuite") if "beta" in (s.get("name") or ""))
    case = next(c for c in beta.findall("testcase") if "worsens by at most" in (c.get("name") or ""))
    skipped = case.find("skipped")
    assert skipped is not None
    message = skipped.get("message") or ""
    assert message.startswith("inconclusive: ")
    assert "95% interval of the change" in message
    assert case.find("failure") is None
    alpha = next(s for s in root.findall("testsuite") if "alpha" in (s.get("name") or ""))
    failed = next(c for c in alpha.findall("testcase") if "worsens by at most" in (c.get("name") or ""))
    assert failed.find("failure") is not None


async def test_html_draws_a_forest_plot_with_finite_coordinates_and_no_script(report: EvaluationReport) -> None:
    page = render_html(report)
    assert "<script" not in page.lower()
    plots = re.findall(r'<svg class="forest".*?</svg>', page, re.S)
    assert len(plots) == 2
    for plot in plots:
        numbers = re.findall(r'(?:x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"', plot)
        assert numbers
        assert all(math.isfinite(float(n)) for n in numbers)
    assert "<b>ness" not in page  # escaped
    assert "Regression gates, on the prompts paired by input" in page


async def test_the_json_of_a_regression_gate_has_its_outcome_and_statistics(report: EvaluationReport) -> None:
    data = json.loads(json.dumps(to_jsonable(report)))
    gates = [g for a in data["agents"] for g in a["gates"] if g["kind"] == "max_regression"]
    assert [g["outcome"] for g in gates] == ["failed", "inconclusive"]
    for gate in gates:
        statistics = gate["statistics"]
        for key in ("method", "n", "delta", "ci_low", "ci_high", "p_value", "mde", "prompts_needed"):
            assert key in statistics
        assert statistics["method"] == "paired-t"
    assert gates[0]["statistics"]["prompts_needed"] is None
    assert isinstance(gates[1]["statistics"]["prompts_needed"], int)


async def test_a_huge_score_draws_no_plot_rather_than_a_nan() -> None:
    settings = GateSettings(max_regression={_METRIC: 5.0})
    the_run = run(uuid_of(3), AGENT_A, "alpha")
    values = [1e308, -1e308, 1e308, -1e308]
    agent = await build_agent_result(
        run_uuid=uuid_of(3),
        run=the_run,
        pages=pages([prompt(i + 1, f"q{i}", {_METRIC: v}) for i, v in enumerate(values)], the_run),
        settings=settings,
        baseline_run_uuid=uuid_of(13),
        baseline_pages=pages([prompt(i + 1, f"q{i}", {_METRIC: v / 2}) for i, v in enumerate(values)]),
    )
    report = build_report(test_case_uuid=TEST_CASE, agents=[agent], settings=settings)
    rows = gate_statistics(report)
    assert len(rows) == 1
    plot = forest_plot(rows)
    if plot is not None:  # drawn only where every coordinate is finite
        lines = plot["lines"]
        assert isinstance(lines, list)
        assert all(math.isfinite(v) for line in lines for k, v in line.items() if k in ("x1", "x2", "cx", "margin_x"))
    assert "nan" not in render_markdown(report).lower()
