"""Where a pull request comment goes: the pull request a GitHub Actions workflow runs for, read from its environment.

Every input is checked before any request: the token (``--github-token`` or ``GITHUB_TOKEN``), the repository
(``GITHUB_REPOSITORY``, ``owner/name``), the event (``GITHUB_EVENT_NAME`` and the JSON at ``GITHUB_EVENT_PATH``,
which must be a pull request's) and the API's origin (``GITHUB_API_URL``: https, or plain http to a loopback
address only, so a test can stand in for GitHub). Whatever is missing or wrong is a :class:`GitHubSkipped` whose
message is the notice the command line prints; nothing is sent then.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from typing import Final

import attrs
import httpx

from .._exceptions import GradientEvalsError
from .._local_files import LocalFileError, read_bounded
from .._transport import is_loopback

__all__ = [
    "DEFAULT_API_URL",
    "GitHubSkipped",
    "PullRequest",
    "check_api_url",
    "check_repository",
    "pull_request_from",
    "pull_request_number",
]

DEFAULT_API_URL: Final = "https://api.github.com"
PULL_REQUEST_EVENTS: Final = frozenset({"pull_request", "pull_request_target"})
_EVENT_FILE_LIMIT: Final = 32 * 1024 * 1024  # a pull request's event payload is a few hundred KiB at most
# GitHub's own rules: an owner is letters, digits and single hyphens (at most 39); a repository name is letters,
# digits, '.', '_' and '-' (at most 100), never '.' or '..'. Both then are safe as path segments.
_OWNER: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,100}")


class GitHubSkipped(GradientEvalsError):
    """The comment cannot be posted (no token, not a pull request, a bad setting); the message says why."""


@attrs.frozen(kw_only=True)
class PullRequest:
    """The pull request to comment on, and how to reach GitHub's API."""

    api_url: httpx.URL
    """The REST API's root (``GITHUB_API_URL``); the token is sent to its origin and nowhere else."""
    repository: str
    """``owner/name``, checked."""
    number: int
    token: str = attrs.field(repr=False)

    @property
    def comments_url(self) -> httpx.URL:
        """The pull request's issue comments (a pull request's conversation is its issue's)."""
        return self.api_url.copy_with(path=f"{self._root}/repos/{self.repository}/issues/{self.number}/comments")

    def comment_url(self, comment_id: int) -> httpx.URL:
        """One issue comment of the repository."""
        return self.api_url.copy_with(path=f"{self._root}/repos/{self.repository}/issues/comments/{comment_id}")

    @property
    def _root(self) -> str:
        return self.api_url.path.rstrip("/")


def check_api_url(text: str) -> httpx.URL:
    """``GITHUB_API_URL`` as a URL the token may go to: https, or plain http to a loopback address."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, ValueError):
        raise GitHubSkipped("GITHUB_API_URL is not a URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise GitHubSkipped("GITHUB_API_URL must be an https URL")
    if url.scheme == "http" and not is_loopback(url.host):
        raise GitHubSkipped("GITHUB_API_URL must be https (plain http only to a loopback address)")
    if url.userinfo or url.query or url.fragment:
        raise GitHubSkipped("GITHUB_API_URL must be a plain https URL (no user, query or fragment)")
    return url


def check_repository(text: str) -> str:
    """``GITHUB_REPOSITORY`` when it is ``owner/name``."""
    owner, slash, name = text.strip().partition("/")
    if not slash or not _OWNER.fullmatch(owner) or not _NAME.fullmatch(name) or name in (".", ".."):
        raise GitHubSkipped("GITHUB_REPOSITORY is not owner/name")
    return f"{owner}/{name}"


def pull_request_number(event_name: str | None, event_path: str | None) -> int:
    """The number of the pull request the event is about; any other event is a :class:`GitHubSkipped`."""
    if event_name and event_name not in PULL_REQUEST_EVENTS:
        raise GitHubSkipped(f"this workflow runs for a {event_name!r} event, not a pull request")
    if not event_path:
        raise GitHubSkipped("GITHUB_EVENT_PATH is not set (not running in a GitHub Actions workflow?)")
    subject = "the event file GITHUB_EVENT_PATH"
    try:
        # Only a regular file: opening a FIFO would wait for a writer, and a device may never end.
        if not stat.S_ISREG(os.stat(event_path).st_mode):
            raise GitHubSkipped(f"{subject} is not a regular file")
        raw = read_bounded(event_path, _EVENT_FILE_LIMIT)
    except OSError as exc:
        raise GitHubSkipped(f"cannot read {subject}: {exc.strerror or type(exc).__name__}") from None
    except LocalFileError as exc:
        raise GitHubSkipped(exc.describe(subject)) from None
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):
        raise GitHubSkipped("the event file GITHUB_EVENT_PATH is not JSON") from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**53:
        raise GitHubSkipped("the event is not about a pull request (no pull_request.number in GITHUB_EVENT_PATH)")
    return number


def pull_request_from(environ: Mapping[str, str], token: str | None = None) -> PullRequest:
    """The pull request of a workflow's environment, every value checked; ``token`` wins over ``GITHUB_TOKEN``."""
    number = pull_request_number(environ.get("GITHUB_EVENT_NAME"), environ.get("GITHUB_EVENT_PATH"))
    repository = check_repository(environ.get("GITHUB_REPOSITORY", ""))
    api_url = check_api_url(environ.get("GITHUB_API_URL") or DEFAULT_API_URL)
    token = (token or environ.get("GITHUB_TOKEN") or "").strip()
    if not token:
        raise GitHubSkipped("no GitHub token: set GITHUB_TOKEN or give --github-token")
    if any(c.isspace() or not c.isprintable() for c in token):
        raise GitHubSkipped("the GitHub token holds spaces or control characters")
    return PullRequest(api_url=api_url, repository=repository, number=number, token=token)
