"""``gradient-evals init``: a commented ``gradient-evals.toml``, a small example CSV and a CI workflow to start from.

Nothing is overwritten: when any of the files exists, the command names it and writes none (exit 2).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

from .._args import Subcommands
from .._context import EXIT_OK, EXIT_USAGE, CommandError, Context
from ._local import add_local_command, refuse_api_options

__all__ = ["INIT_FILES", "register"]

INIT_FILES: Final = (
    ("gradient-evals.toml", "gradient-evals.toml"),
    ("support.csv", "evals/support.csv"),
    ("gradient-evals.yml", ".github/workflows/gradient-evals.yml"),
)
"""Each template of ``cli/data/init`` and where ``init`` writes it, relative to the target folder."""


def register(commands: Subcommands) -> None:
    """Add ``init``."""
    parser = add_local_command(  # it writes files and talks to no API: no --token, no --base-url
        commands,
        "init",
        run_init,
        "write a commented gradient-evals.toml, an example CSV and a CI workflow (never overwrites a file)",
    )
    parser.add_argument("--directory", metavar="DIR", default=".", help="where to write them (default: here)")


def run_init(ctx: Context) -> int:
    """``init``: every file or none."""
    refuse_api_options(ctx, "it only writes files here")
    root = Path(ctx.args.directory)
    targets = [(template, root / relative) for template, relative in INIT_FILES]
    existing = [str(path) for _, path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise CommandError(f"not overwriting {', '.join(existing)}: move it away or use --directory", EXIT_USAGE)
    templates = resources.files("gradient_evals.cli") / "data" / "init"
    for template, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive creation: a file that appeared since the check above is not overwritten either.
        with open(path, "x", encoding="utf-8") as out:
            out.write((templates / template).read_text(encoding="utf-8"))
        ctx.note(f"wrote {path}")
    ctx.note("next: edit the agents in gradient-evals.toml, then run `gradient-evals evaluate`")
    return EXIT_OK
