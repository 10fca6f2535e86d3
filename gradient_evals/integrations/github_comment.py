"""Post the verdict as one comment on the pull request, and update that same comment on later runs.

:func:`comment_on_pull_request` is the entry point: it never raises. Whatever goes wrong (no token, not a pull
request, a read-only token on a fork's pull request, rate limiting, GitHub down or slow) comes back as one line
for standard error, and the command's exit code stays the verdict's.

The GitHub token travels in a client of its own (never the SDK's transport, so the DigitalOcean token cannot
reach GitHub), to ``GITHUB_API_URL``'s origin only: redirects are not followed, and the comment listing's
``Link: rel="next"`` pages are read only on that origin. The whole exchange has one deadline
(:data:`TIMEOUT` seconds), the listing a bound on its pages, and every answer a bound on its size.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import anyio
import attrs
import httpx

from .._body import ACCEPT_ENCODING, BodyError, read_body
from .._exceptions import GradientEvalsError
from .._tls import verifying_context
from .._transport import USER_AGENT, may_use_environment_proxy, origin_of
from ..reports.suites import SuitesDocument
from ..results import EvaluationReport
from .github_body import comment_body, comment_marker
from .github_event import GitHubSkipped, PullRequest, check_api_url, check_repository, pull_request_from

__all__ = [
    "MAX_PAGES",
    "TIMEOUT",
    "CommentPosted",
    "GitHubCommentError",
    "comment_on_pull_request",
    "reports_url",
    "upsert_comment",
]

TIMEOUT: Final = 10.0
"""Seconds the whole exchange with GitHub may take (reading the listing, then posting or updating)."""
MAX_PAGES: Final = 50
"""Pages of the comment listing read at most (100 comments each): past them, a new comment is posted."""
_PER_PAGE: Final = 100
_MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024  # a page of 100 comments of at most 65,536 characters each
_RUN_ID: Final = re.compile(r"[0-9]{1,20}")


class GitHubCommentError(GradientEvalsError):
    """GitHub did not take the comment; the message (the notice printed) says why, without the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status GitHub answered with, when it answered."""


@attrs.frozen(kw_only=True)
class CommentPosted:
    """The comment as GitHub stored it."""

    comment_id: int
    updated: bool
    """True when an earlier comment of the same evaluation was updated, False when a new one was posted."""


def _headers(pull: PullRequest) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {pull.token}",
        "Accept": "application/vnd.github+json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": USER_AGENT,
    }


def _refusal(response: httpx.Response) -> str:
    """Why GitHub refused a request, from its status and rate-limit headers (never from its body)."""
    status = response.status_code
    if status == 429 or (status == 403 and response.headers.get("x-ratelimit-remaining") == "0"):
        return f"GitHub's rate limit is spent ({status})"
    if status == 403:
        return "the token may not write to this pull request (403; a fork's pull request gets a read-only token)"
    if status == 401:
        return "GitHub refused the token (401)"
    if status == 404:
        return "GitHub finds no such repository or pull request for this token (404)"
    if 300 <= status < 400:
        return f"GitHub answered a redirect ({status}), which is not followed"
    return f"GitHub answered {status}"


async def _call(
    http: httpx.AsyncClient, method: str, url: httpx.URL, body: Mapping[str, Any] | None = None
) -> tuple[Any, httpx.Response]:
    """One request; the decoded JSON answer, or a :class:`GitHubCommentError`."""
    content = None if body is None else json.dumps(body).encode("utf-8")
    headers = None if body is None else {"Content-Type": "application/json"}
    request = http.build_request(method, url, content=content, headers=headers)
    response = await http.send(request, stream=True, follow_redirects=False)
    try:
        if not 200 <= response.status_code < 300:
            raise GitHubCommentError(_refusal(response), response.status_code)
        raw = await read_body(response, _MAX_RESPONSE_BYTES)
    except BodyError:
        raise GitHubCommentError(
            f"GitHub's answer to {method} could not be read (too large or badly encoded)"
        ) from None
    finally:
        await response.aclose()
    try:
        return json.loads(raw), response
    except (ValueError, RecursionError):
        raise GitHubCommentError(f"GitHub's answer to {method} is not JSON") from None


def _next_page(response: httpx.Response, api_url: httpx.URL, seen: set[str]) -> httpx.URL | None:
    """The listing's next page, from ``Link: rel="next"``, only on the API's origin and never twice."""
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    try:
        url = response.url.join(link)
    except (httpx.InvalidURL, ValueError):
        raise GitHubCommentError("GitHub's next-page link is not a URL") from None
    if origin_of(url) != origin_of(api_url) or not url.path.startswith(api_url.path.rstrip("/") + "/"):
        raise GitHubCommentError("GitHub's next-page link leaves the API's origin: not followed")
    if str(url) in seen:
        raise GitHubCommentError("GitHub's next-page links go round in a circle")
    seen.add(str(url))
    return url


def _is_ours(comment: object, marker: str) -> int | None:
    """The comment's id when it is this evaluation's (its first line is the marker)."""
    if not isinstance(comment, dict):
        return None
    body, comment_id = comment.get("body"), comment.get("id")
    if not isinstance(body, str) or isinstance(comment_id, bool) or not isinstance(comment_id, int):
        return None
    return comment_id if body.split("\n", 1)[0].rstrip("\r") == marker else None


async def _find(http: httpx.AsyncClient, pull: PullRequest, marker: str) -> int | None:
    """The id of this evaluation's earlier comment on the pull request, reading at most :data:`MAX_PAGES` pages."""
    url: httpx.URL | None = pull.comments_url.copy_merge_params({"per_page": _PER_PAGE})
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if url is None:
            return None
        page, response = await _call(http, "GET", url)
        if not isinstance(page, list):
            raise GitHubCommentError("GitHub's comment listing is not a list")
        for comment in page:
            found = _is_ours(comment, marker)
            if found is not None:
                return found
        url = _next_page(response, pull.api_url, seen)
    return None


async def upsert_comment(http: httpx.AsyncClient, pull: PullRequest, marker: str, body: str) -> CommentPosted:
    """Update the pull request's comment that starts with ``marker`` to ``body``, or post ``body`` as a new one."""
    existing = await _find(http, pull, marker)
    answer = None
    if existing is not None:
        try:
            answer, _ = await _call(http, "PATCH", pull.comment_url(existing), {"body": body})
        except GitHubCommentError as exc:
            if exc.status != 404:
                raise
            existing = None  # deleted since it was listed: post a new one
    if existing is None:
        answer, _ = await _call(http, "POST", pull.comments_url, {"body": body})
    comment_id = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(comment_id, bool) or not isinstance(comment_id, int):
        comment_id = existing if existing is not None else 0
    return CommentPosted(comment_id=comment_id, updated=existing is not None)


async def _post(pull: PullRequest, marker: str, body: str, timeout: float) -> CommentPosted:
    trust_env = may_use_environment_proxy(pull.api_url)
    with anyio.fail_after(timeout):
        async with httpx.AsyncClient(
            headers=_headers(pull),
            timeout=timeout,
            follow_redirects=False,
            trust_env=trust_env,
            verify=verifying_context(trust_env=trust_env),
        ) as http:
            return await upsert_comment(http, pull, marker, body)


def reports_url(environ: Mapping[str, str]) -> str | None:
    """The workflow run's page (its job summary and artifacts), when the environment names a valid one."""
    server, run_id = environ.get("GITHUB_SERVER_URL", "https://github.com"), environ.get("GITHUB_RUN_ID", "")
    try:
        base = check_api_url(server)
        repository = check_repository(environ.get("GITHUB_REPOSITORY", ""))
    except GitHubSkipped:
        return None
    if not _RUN_ID.fullmatch(run_id) or len(str(base)) > 200:
        return None
    return f"{str(base).rstrip('/')}/{repository}/actions/runs/{run_id}"


def comment_on_pull_request(
    document: EvaluationReport | SuitesDocument,
    *,
    config: str,
    suites: Iterable[str],
    token: str | None = None,
    environ: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Post (or update) the pull request's comment of this evaluation; returns the line to print on stderr.

    Blocking (it runs its own event loop): call it where no event loop runs, after the verdict. Never raises.
    ``config`` and ``suites`` name the evaluation in the comment's marker; ``environ`` defaults to ``os.environ``,
    ``timeout`` to :data:`TIMEOUT` seconds for the whole exchange.
    """
    env = os.environ if environ is None else environ
    seconds = TIMEOUT if timeout is None else timeout
    try:
        pull = pull_request_from(env, token)
        marker = comment_marker(config, suites)
        body = comment_body(marker, document, reports_url=reports_url(env))
        posted = anyio.run(_post, pull, marker, body, seconds)
    except (GitHubSkipped, GitHubCommentError) as exc:
        return f"pull request comment not posted: {exc}"
    except TimeoutError:
        return f"pull request comment not posted: GitHub did not answer within {seconds:g} s"
    except httpx.HTTPError as exc:
        return f"pull request comment not posted: GitHub is unreachable ({type(exc).__name__})"
    except Exception as exc:
        return f"pull request comment not posted: {type(exc).__name__}"
    action = "updated" if posted.updated else "posted"
    return f"pull request comment {action} (#{pull.number}, comment {posted.comment_id})"
