"""``gradient-evals evaluate`` without ``--dataset``: every suite of ``gradient-evals.toml``, concurrently.

Flags given with a configuration override its keys for every suite. One report of each kind asked for covers
every suite (see :mod:`gradient_evals.reports.suites`). The exit code is the worst over the suites: 4 (a run
FAILED, was CANCELLED or timed out) over 3 (a suite hit an API or file error) over 1 (a gate failed) over 0; a
bad configuration, an unknown agent or metric is 2, before anything is created.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import attrs

from ..._exceptions import EvaluationRunFailed, EvaluationRunTimeout
from ...results import EvaluationProgress
from ...workflows._files import check_report_destinations
from ...workflows.suite_config import ConfigError, apply_overrides, find_config, load_config
from ...workflows.suites import SuiteOutcome
from .._context import EXIT_API_ERROR, EXIT_GATE_FAILED, EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, CommandError, Context
from .._render import dump_json, escape_text
from .._settings_flags import given_settings
from ._evaluate_output import EvaluateProgress, exit_code_of, show_report, warnings_of, write_after_verdict
from ._github import PullRequestComment, config_label

__all__ = ["overrides_of", "run_config_suites", "suites_exit_code"]

_SEVERITY = (EXIT_OK, EXIT_GATE_FAILED, EXIT_API_ERROR, EXIT_RUN_FAILED)


def overrides_of(args: argparse.Namespace) -> dict[str, Any]:
    """The suite keys the command line sets: only the flags actually given (a default overrides nothing)."""
    given = given_settings(args)
    if "test_case" in given:
        raise CommandError(
            "--test-case goes with --dataset: each suite of a config names its own test case", EXIT_USAGE
        )
    return given


def _error_code(error: Exception) -> int:
    # A suite's own failure, as the command would exit had it run alone: a run that failed or ran out of time is
    # 4, anything else that reaches here (API, network, file) 3. Usage errors never get here: they stop every
    # suite before any starts.
    return EXIT_RUN_FAILED if isinstance(error, EvaluationRunTimeout | EvaluationRunFailed) else EXIT_API_ERROR


def suites_exit_code(outcomes: list[SuiteOutcome]) -> int:
    """The worst exit code over the suites."""
    codes = [EXIT_OK]
    for outcome in outcomes:
        if outcome.report is not None:
            codes.append(exit_code_of(outcome.report))
        elif outcome.error is not None:
            codes.append(_error_code(outcome.error))
    return max(codes, key=_SEVERITY.index)


def run_config_suites(ctx: Context) -> int:
    """Run the configuration's suites (all, or those of ``--suite``) and write one report of each kind."""
    args = ctx.args
    try:
        path = Path(args.config) if args.config else find_config(Path.cwd())
        if path is None:
            raise CommandError(
                "no --dataset and no gradient-evals.toml here: give --dataset (and --test-case), or --config PATH,"
                " or write one with `gradient-evals init`",
                EXIT_USAGE,
            )
        config = load_config(path, allow_outside=args.allow_outside)
        suites = apply_overrides(config.select(args.suite), overrides_of(args))
    except ConfigError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    comment = None
    if args.github_comment or config.github_comment:
        comment = PullRequestComment(config=config_label(path), suites=tuple(args.suite), token=args.github_token)
    check_report_destinations([args.junit_xml, args.markdown, args.html])  # before anything is created
    with ctx.client() as client, EvaluateProgress(ctx) as progress:

        def on_progress(suite: str, event: EvaluationProgress) -> None:
            progress(attrs.evolve(event, message=f"{suite}: {event.message}"))

        try:
            outcomes = client.evaluate_suites(suites, on_progress=on_progress)
        except ConfigError as exc:
            raise CommandError(str(exc), EXIT_USAGE) from None
    return _finish(ctx, outcomes, comment)


def _finish(ctx: Context, outcomes: list[SuiteOutcome], comment: PullRequestComment | None) -> int:
    from ...reports.suites import SuitesDocument

    if ctx.json:
        dump_json(
            [
                {"suite": o.suite.name, "report": o.report, "error": None if o.error is None else str(o.error)}
                for o in outcomes
            ],
            ctx.stdout,
        )
    for outcome in outcomes:
        if not ctx.json:
            ctx.out(f"== suite {outcome.suite.name} ==")
        if outcome.report is not None:
            if not ctx.json:
                show_report(ctx, outcome.report)
            for line in warnings_of(outcome.report):
                ctx.note(f"{outcome.suite.name}: {line}")
        elif outcome.error is not None:
            error = outcome.error
            ctx.note(escape_text(f"{outcome.suite.name}: could not run: {type(error).__name__}: {error}"))
    args = ctx.args
    document = SuitesDocument(outcomes)
    return write_after_verdict(
        ctx,
        document,
        suites_exit_code(outcomes),
        junit=args.junit_xml,
        markdown=args.markdown,
        html=args.html,
        answers=args.answers,
        comment=comment,
    )
