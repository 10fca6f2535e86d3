"""MkDocs hook: the command-line reference page, generated from the parser on every build.

The page is ``cli-reference.md``: one section per command, with the exact text its ``--help`` prints. Nothing is
written to the source tree, so the reference cannot fall behind the parser.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

PAGE = "cli-reference.md"
_WIDTH = "100"  # argparse wraps at $COLUMNS: a fixed width makes the page the same on every machine


def _commands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command under ``parser`` (depth first, in the order they are registered), with its full name."""
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix} {name}"
                found.append((full, sub))
                found += _commands(sub, full)
    return found


def render() -> str:
    """The reference page's Markdown."""
    from gradient_evals.cli._app import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _WIDTH
    try:
        parser = build_parser()
        sections = [("gradient-evals", parser), *_commands(parser, "gradient-evals")]
        lines = [
            "# Command-line reference",
            "",
            "Generated from the command's own parser when this site was built: each section is what",
            "`--help` prints for that command. The guide to the command line is [The command line](cli.md).",
            "",
        ]
        for name, command in sections:
            lines += [f"## `{name}`", "", "```text", command.format_help().rstrip(), "```", ""]
        return "\n".join(lines)
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def on_files(files: Any, config: Any, **_: Any) -> Any:
    """Add the generated page to the site's files."""
    from mkdocs.structure.files import File  # here, so that render() runs (and is tested) without MkDocs

    files.append(File.generated(config, PAGE, content=render()))
    return files
