"""``gradient-evals evaluate``: a dataset against agents with metrics and gates, in one command, with CI reports.

Exit codes: 0 every gate passed; 1 a gate failed; 2 usage; 3 API, network or file error; 4 a run FAILED, was
CANCELLED or timed out (never 0 then); 130 interrupted.

Order: report destinations are checked before anything is created; the verdict is printed first, then the reports
are written. A report that still cannot be written is named on stderr and turns only a passing verdict into 3: a
failed gate stays 1 and a failed run 4.
"""

from __future__ import annotations

import argparse

from ...results import EvaluationReport
from ...workflows._files import check_report_destinations
from ...workflows.evaluate_settings import DEFAULT_EVALUATE_TIMEOUT, EvaluationSettings
from ...workflows.explain import DEFAULT_ANSWERS_SHOWN
from ...workflows.gates import INTERVALS, REGRESSION_TESTS
from ...workflows.wait import DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL
from .._args import Subcommands, add_command, add_gate_options, metric_value, non_negative_int, positive_float
from .._context import (
    EXIT_USAGE,
    CommandError,
    Context,
)
from .._flags import speaking_flags
from .._settings_flags import given_settings
from ._evaluate_output import (
    STEP_SUMMARY_ENV,
    EvaluateProgress,
    exit_code_of,
    finish,
    show,
    show_report,
    warnings_of,
    write_reports,
)
from ._github import PullRequestComment

# The output helpers are re-exported: the demo and the tests take them from here, as the command uses them.
__all__ = [
    "EvaluateProgress",
    "add_evaluate_options",
    "exit_code_of",
    "finish",
    "register",
    "reproduce_command",
    "show",
    "show_report",
    "warnings_of",
    "write_reports",
]


def register(commands: Subcommands) -> None:
    """Add ``evaluate``."""
    parser = add_command(
        commands,
        "evaluate",
        run_evaluate,
        "run a dataset against agents with metrics, compare with the last run, gate, and write CI reports",
    )
    add_evaluate_options(parser)


def _threshold_pct(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


def add_evaluate_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``evaluate``."""
    parser.add_argument(
        "--dataset",
        metavar="CSV|UUID",
        help="a CSV file, or an existing dataset UUID (without it: the suites of gradient-evals.toml)",
    )
    parser.add_argument("--test-case", metavar="NAME|UUID", help="found by name (or created), or a UUID")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the suites' file (default: ./gradient-evals.toml, or [tool.gradient-evals] in ./pyproject.toml)",
    )
    parser.add_argument(
        "--suite", action="append", default=[], metavar="NAME", help="run only this suite of the config (repeatable)"
    )
    parser.add_argument(
        "--allow-outside",
        action="store_true",
        help="let the config's dataset files lie outside its folder (as allow_outside = true in every suite)",
    )
    parser.add_argument("--metric", action="append", default=[], metavar="NAME|UUID", help="a metric (repeatable)")
    parser.add_argument("--star-metric", metavar="NAME|UUID", help="the metric that ranks agents and decides a pass")
    parser.add_argument("--threshold-pct", type=_threshold_pct, metavar="N", help="the star metric's pass threshold")
    parser.add_argument(
        "--agent", action="append", default=[], metavar="NAME|UUID", help="an agent, by name or UUID (repeatable)"
    )
    parser.add_argument(
        "--deployment", action="append", default=[], metavar="NAME", help="an agent deployment name (repeatable)"
    )
    parser.add_argument("--run-name", help="the name of the runs")
    parser.add_argument(
        "--baseline",
        metavar="latest|none|RUN",
        help="compare with each agent's latest finished run of this test case version (default), a run, or none",
    )
    parser.add_argument(
        "--baseline-any-version",
        action="store_true",
        help="take the latest baseline from any version of the test case, not only this evaluation's",
    )
    add_gate_options(parser)  # --fail-under, --pass-threshold: for a lower-is-better metric, a ceiling
    parser.add_argument(
        "--max-regression",
        action="append",
        type=metric_value,
        default=[],
        metavar="METRIC=POINTS",
        help="exit 1 when the metric's score got worse than the baseline's by more than POINTS (also per slice)",
    )
    parser.add_argument(
        "--require-complete", action="store_true", help="fail a partial run or any errored or skipped metric"
    )
    parser.add_argument(
        "--require-baseline",
        action="store_true",
        help="fail the --max-regression gates (exit 1) when an agent has no baseline, instead of not applying them",
    )
    parser.add_argument(
        "--max-cost", type=float, metavar="DOLLARS", help="exit 1 when a run costs more (needs [pricing] in the config)"
    )
    parser.add_argument(
        "--max-output-tokens-increase-pct",
        type=float,
        metavar="PCT",
        help="exit 1 when output tokens per prompt grew by more than PCT percent against the baseline (paired)",
    )
    parser.add_argument(
        "--require-conclusive",
        action="store_true",
        help="fail a --max-regression gate whose 95%% interval straddles the allowed worsening (too few prompts)",
    )
    parser.add_argument(
        "--regression-test",
        choices=REGRESSION_TESTS,
        help="decide --max-regression on the prompts paired by input (paired, the default) or on the means (point)",
    )
    parser.add_argument(
        "--interval",
        choices=INTERVALS,
        help="the interval of a numeric metric's paired change: paired t (the default) or a seeded bootstrap",
    )
    parser.add_argument(
        "--repeats", type=int, metavar="K", help="runs per agent, 1 to 10 (default 1): flaky prompts are named"
    )
    parser.add_argument("--max-runs", type=int, metavar="N", help="the most runs this call may create (default 100)")
    parser.add_argument(
        "--quarantine", metavar="FILE", help="prompt inputs, one a line: evaluated and shown, left out of the gates"
    )
    parser.add_argument(
        "--quarantine-flaky", action="store_true", help="add this evaluation's flaky prompts to the --quarantine file"
    )
    parser.add_argument("--slice-by", metavar="COLUMN", help="a column of the CSV to report scores per value of")
    parser.add_argument(
        "--dataset-name",
        metavar="NAME",
        help="the uploaded dataset's name, before its content hash (default: the test case's)",
    )
    # No defaults in the parser: with a config file, only a flag actually given overrides it; a single evaluation
    # takes the defaults of EvaluationSettings (see _settings_flags.given_settings).
    parser.add_argument(
        "--timeout", type=positive_float, help=f"overall seconds (default {DEFAULT_EVALUATE_TIMEOUT:g})"
    )
    parser.add_argument(
        "--poll-interval", type=positive_float, help=f"first poll gap (default {DEFAULT_POLL_INTERVAL:g} s)"
    )
    parser.add_argument(
        "--max-poll-interval", type=positive_float, help=f"longest poll gap (default {DEFAULT_MAX_POLL_INTERVAL:g} s)"
    )
    parser.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--markdown", metavar="FILE", help=f"write a Markdown summary (also to ${STEP_SUMMARY_ENV})")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument(
        "--github-comment",
        action="store_true",
        help="in a pull request's workflow, post the summary as the pull request's comment, updated on later runs"
        " (never changes the exit code)",
    )
    parser.add_argument(
        "--github-token",
        metavar="TOKEN",
        help="the token of --github-comment (default: $GITHUB_TOKEN); sent to $GITHUB_API_URL only",
    )
    parser.add_argument(
        "--answers",
        type=non_negative_int,
        default=DEFAULT_ANSWERS_SHOWN,
        metavar="N",
        help=f"failed prompts whose answers the HTML shows, the worst first (default {DEFAULT_ANSWERS_SHOWN})",
    )


def reproduce_command(args: argparse.Namespace, report: EvaluationReport) -> str:
    """The command that runs this evaluation again on the same dataset and test case version's settings."""
    import shlex

    parts = [
        "gradient-evals",
        "evaluate",
        "--dataset",
        report.dataset_uuid or args.dataset,
        "--test-case",
        report.test_case_uuid,
    ]
    for metric in args.metric:
        parts += ["--metric", metric]
    if args.star_metric:
        parts += ["--star-metric", args.star_metric]
    if args.threshold_pct is not None:
        parts += ["--threshold-pct", str(args.threshold_pct)]
    for agent in args.agent:
        parts += ["--agent", agent]
    for deployment in args.deployment:
        parts += ["--deployment", deployment]
    for option, values in (
        ("--fail-under", args.fail_under),
        ("--max-regression", args.max_regression),
        ("--pass-threshold", args.pass_threshold),
    ):
        for name, value in values:
            parts += [option, f"{name}={value:g}"]
    baseline = args.baseline or "latest"
    if report.baseline_run_uuids and baseline != "none":
        parts += ["--baseline", baseline]
    elif baseline == "none":
        parts += ["--baseline", "none"]
    if args.slice_by and report.dataset_uuid is None:
        parts += ["--slice-by", args.slice_by]
    if args.require_complete:
        parts.append("--require-complete")
    if args.baseline_any_version:
        parts.append("--baseline-any-version")
    if args.repeats is not None and args.repeats != 1:
        parts += ["--repeats", str(args.repeats)]
    return shlex.join(parts)


def run_evaluate(ctx: Context) -> int:
    """``evaluate``: see :func:`gradient_evals.workflows.evaluate.evaluate`."""
    args = ctx.args
    if args.dataset is None:
        from ._suites import run_config_suites

        return run_config_suites(ctx)
    if args.test_case is None:
        raise CommandError("--test-case is required with --dataset", EXIT_USAGE)
    if args.config or args.suite or args.allow_outside:
        raise CommandError(
            "--config, --suite and --allow-outside are about the suites of a config file: leave out --dataset",
            EXIT_USAGE,
        )
    check_report_destinations([args.junit_xml, args.markdown, args.html])  # before anything is created
    with speaking_flags(), ctx.client() as client, EvaluateProgress(ctx) as progress:
        # The settings the flags give; EvaluationSettings holds the defaults of those not given.
        report = client.evaluate(EvaluationSettings(**given_settings(args), on_progress=progress))
    comment = None
    if args.github_comment:
        comment = PullRequestComment(config=args.dataset, suites=(args.test_case,), token=args.github_token)
    reports = {"junit": args.junit_xml, "markdown": args.markdown, "html": args.html}
    return finish(ctx, report, **reports, answers=args.answers, comment=comment)
