"""``gradient-evals emulator``: serve the API emulator until interrupted."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any, TextIO

from .._args import Subcommands, add_command, non_negative_int
from .._context import EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, CommandError, Context
from .._render import escape_text
from ._local import add_local_command, refuse_api_options

__all__ = ["register"]

_NOTE = """\
Prints one JSON line (base_url, token, test_case_uuid, agent_uuid, evaluation_run_uuids) once it listens,
then serves until Ctrl-C (exit 130) or SIGTERM (exit 0).

With --env it prints shell `export` lines instead and closes its stdout, so that

  eval "$(gradient-evals emulator --env &)"

starts it in the background and sets GRADIENT_BASE_URL and DIGITALOCEAN_ACCESS_TOKEN (which the SDK and every
other command read), GRADIENT_TEST_CASE_UUID, GRADIENT_AGENT_UUID and GRADIENT_RUN_UUID (the emulator's ids, for
examples), and GRADIENT_EMULATOR_PID (stop it with `kill "$GRADIENT_EMULATOR_PID"`).

--agent NAME=QUALITY (repeatable) gives an agent (support-agent, billing-helper, or a UUID) a quality from 0 to 100
for every run made of it; `gradient-evals emulator-agent NAME=QUALITY` changes it on the running emulator.
"""

_AGENT_NOTE = (
    "Changes the quality (0-100) of the runs the emulator at GRADIENT_BASE_URL (or --base-url) makes for an agent "
    "from now on; runs made before keep their scores, so a baseline made before the change stays as it was. That "
    "is how to make an agent regress on purpose: evaluate, lower its quality, evaluate again."
)


def register(commands: Subcommands) -> None:
    """Add ``emulator``."""
    emulator = add_local_command(
        commands, "emulator", serve, "serve the API emulator until interrupted", note=_NOTE, keep=("--token",)
    )
    emulator.add_argument("--port", type=non_negative_int, default=0, help="TCP port (default 0: any free port)")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--runs", type=non_negative_int, default=2, help="finished runs to serve (default 2)")
    emulator.add_argument("--prompts", type=non_negative_int, default=500, help="prompts per run (default 500)")
    emulator.add_argument("--latency", type=_seconds, default=0.0, help="seconds added to every response (default 0)")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    emulator.add_argument(
        "--token",
        default=argparse.SUPPRESS,  # a --token before the command counts too
        help="the one token the emulator accepts (default: a new random token, printed)",
    )
    emulator.add_argument(
        "--env", action="store_true", help="print `export NAME=value` lines for the shell instead of JSON"
    )
    emulator.add_argument(
        "--agent",
        action="append",
        type=_agent_quality,
        default=[],
        metavar="NAME=QUALITY",
        help="an agent's quality, 0-100, for all its runs (repeatable; by default a fixed one per agent, 60-90)",
    )
    change = add_command(commands, "emulator-agent", change_agent, "change an agent's quality on a running emulator")
    change.description = _AGENT_NOTE
    change.add_argument(
        "qualities", nargs="+", type=_agent_quality, metavar="NAME=QUALITY", help="the agent's name or UUID=0-100"
    )


def _agent_quality(text: str) -> tuple[str, float]:
    """``NAME=QUALITY`` with a quality from 0 to 100 (argparse type)."""
    from ...testing._control import check_quality

    name, sep, number = text.rpartition("=")
    refused = argparse.ArgumentTypeError(f"expected NAME=QUALITY with a quality from 0 to 100, got {text!r}")
    if not sep or not name.strip():
        raise refused
    try:
        return name.strip(), check_quality(float(number))
    except ValueError:
        raise refused from None


def change_agent(ctx: Context) -> int:
    """``emulator-agent``: set agents' qualities on the running emulator, one line per agent."""
    from ..._client import BASE_URL_ENV, TOKEN_ENV
    from ...testing._control import EmulatorControlError, set_agent_quality

    base_url = getattr(ctx.args, "base_url", None) or os.environ.get(BASE_URL_ENV, "").strip()
    token = getattr(ctx.args, "token", None) or os.environ.get(TOKEN_ENV, "").strip()
    if not base_url or not token:
        raise CommandError(
            f'no emulator to change: set {BASE_URL_ENV} and {TOKEN_ENV} (`eval "$(gradient-evals emulator --env &)"` '
            "does) or pass --base-url and --token",
            EXIT_USAGE,
        )
    for name, quality in ctx.args.qualities:
        try:
            agent = set_agent_quality(base_url, token, name, quality)
        except EmulatorControlError as exc:
            raise CommandError(str(exc), EXIT_USAGE if exc.refused else EXIT_API_ERROR) from None
        ctx.out(f"{escape_text(name)} ({escape_text(agent)}): quality {quality:g} for the runs made from now on")
    return EXIT_OK


def _seconds(text: str) -> float:
    """A finite number of seconds, zero or more (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected zero or more seconds, got {text!r}")
    return value


def export_lines(served: dict[str, Any], pid: int) -> str:
    """The shell lines of ``--env``: the SDK's two variables, the emulator's ids and its process id."""
    values = {
        "GRADIENT_BASE_URL": served["base_url"],
        "DIGITALOCEAN_ACCESS_TOKEN": served["token"],
        "GRADIENT_TEST_CASE_UUID": served["test_case_uuid"],
        "GRADIENT_AGENT_UUID": served["agent_uuid"],
    }
    if served["evaluation_run_uuids"]:
        values["GRADIENT_RUN_UUID"] = served["evaluation_run_uuids"][0]
    # The models a model evaluation may name (by slug or UUID), and a judge among them.
    from ...testing.stores.model_evaluation_metrics import KNOWN_MODELS

    values["GRADIENT_MODELS"] = " ".join(f"{m.slug}={m.uuid}" for m in KNOWN_MODELS)
    values["GRADIENT_JUDGE_MODEL_UUID"] = KNOWN_MODELS[0].uuid
    values["GRADIENT_EMULATOR_PID"] = str(pid)
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items())


def _close_stdout(stdout: TextIO) -> None:
    """Point the process's stdout at /dev/null, so that a ``$(...)`` reading it sees the end and returns."""
    if stdout is not sys.__stdout__:
        return  # a stream given in-process (tests, embedding): not ours to close
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stdout.fileno())
    finally:
        os.close(devnull)


def serve(ctx: Context) -> int:
    """``emulator``: print the JSON line (or ``--env`` lines), then serve until interrupted."""
    from ...testing._cli import serve_emulator

    args = ctx.args
    refuse_api_options(ctx, "the emulator serves on --host and --port", allowed=("--token",))

    def announce_env(served: dict[str, Any]) -> None:
        ctx.stdout.write(export_lines(served, os.getpid()))
        ctx.stdout.flush()
        _close_stdout(ctx.stdout)

    try:
        return serve_emulator(
            port=args.port,
            host=args.host,
            runs=args.runs,
            prompts=args.prompts,
            latency=args.latency,
            seed=args.seed,
            stdout=ctx.stdout,
            token=getattr(args, "token", None),  # the emulator then accepts this token only
            announce=announce_env if args.env else None,
            agents=dict(args.agent),
        )
    except BrokenPipeError:
        raise  # the reader of stdout went away: the command line ends quietly
    except ValueError as exc:  # an --agent the emulator does not have
        raise CommandError(str(exc), EXIT_USAGE) from None
    except OSError as exc:  # the address is taken or not ours: not a file problem
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", EXIT_API_ERROR) from None
