"""Bad input for the pull request comment: each is a notice, no comment, and no request to any host."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from integrations.github_stub import GitHubStub, workflow_env

from gradient_evals.integrations.github_comment import comment_on_pull_request
from gradient_evals.integrations.github_event import GitHubSkipped, check_repository, pull_request_from
from gradient_evals.results import EvaluationReport


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the comment's HTTP client is asked to send to (none is, for bad input)."""
    urls: list[str] = []
    real = httpx.AsyncClient.send

    async def recording(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        urls.append(str(request.url))
        return await real(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", recording)
    return urls


def _notice(report: EvaluationReport, env: dict[str, str]) -> str:
    line = comment_on_pull_request(report, config="gradient-evals.toml", suites=(), environ=env)
    assert line.startswith("pull request comment not posted: "), line
    assert "\n" not in line
    return line


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad-event.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"GITHUB_EVENT_PATH": "/nonexistent/event.json"}, "cannot read the event file"),
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set"),
        ({"GITHUB_EVENT_PATH": "{not json"}, "is not JSON"),
        ({"GITHUB_EVENT_PATH": '{"ref": "refs/heads/main"}'}, "not about a pull request"),
        ({"GITHUB_EVENT_PATH": '{"pull_request": {"number": "7"}}'}, "not about a pull request"),
        ({"GITHUB_EVENT_PATH": '{"pull_request": {"number": true}}'}, "not about a pull request"),
        ({"GITHUB_EVENT_PATH": "[1, 2]"}, "not about a pull request"),
        ({"GITHUB_EVENT_NAME": "push"}, "a 'push' event, not a pull request"),
        ({"GITHUB_EVENT_NAME": "schedule"}, "a 'schedule' event, not a pull request"),
    ],
)
def test_an_event_that_is_not_a_pull_request_is_a_notice(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport, sent: list[str], event: dict[str, str], expected: str
) -> None:
    env = workflow_env(stub, tmp_path)
    for key, value in event.items():
        env[key] = _write(tmp_path, value) if value.startswith(("{", "[")) else value
    assert expected in _notice(report, env)
    assert sent == []
    assert stub.requests == []


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("http://api.github.example", "must be https"),
        ("http://10.0.0.1:8080", "must be https"),
        ("ftp://127.0.0.1/", "must be an https URL"),
        ("https://user:secret@ghe.example/api/v3", "no user, query or fragment"),
        ("https://ghe.example/api/v3?x=1", "no user, query or fragment"),
        ("not a url at all", "must be an https URL"),
    ],
)
def test_an_api_url_the_token_may_not_go_to_is_a_notice(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport, sent: list[str], api_url: str, expected: str
) -> None:
    line = _notice(report, workflow_env(stub, tmp_path, GITHUB_API_URL=api_url))
    assert expected in line
    assert "secret" not in line
    assert sent == []


@pytest.mark.parametrize(
    "repository", ["", "owner", "owner/name/extra", "../etc", "owner/..", "own er/name", "-owner/name", "o/n?x=1"]
)
def test_a_repository_that_is_not_owner_slash_name_is_a_notice(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport, sent: list[str], repository: str
) -> None:
    assert "GITHUB_REPOSITORY is not owner/name" in _notice(
        report, workflow_env(stub, tmp_path, GITHUB_REPOSITORY=repository)
    )
    assert sent == []


def test_an_event_path_that_is_not_a_regular_file_is_never_opened(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport, sent: list[str]
) -> None:
    fifo = tmp_path / "event.fifo"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    line = _notice(report, workflow_env(stub, tmp_path, GITHUB_EVENT_PATH=str(fifo)))
    assert "not a regular file" in line
    assert "not a regular file" in _notice(report, workflow_env(stub, tmp_path, GITHUB_EVENT_PATH=str(tmp_path)))
    assert sent == []


def test_no_token_is_a_notice(stub: GitHubStub, tmp_path: Path, report: EvaluationReport, sent: list[str]) -> None:
    assert "no GitHub token" in _notice(report, workflow_env(stub, tmp_path, GITHUB_TOKEN=""))
    assert sent == []


def test_the_checked_values_and_the_urls_built_from_them(tmp_path: Path) -> None:
    event = tmp_path / "e.json"
    event.write_text('{"pull_request": {"number": 12}}', encoding="utf-8")
    env = {
        "GITHUB_TOKEN": "t0k",
        "GITHUB_REPOSITORY": "octo-org/repo.name_1",
        "GITHUB_EVENT_NAME": "pull_request_target",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": "https://ghe.example/api/v3/",
    }
    pull = pull_request_from(env)
    assert str(pull.comments_url) == "https://ghe.example/api/v3/repos/octo-org/repo.name_1/issues/12/comments"
    assert str(pull.comment_url(5)) == "https://ghe.example/api/v3/repos/octo-org/repo.name_1/issues/comments/5"
    assert "t0k" not in repr(pull)
    assert str(pull_request_from({**env, "GITHUB_API_URL": ""}).api_url) == "https://api.github.com"
    with pytest.raises(GitHubSkipped):
        check_repository("a--b/c")


def test_an_event_file_past_its_limit_is_refused_unparsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gradient_evals.integrations import github_event

    monkeypatch.setattr(github_event, "_EVENT_FILE_LIMIT", 64)
    path = _write(tmp_path, '{"pull_request": {"number": 7}, "padding": "' + "x" * 64 + '"}')
    with pytest.raises(GitHubSkipped, match="the event file GITHUB_EVENT_PATH is larger than 64 bytes"):
        github_event.pull_request_number("pull_request", path)
    assert github_event.pull_request_number("pull_request", _write(tmp_path, '{"pull_request": {"number": 7}}')) == 7
