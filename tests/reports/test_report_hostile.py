"""Reports never fail: API text with NUL, ESC, BEL, bidi overrides or lone surrogates still renders and encodes."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import anyio
import pytest

from gradient_evals.reports._format import clean
from gradient_evals.reports.html import render_html
from gradient_evals.reports.junit import render_junit
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.results import EvaluationReport, GateKind
from gradient_evals.workflows.gates import GateSettings
from gradient_evals.workflows.report import build_agent_result, build_report

NASTY = "bad\x00 \x1b[2J\x07 \ud800 \u202egnp.exe \x9b"


async def _report(kit: SimpleNamespace) -> EvaluationReport:
    settings = GateSettings(fail_under={NASTY: 50.0}, max_regression={"correctness": 1.0})
    failed = kit.run(kit.uuid_of(1), kit.AGENT_A, NASTY, status="EVALUATION_RUN_FAILED", error_description=NASTY)
    ok = kit.run(kit.uuid_of(2), kit.AGENT_B, "b")
    prompts = [kit.prompt(1, NASTY, {NASTY: 10.0, "correctness": 5.0}, output=NASTY)]
    agents = [
        await build_agent_result(run_uuid=kit.uuid_of(1), run=failed, pages=[], settings=settings),
        await build_agent_result(
            run_uuid=kit.uuid_of(2),
            run=ok,
            pages=kit.pages(prompts),
            settings=settings,
            baseline_missing=f"no finished run of version 2 to compare with {NASTY}",
        ),
    ]
    return build_report(
        test_case_uuid=kit.TEST_CASE,
        test_case_name=NASTY,
        agents=agents,
        settings=settings,
        metrics=[NASTY, "correctness"],
        test_case_change=f"this call made version 3 ({NASTY})",
        notes=[NASTY],
    )


@pytest.fixture(scope="module")
def nasty(kit: SimpleNamespace) -> EvaluationReport:
    return anyio.run(_report, kit)


@pytest.mark.parametrize("render", [render_html, render_markdown, render_junit])
def test_every_report_encodes_as_utf8_whatever_the_api_sent(
    nasty: EvaluationReport, render: Callable[[EvaluationReport], str]
) -> None:
    text = render(nasty)
    text.encode("utf-8")  # a lone surrogate would raise here
    for char in ("\x00", "\x1b", "\x07", "\u202e", "\x9b"):
        assert char not in text


def test_the_sanitiser_keeps_what_is_readable() -> None:
    assert clean("caf\u00e9 \u4e2d \U0001f600 a\tb") == "caf\u00e9 \u4e2d \U0001f600 a\tb"
    assert clean("\ud800x") == "\ufffdx"
    assert clean(NASTY).encode("utf-8")


def test_a_gate_not_applied_is_in_every_report(nasty: EvaluationReport) -> None:
    gates = [(a.label, g) for a, g in nasty.gates_not_applied]
    assert any(g.kind == GateKind.MAX_REGRESSION and "version 2" in g.message for _, g in gates)
    assert nasty.passed is False  # the failed run, not the gate not applied
    junit = render_junit(nasty)
    assert "<skipped" in junit
    assert "not applied" in junit
    for text in (render_markdown(nasty), render_html(nasty)):
        assert "not applied" in text
        assert "version 3" in text  # the new test case version is reported
