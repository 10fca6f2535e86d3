"""``gradient-evals init``: a commented ``gradient-evals.toml``, a small example CSV and a CI workflow to start from.

All or nothing: when any of the files exists, or a folder on the way to one is a file, the command names it and
writes none (exit 2); when writing fails part way (a full disk, a file appearing meanwhile), what it wrote is
removed again (exit 3). The workflow uses the repository's GitHub Action (``action.yml``), which installs
gradient-evals from its own copy of the repository: its ``uses:`` line names the repository this copy was installed
from (``--action``, or pip's record of a github.com git URL), since the package is taken from its repository, not
from a package index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path
from typing import Final

from .._args import Subcommands
from .._context import EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, CommandError, Context
from ._local import add_local_command, refuse_api_options

__all__ = ["INIT_FILES", "register"]

INIT_FILES: Final = (
    ("gradient-evals.toml", "gradient-evals.toml"),
    ("support.csv", "evals/support.csv"),
    ("gradient-evals.yml", ".github/workflows/gradient-evals.yml"),
)
"""Each template of ``cli/data/init`` and where ``init`` writes it, relative to the target folder."""

_ACTION_SLOT: Final = "@@ACTION@@"
_UNKNOWN_ACTION: Final = "OWNER/REPO@REF"
# An action reference: owner, repository and a ref (a tag, branch or commit) of safe characters only, since it is
# written into YAML as a plain scalar.
_ACTION: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}@[A-Za-z0-9._/-]{1,200}")
_GITHUB_URL: Final = re.compile(
    r"(?:https|ssh)://(?:git@)?github\.com/([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]+?)(?:\.git)?/?"
)


def register(commands: Subcommands) -> None:
    """Add ``init``."""
    parser = add_local_command(  # it writes files and talks to no API: no --token, no --base-url
        commands,
        "init",
        run_init,
        "write a commented gradient-evals.toml, an example CSV and a CI workflow (never overwrites a file)",
    )
    parser.add_argument("--directory", metavar="DIR", default=".", help="where to write them (default: here)")
    parser.add_argument(
        "--action",
        type=_action_reference,
        metavar="OWNER/REPO@REF",
        help="the repository (and revision) of gradient-evals whose GitHub Action the workflow uses (default: the"
        " one this copy was installed from with pip, when that was a github.com git URL)",
    )


def _action_reference(text: str) -> str:
    if not _ACTION.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"expected OWNER/REPO@REF, got {text!r}")
    return text.strip()


def installed_action() -> str | None:
    """``OWNER/REPO@COMMIT`` when this copy was installed with pip from a github.com git URL (PEP 610's
    ``direct_url.json``), else None: the action of the same repository, pinned to the installed commit."""
    try:
        raw = metadata.distribution("gradient-evals").read_text("direct_url.json")
        direct = json.loads(raw or "null")
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return None
    if not isinstance(direct, dict) or not isinstance(direct.get("vcs_info"), dict):
        return None
    vcs, url = direct["vcs_info"], direct.get("url")
    match = _GITHUB_URL.fullmatch(url) if isinstance(url, str) else None
    commit = vcs.get("commit_id")
    if vcs.get("vcs") != "git" or match is None or not isinstance(commit, str):
        return None
    reference = f"{match.group(1)}/{match.group(2)}@{commit}"
    return reference if _ACTION.fullmatch(reference) else None


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
    refuse_api_options(ctx, "it only writes files here")
    root = Path(ctx.args.directory)
    targets = [(template, root / relative) for template, relative in INIT_FILES]
    problems = _problems([path for _, path in targets])
    if problems:
        raise CommandError(f"{'; '.join(problems)}: move it away or use --directory (nothing written)", EXIT_USAGE)
    action = ctx.args.action or installed_action()
    templates = resources.files("gradient_evals.cli") / "data" / "init"
    made: list[Path] = []  # what this command created, in order: removed again when a later write fails
    try:
        for template, path in targets:
            missing = [parent for parent in path.parents if not parent.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made.append(folder)
            text = (templates / template).read_text(encoding="utf-8").replace(_ACTION_SLOT, action or _UNKNOWN_ACTION)
            # Exclusive creation: a file that appeared since the check above is not overwritten either.
            with open(path, "x", encoding="utf-8") as out:
                made.append(path)
                out.write(text)
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
    if action is None:
        ctx.note(
            f"the workflow's `uses: {_UNKNOWN_ACTION}` line needs the GitHub repository gradient-evals comes from:"
            " edit it, or run init again with --action OWNER/REPO@REF"
        )
    ctx.note("next: edit the agents in gradient-evals.toml, then run `gradient-evals evaluate`")
    return EXIT_OK
