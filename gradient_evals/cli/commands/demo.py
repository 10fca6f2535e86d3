"""``gradient-evals demo``: ``evaluate`` end to end on a local emulator (no token, no network).

The demo evaluates a CSV shipped with the package (``data/support-bot.csv``) against two agents twice: an
earlier run that becomes the baseline, then tonight's run, in which the second agent's correctness has dropped.
That regression fails the ``max_regression`` gate on purpose, so the demo shows a failing verdict and still
exits 0 (``pip install . && gradient-evals demo`` must not break a ``&&`` chain); ``--strict`` exits as
``evaluate`` would (1 for the failed gate). A run that FAILED or timed out is a real fault: exit 4 either way.
As in ``evaluate``, the verdict is printed before the reports are written, and a report that cannot be written
turns only a passing exit code into 3.
"""

from __future__ import annotations

import argparse
import shlex
from importlib import resources
from pathlib import Path
from typing import Final

import attrs

from ...results import EvaluationReport
from ...workflows.evaluate_plan import check_report_destinations
from ...workflows.evaluate_settings import EvaluationSettings
from .._args import Subcommands, positive_float
from .._context import EXIT_API_ERROR, EXIT_OK, Context
from .._render import escape_text
from ._local import add_local_command, refuse_api_options
from .evaluate import EvaluateProgress, exit_code_of, show_report, warnings_of, write_reports

__all__ = ["DEFAULT_OUTPUT", "DEMO_AGENTS", "register"]

DEFAULT_OUTPUT: Final = "gradient-evals-demo"
"""The folder the demo writes into, under the current directory, unless ``--output`` says otherwise."""
DEMO_AGENTS: Final = ("3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b", "4d0e3b52-8c7f-4021-8b9c-2d3e4f5a6b7c")
DATASET_FILE: Final = "support-bot.csv"
TEST_CASE: Final = "support-bot"
METRICS: Final = ("correctness", "hallucination_rate", "tone")
STAR_METRIC: Final = "correctness"
STAR_THRESHOLD_PCT: Final = 70
FAIL_UNDER: Final = {"correctness": 50.0}
# Points a score may lose against the baseline. The demo dataset is small (about six prompts per topic), so a
# slice's interval is wide: the regression it makes (84 -> 40 on correctness) is clear even on six prompts.
MAX_REGRESSION: Final = {"correctness": 15.0, "hallucination_rate": 10.0}
SLICE_BY: Final = "topic"
QUALITY: Final = 84.0
REGRESSED_CORRECTNESS: Final = 40.0
REPORT_FILES: Final = {"junit": "junit.xml", "markdown": "summary.md", "html": "report.html"}


def register(commands: Subcommands) -> None:
    """Add ``demo``."""
    demo = add_local_command(
        commands,
        "demo",
        run_demo,
        "evaluate a CSV against two agents on a local emulator, with a baseline and a regression (no token needed)",
        note="Progress is drawn on stderr only when stderr is a terminal.",
    )
    demo.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,  # a --json before the command counts too
        help="the report as JSON on stdout; the steps and the reports' paths go to stderr",
    )
    demo.add_argument(
        "--output",
        metavar="DIR",
        help=f"folder for the dataset copy and the JUnit, Markdown and HTML reports (default ./{DEFAULT_OUTPUT})",
    )
    demo.add_argument("--duration", type=positive_float, default=1.0, help="seconds each run takes (default 1)")
    demo.add_argument(
        "--strict",
        action="store_true",
        help="exit as `evaluate` would: 1, since the demo's regression fails a gate (default: 0, verdict printed)",
    )


def _evaluate_command(dataset: Path) -> str:
    """The ``evaluate`` command that runs this evaluation against real agents (``$AGENT_A``, ``$AGENT_B``)."""
    parts = ["gradient-evals", "evaluate", "--dataset", str(dataset), "--test-case", TEST_CASE]
    for metric in METRICS:
        parts += ["--metric", metric]
    parts += ["--star-metric", STAR_METRIC, "--threshold-pct", str(STAR_THRESHOLD_PCT)]
    for name, value in FAIL_UNDER.items():
        parts += ["--fail-under", f"{name}={value:g}"]
    for name, value in MAX_REGRESSION.items():
        parts += ["--max-regression", f"{name}={value:g}"]
    parts += ["--slice-by", SLICE_BY]
    for option, name in (("--junit-xml", "junit"), ("--markdown", "markdown"), ("--html", "html")):
        parts += [option, REPORT_FILES[name]]
    # The agents are shell variables the reader sets: left unquoted by shlex on purpose.
    return shlex.join(parts[:4]) + ' --agent "$AGENT_A" --agent "$AGENT_B" ' + shlex.join(parts[4:])


CONFIG_FILE: Final = "gradient-evals.toml"


def _config_text() -> str:
    """The demo's evaluation as a suite of ``gradient-evals.toml``, for ``evaluate --config`` on real agents."""

    def table(values: dict[str, float]) -> str:
        return "{ " + ", ".join(f"{name} = {value:g}" for name, value in values.items()) + " }"

    metrics = ", ".join(f'"{m}"' for m in METRICS)
    return (
        "# The demo's evaluation as a suite: put your agents' names (or UUIDs) in `agents`, then\n"
        "# gradient-evals evaluate --config gradient-evals.toml\n\n"
        f"[suites.{TEST_CASE}]\n"
        f'dataset = "{DATASET_FILE}"\n'
        'agents = ["your-first-agent", "your-second-agent"]\n'
        f"metrics = [{metrics}]\n"
        f'star_metric = "{STAR_METRIC}"\n'
        f"star_threshold_pct = {STAR_THRESHOLD_PCT}\n"
        f"fail_under = {table(FAIL_UNDER)}\n"
        f"max_regression = {table(MAX_REGRESSION)}\n"
        f'slice_by = "{SLICE_BY}"\n'
    )


def run_demo(ctx: Context) -> int:
    """``demo``: upload the shipped CSV, run two agents twice (a baseline, then a regression), gate, report."""
    from ..._sync import GradientEvals
    from ...testing import FakeGradientServer

    args = ctx.args
    refuse_api_options(ctx, "the demo runs on its own local emulator, with its own token")
    say = ctx.note if ctx.json else ctx.out
    output = Path(args.output or DEFAULT_OUTPUT).resolve()
    output.mkdir(parents=True, exist_ok=True)
    check_report_destinations([output / name for name in REPORT_FILES.values()])  # before the emulator runs
    dataset = output / DATASET_FILE
    # A copy next to the reports, so the printed commands name a file the reader has.
    dataset.write_bytes(resources.files("gradient_evals.cli").joinpath("data", DATASET_FILE).read_bytes())
    config = output / CONFIG_FILE
    if not config.exists():  # a config the reader already edited there is theirs
        config.write_text(_config_text(), encoding="utf-8")
    settings = EvaluationSettings(
        dataset=dataset,
        test_case=TEST_CASE,
        agent_uuids=list(DEMO_AGENTS),
        metrics=list(METRICS),
        star_metric=STAR_METRIC,
        star_threshold_pct=STAR_THRESHOLD_PCT,
        fail_under=FAIL_UNDER,
        max_regression=MAX_REGRESSION,
        slice_by=SLICE_BY,
        timeout=max(60.0, args.duration * 20),
        poll_interval=min(0.2, args.duration / 4),
        max_poll_interval=max(0.5, args.duration / 2),
    )
    with FakeGradientServer(seed=1, run_duration=args.duration) as server:
        for agent in DEMO_AGENTS:
            server.set_agent_profile(agent, quality=QUALITY)
        say(f"emulator listening on {server.base_url} (local: no token, no network)")
        say(f"dataset {dataset} ({DATASET_FILE}, shipped with the package); agents {', '.join(DEMO_AGENTS)}")
        with GradientEvals(server.token, base_url=server.base_url) as client:
            say("1/2  an earlier run of both agents: it becomes the baseline")
            with EvaluateProgress(ctx) as progress:
                last_week = attrs.evolve(settings, run_name="demo: last week", baseline=None, on_progress=progress)
                earlier = client.evaluate(last_week)
            say(f"     runs {', '.join(earlier.run_uuids)}: {'passed' if earlier.passed else 'FAILED'}")
            # Tonight the second agent answers less correctly; everything else stays as it was.
            server.set_agent_profile(DEMO_AGENTS[1], quality=QUALITY, metrics={"correctness": REGRESSED_CORRECTNESS})
            say("2/2  tonight's run, compared with each agent's latest finished run (the second agent regressed)")
            with EvaluateProgress(ctx) as progress:
                tonight = attrs.evolve(settings, run_name="demo: tonight", baseline="latest", on_progress=progress)
                report = client.evaluate(tonight)
    # The same order as `evaluate`: the verdict first, then the reports; a report that cannot be written turns
    # only a passing exit code into 3.
    show_report(ctx, report)
    for line in warnings_of(report):
        ctx.note(line)
    code = exit_code_of(report) if args.strict or report.run_failed else EXIT_OK
    try:
        written = write_reports(
            report,
            junit=str(output / REPORT_FILES["junit"]),
            markdown=str(output / REPORT_FILES["markdown"]),
            html=str(output / REPORT_FILES["html"]),
            step_summary=False,  # a demo does not belong in a CI job's summary
        )
    except (OSError, UnicodeError) as exc:
        ctx.note(escape_text(f"cannot write a report: {exc}"))
        return EXIT_API_ERROR if code == EXIT_OK else code
    _ending(ctx, report, written, output, dataset)
    return code


def _ending(
    ctx: Context, report: EvaluationReport, written: list[tuple[str, Path]], output: Path, dataset: Path
) -> None:
    """The reports' paths and the commands to reproduce: the last lines, on stdout (stderr with ``--json``)."""
    say = ctx.note if ctx.json else ctx.out
    args = ctx.args
    say("")
    say(f"reports written to {output}:")
    for kind, path in written:
        say(f"  {kind:<10} {path}")
    if not report.passed:
        gate = "exit code 1 with --strict" if not args.strict else "exit code 1"
        say(f"verdict: FAILED, as the demo intends (a regression fails the gate; {gate}, as `evaluate` exits)")
    else:
        say("verdict: passed")
    command = ["gradient-evals", "demo", "--output", str(output)]
    if args.duration != 1.0:
        command += ["--duration", f"{args.duration:g}"]
    if args.strict:
        command.append("--strict")
    say(f"reproduce: {shlex.join(command)}")
    say(f"as a suite on your agents: put them in {output / CONFIG_FILE}, then")
    say(f"  {shlex.join(['gradient-evals', 'evaluate', '--config', str(output / CONFIG_FILE)])}")
    say("the same on your agents (token in DIGITALOCEAN_ACCESS_TOKEN):")
    say(f"  {_evaluate_command(dataset)}")
