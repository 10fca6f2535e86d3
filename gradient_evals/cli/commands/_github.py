"""What ``evaluate`` tells GitHub after the verdict: the gates as workflow annotations (inside GitHub Actions) and,
with ``--github-comment``, the summary as the pull request's comment. Neither changes the exit code."""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from ...reports.suites import SuitesDocument
from ...results import EvaluationReport
from .._context import Context
from .._render import escape_text

__all__ = ["PullRequestComment", "config_label", "tell_github"]


@attrs.frozen(kw_only=True)
class PullRequestComment:
    """A comment to post: what it is about (its marker's values) and the token given on the command line."""

    config: str
    """The config file (relative to the working directory when under it), or the dataset of one evaluation."""
    suites: tuple[str, ...] = ()
    """The suites asked for with ``--suite`` (none: all of them), or the test case of one evaluation."""
    token: str | None = attrs.field(default=None, repr=False)


def config_label(path: Path) -> str:
    """``path`` as the marker names it: relative to the working directory when under it, in ``/`` form."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def tell_github(ctx: Context, document: EvaluationReport | SuitesDocument, comment: PullRequestComment | None) -> None:
    """The gates' annotations on stdout when ``GITHUB_ACTIONS=true`` (not with ``--json``, which keeps stdout
    JSON), then the comment; a comment that could not be posted is one line on stderr."""
    from ...integrations.github_annotations import gate_annotations, in_github_actions

    if not ctx.json and in_github_actions(os.environ):
        for line in gate_annotations(document):
            ctx.out(line)
    if comment is None:
        return
    from ...integrations.github_comment import comment_on_pull_request

    line = comment_on_pull_request(document, config=comment.config, suites=comment.suites, token=comment.token)
    ctx.note(escape_text(line))
