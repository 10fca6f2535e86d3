"""What ``emulator`` and ``demo`` share: they talk to no remote API, so their parsers leave out the options that
choose one (``--token``, ``--base-url``) unless they give them a meaning of their own, and refuse them when they
come before the command name, where the top-level parser takes them for every command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .._args import Handler, Subcommands, command_path, exit_code_table
from .._context import EXIT_USAGE, CommandError, Context

__all__ = ["add_local_command", "refuse_api_options"]

_API_OPTIONS = (("--token", "token"), ("--base-url", "base_url"))


def add_local_command(
    commands: Subcommands,
    name: str,
    handler: Handler,
    help_text: str,
    *,
    note: str = "",
    keep: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """Add the command ``name`` without the API options but those in ``keep`` (which it then adds itself, with
    its own help); ``note`` goes above the exit-code table in ``--help``."""
    sub = commands.add_parser(
        name, help=help_text, description=help_text, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    table = exit_code_table(command_path(sub))
    sub.epilog = f"{note.strip()}\n\n{table}" if note else table
    sub.set_defaults(handler=handler, command_parser=sub)
    for flag, _ in _API_OPTIONS:
        if flag not in keep:
            # Accepted but not shown, so that the handler refuses it in words of its own: argparse's
            # "unrecognized arguments" would repeat the value, and a token must not be printed.
            sub.add_argument(flag, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return sub


def refuse_api_options(ctx: Context, why: str, *, allowed: Sequence[str] = ()) -> None:
    """A usage error naming any API option given before the command that the command has no use for."""
    given = [flag for flag, attr in _API_OPTIONS if flag not in allowed and getattr(ctx.args, attr, None) is not None]
    if given:
        raise CommandError(f"{ctx.args.command} does not use {' or '.join(given)}: {why}", EXIT_USAGE)
