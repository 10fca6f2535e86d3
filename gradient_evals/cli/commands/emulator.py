"""``gradient-evals emulator``: serve the API emulator until interrupted."""

from __future__ import annotations

from .._args import Subcommands, add_command, non_negative_int
from .._context import EXIT_API_ERROR, CommandError, Context

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``emulator``."""
    emulator = add_command(commands, "emulator", serve, "serve the API emulator until interrupted")
    emulator.add_argument("--port", type=non_negative_int, default=0, help="TCP port (default 0: any free port)")
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    emulator.add_argument("--runs", type=non_negative_int, default=2, help="finished runs to serve (default 2)")
    emulator.add_argument("--prompts", type=non_negative_int, default=500, help="prompts per run (default 500)")
    emulator.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    emulator.epilog = "With --token T the emulator accepts T only (default: a new random token, printed).\n\n" + (
        emulator.epilog or ""
    )


def serve(ctx: Context) -> int:
    """``emulator``: print one JSON line (URL, token, UUIDs), then serve until interrupted."""
    from ...testing._cli import serve_emulator

    args = ctx.args
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
        )
    except OSError as exc:  # the address is taken or not ours: not a file problem
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", EXIT_API_ERROR) from None
