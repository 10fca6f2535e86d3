"""``evaluate --github-comment`` (and ``github_comment = true``) against the emulator and a stub of GitHub's API:
one comment per config and suites, updated in place; annotations in GitHub Actions; never a change of exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, Cli
from integrations.github_stub import GITHUB_TOKEN, GitHubStub, github_stub, workflow_env

from gradient_evals.integrations import github_comment
from gradient_evals.testing import FakeGradientServer

CSV = "query,expected_response\n" + "".join(f"Question {n}?,Answer {n}.\n" for n in range(12))


@pytest.fixture
def stub() -> object:
    with github_stub() as server:
        yield server


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stub: GitHubStub) -> Path:
    """A checkout with a config whose gate fails (exit 1), inside a pull request's workflow."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    (tmp_path / "faq.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "gradient-evals.toml").write_text(
        f"""
[defaults]
metrics = ["correctness"]
fail_under = {{ correctness = 99 }}
poll_interval = 0.05
baseline = "none"
github_comment = true

[suites.faq]
dataset = "faq.csv"
agents = ["{AGENTS[0]}"]
""",
        encoding="utf-8",
    )
    for key, value in workflow_env(stub, tmp_path).items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _notices(err: str) -> list[str]:
    return [line for line in err.splitlines() if "pull request comment" in line]


def test_the_config_key_posts_then_updates_one_comment_and_the_exit_code_is_the_verdicts(
    server: FakeGradientServer, cli: Cli, project: Path, stub: GitHubStub
) -> None:
    server.set_agent_profile(AGENTS[0], quality=40)
    code, out, err = cli("evaluate")
    assert code == 1, err  # the gate failed; the comment changes nothing
    assert _notices(err) == ["pull request comment posted (#7, comment 1000)"]
    assert stub.methods() == ["GET", "POST"]
    body = stub.comments[7][0]["body"]
    assert body.startswith("<!-- gradient-evals: gradient-evals.toml * -->\n")
    assert "- **faq**: FAILED" in body
    assert any(line.startswith("::error title=gradient-evals") for line in out.splitlines())

    server.set_agent_profile(AGENTS[0], quality=100)
    code, _, err = cli("evaluate", "--fail-under", "correctness=1")
    assert code == 0, err
    assert _notices(err) == ["pull request comment updated (#7, comment 1000)"]
    assert stub.methods() == ["GET", "POST", "GET", "PATCH"]
    assert len(stub.comments[7]) == 1
    assert "- **faq**: passed" in stub.comments[7][0]["body"]
    headers = [value for request in stub.requests for value in request.headers.values()]
    assert not [value for value in headers if server.token in value]  # the DigitalOcean token never goes to GitHub
    assert {r.headers["Authorization"] for r in stub.requests} == {f"Bearer {GITHUB_TOKEN}"}


def test_the_flag_with_one_suite_and_one_evaluation_each_get_their_own_comment(
    server: FakeGradientServer, cli: Cli, project: Path, stub: GitHubStub
) -> None:
    config = project / "gradient-evals.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("github_comment = true", ""), encoding="utf-8")
    code, _, err = cli("evaluate", "--suite", "faq")
    assert code == 1, err
    assert _notices(err) == []  # neither the flag nor the key
    code, _, err = cli("evaluate", "--suite", "faq", "--github-comment", "--github-token", GITHUB_TOKEN)
    assert code == 1, err
    assert GITHUB_TOKEN not in err
    code, _, err = cli(
        "evaluate", "--dataset", "faq.csv", "--test-case", "nightly", "--agent", AGENTS[0], "--metric",
        "correctness", "--baseline", "none", "--poll-interval", "0.05", "--github-comment",
    )  # fmt: skip
    assert code == 0, err
    markers = [comment["body"].split("\n", 1)[0] for comment in stub.comments[7]]
    assert markers == ["<!-- gradient-evals: gradient-evals.toml faq -->", "<!-- gradient-evals: faq.csv nightly -->"]


@pytest.mark.parametrize(
    ("env", "fault", "expected"),
    [
        ({}, {"fail": {"POST": 403}}, "may not write to this pull request (403"),
        ({"GITHUB_EVENT_NAME": "push"}, {}, "a 'push' event, not a pull request"),
        ({"GITHUB_TOKEN": ""}, {}, "no GitHub token"),
        ({}, {"fail": {"GET": 500}}, "GitHub answered 500"),
        ({}, {"hang": True}, "GitHub did not answer within 0.3 s"),
    ],
)
def test_github_failing_leaves_the_exit_code_and_prints_one_notice(
    server: FakeGradientServer,
    cli: Cli,
    project: Path,
    stub: GitHubStub,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    fault: dict[str, object],
    expected: str,
) -> None:
    if fault.get("hang"):  # a short deadline only where the stub hangs (elsewhere a slow machine might reach it)
        monkeypatch.setattr(github_comment, "TIMEOUT", 0.3)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key, value in fault.items():
        setattr(stub, key, value)
    server.set_agent_profile(AGENTS[0], quality=40)
    code, _, err = cli("evaluate")  # Cli checks: no traceback, no DigitalOcean token
    assert code == 1, err
    notices = _notices(err)
    assert len(notices) == 1, err
    assert notices[0].startswith("pull request comment not posted: ")
    assert expected in notices[0]
    assert GITHUB_TOKEN not in err
    assert stub.comments.get(7, []) == []


def test_json_output_stays_json_without_annotations(server: FakeGradientServer, cli: Cli, project: Path) -> None:
    server.set_agent_profile(AGENTS[0], quality=40)
    code, out, err = cli("--json", "evaluate")
    assert code == 1, err
    assert isinstance(json.loads(out), list)


def test_the_key_in_a_suite_is_a_usage_error(server: FakeGradientServer, cli: Cli, project: Path) -> None:
    config = project / "gradient-evals.toml"
    config.write_text(config.read_text(encoding="utf-8") + "github_comment = true\n", encoding="utf-8")
    code, _, err = cli("evaluate")
    assert code == 2
    assert "suite 'faq', key 'github_comment': a key of the whole file: put it under [defaults]" in err
    config.write_text(config.read_text(encoding="utf-8").replace("github_comment = true", 'github_comment = "yes"'))
    code, _, err = cli("evaluate")
    assert code == 2
    assert "key 'github_comment': expected true or false" in err
