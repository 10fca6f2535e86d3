"""``gradient-evals init``: a commented ``gradient-evals.toml``, a small example CSV and a CI workflow to start from.

All or nothing: when any of the files exists, or a folder on the way to one is a file, the command names it and
writes none (exit 2); when writing fails part way (a full disk, a file appearing meanwhile), what it wrote is
removed again (exit 3).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Final

from .._args import Subcommands, add_command
from .._context import EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, CommandError, Context

__all__ = ["INIT_FILES", "register"]

INIT_FILES: Final = (
    ("gradient-evals.toml", "gradient-evals.toml"),
    ("support.csv", "evals/support.csv"),
    ("gradient-evals.yml", ".github/workflows/gradient-evals.yml"),
)
"""Each template of ``cli/data/init`` and where ``init`` writes it, relative to the target folder."""


def register(commands: Subcommands) -> None:
    """Add ``init``."""
    parser = add_command(
        commands,
        "init",
        run_init,
        "write a commented gradient-evals.toml, an example CSV and a CI workflow (never overwrites a file)",
    )
    parser.add_argument("--directory", metavar="DIR", default=".", help="where to write them (default: here)")


def _problems(targets: Sequence[Path]) -> list[str]:
    """Every target that exists, and every folder on the way to one that exists as something else than a folder."""
    problems: list[str] = []
    for path in targets:
        if path.exists() or path.is_symlink():
            problems.append(f"not overwriting {path}")
        blocked = [parent for parent in path.parents if parent.exists() and not parent.is_dir()]
        if blocked:
            problems.append(f"{blocked[-1]} is not a folder")
    return list(dict.fromkeys(problems))


def run_init(ctx: Context) -> int:
    """``init``: every file or none."""
    root = Path(ctx.args.directory)
    targets = [(template, root / relative) for template, relative in INIT_FILES]
    problems = _problems([path for _, path in targets])
    if problems:
        raise CommandError(f"{'; '.join(problems)}: move it away or use --directory (nothing written)", EXIT_USAGE)
    templates = resources.files("gradient_evals.cli") / "data" / "init"
    made: list[Path] = []  # what this command created, in order: removed again when a later write fails
    try:
        for template, path in targets:
            missing = [parent for parent in path.parents if not parent.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
            # Exclusive creation: a file that appeared since the check above is not overwritten either.
            with open(path, "x", encoding="utf-8") as out:
                made.append(path)
                out.write((templates / template).read_text(encoding="utf-8"))
    except OSError as exc:
        for created in reversed(made):
            with contextlib.suppress(OSError):
                if created.is_dir():
                    created.rmdir()
                else:
                    created.unlink()
        where = exc.filename if exc.filename is not None else root
        reason = exc.strerror or str(exc)
        raise CommandError(f"cannot write {where}: {reason} (nothing left behind)", EXIT_API_ERROR) from None
    for _, path in targets:
        ctx.note(f"wrote {path}")
    ctx.note("next: edit the agents in gradient-evals.toml, then run `gradient-evals evaluate`")
    return EXIT_OK
