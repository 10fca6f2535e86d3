"""The pull request comment against a stub of GitHub's API: posted once, then updated in place, one per evaluation,
under GitHub's size limit, and never an exception when GitHub or the environment says no."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import attrs
import pytest
from integrations.github_stub import GITHUB_TOKEN, GitHubStub, workflow_env

from gradient_evals.integrations import github_comment
from gradient_evals.integrations.github_body import COMMENT_LIMIT, comment_body, comment_marker
from gradient_evals.integrations.github_comment import comment_on_pull_request
from gradient_evals.reports.markdown import render_markdown
from gradient_evals.reports.suites import SuitesDocument
from gradient_evals.results import EvaluationReport

CONFIG = "ci/gradient-evals.toml"


def _post(report: EvaluationReport, env: dict[str, str], config: str = CONFIG, **kwargs: object) -> str:
    return comment_on_pull_request(report, config=config, suites=(), environ=env, **kwargs)  # type: ignore[arg-type]


def test_first_run_posts_then_later_runs_update_the_same_comment_through_pages(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport
) -> None:
    stub.add_comments(7, 2 * stub.page_size)  # two full pages of other people's comments come first
    env = workflow_env(stub, tmp_path)

    line = _post(report, env)
    assert line.startswith("pull request comment posted"), line
    assert stub.methods().count("POST") == 1
    ours = stub.comments[7][-1]
    assert ours["body"].startswith("<!-- gradient-evals: ci/gradient-evals.toml * -->\n")
    assert "Evaluation of support bot" in ours["body"]
    assert "actions/runs/4242" in ours["body"]

    stub.requests.clear()
    line = _post(report, env)
    assert line.startswith("pull request comment updated"), line
    gets = [r for r in stub.requests if r.method == "GET"]
    assert [r.query.get("page", ["1"])[0] for r in gets] == ["1", "2", "3"]  # 2 pages of others, then ours
    assert stub.methods() == ["GET", "GET", "GET", "PATCH"]  # no POST
    assert stub.requests[-1].path.endswith(f"/issues/comments/{ours['id']}")
    assert len(stub.comments[7]) == 2 * stub.page_size + 1

    stub.requests.clear()
    assert _post(report, env, config="other/gradient-evals.toml").startswith("pull request comment posted")
    assert stub.methods()[-1] == "POST"  # another config: its own comment
    markers = [c["body"].split("\n", 1)[0] for c in stub.comments[7] if c["body"].startswith("<!--")]
    assert markers == [
        "<!-- gradient-evals: ci/gradient-evals.toml * -->",
        "<!-- gradient-evals: other/gradient-evals.toml * -->",
    ]


def test_a_comment_deleted_since_it_was_listed_is_posted_again(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport
) -> None:
    env = workflow_env(stub, tmp_path)
    assert _post(report, env).startswith("pull request comment posted")
    stub.forget_on_patch = True  # someone deletes it between the listing and the update
    stub.requests.clear()
    assert _post(report, env).startswith("pull request comment posted")
    assert stub.methods() == ["GET", "PATCH", "POST"]


def test_the_token_goes_to_the_api_only_with_bearer_auth(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport
) -> None:
    line = _post(report, workflow_env(stub, tmp_path, GITHUB_TOKEN="from-env"), token=GITHUB_TOKEN)
    assert GITHUB_TOKEN not in line
    assert {r.headers["Authorization"] for r in stub.requests} == {f"Bearer {GITHUB_TOKEN}"}  # the flag wins


def test_forty_failing_suites_stay_under_the_limit_and_say_what_was_left_out(report: EvaluationReport) -> None:
    eight_agents = attrs.evolve(report, agents=report.agents * 4)
    # GitHub counts UTF-16 code units: a character beyond the BMP (an emoji) counts twice
    suites = [
        SimpleNamespace(name=f"suite-{n:02d}-" + "\U0001f916" * 20, report=eight_agents, error=None) for n in range(40)
    ]
    suites.append(SimpleNamespace(name="broken", report=None, error=RuntimeError("the dataset is gone")))
    document = SuitesDocument(suites)
    assert len(document.markdown()) > COMMENT_LIMIT  # the job summary would not fit
    marker = comment_marker("gradient-evals.toml", [])
    body = comment_body(marker, document, reports_url="https://github.com/o/r/actions/runs/1")
    assert len(body.encode("utf-16-le")) // 2 <= COMMENT_LIMIT
    assert body.startswith(marker + "\n")
    assert "broken**: could not run" in body  # a suite that could not run comes first
    assert "- suite-39-" + "\U0001f916" * 20 + ": FAILED" in body
    assert " more lines left out** " in body
    assert "[the workflow run](https://github.com/o/r/actions/runs/1)" in body.splitlines()[-1]
    lines = body.splitlines()
    # worst first: the gate that missed by 25 points before the one that missed by 0.07; the per-prompt
    # regressions (after every gate) do not fit
    by_25 = [i for i, line in enumerate(lines) if "correctness worsens by at most 5" in line]
    by_007 = [i for i, line in enumerate(lines) if "hallucination worsens by at most 0.05" in line]
    assert len(by_25) == 40 * 4
    assert by_007
    assert max(by_25) < min(by_007)
    assert not any(" on prompt " in line for line in lines)
    shown = sum(line.startswith("- ") for line in lines)
    left_out = int(next(line for line in lines if "left out" in line).split()[0].strip("*"))
    every_line = 41 + 1 + 40 * 4 * 3 + 40 * 10  # verdicts, could not run, failed gates, top 10 regressions each
    assert shown + left_out == every_line


def test_a_summary_that_fits_is_the_job_summary_without_the_answers(report: EvaluationReport) -> None:
    body = comment_body(comment_marker("c.toml", ["b", "a"]), report)
    assert body.startswith("<!-- gradient-evals: c.toml a,b -->\n## ")
    assert "<details>" not in body
    assert "<details>" in render_markdown(report)  # the job summary shows them
    assert body.split("\n", 1)[1].startswith(render_markdown(report, answers=False).rstrip())


@pytest.mark.parametrize(
    ("config", "suites"),
    [("x --> <b>y</b>", ["a"]), ("x", ["a -->", "<script>"]), ("x--!>", ["--"]), ("a\nb", ["\u2028"])],
)
def test_a_hostile_config_path_or_suite_name_cannot_close_the_marker(config: str, suites: list[str]) -> None:
    marker = comment_marker(config, suites)
    inside = marker.removeprefix("<!-- ").removesuffix(" -->")
    assert "--" not in inside
    assert not any(c in inside for c in "<>\n\u2028")
    assert marker.startswith("<!-- gradient-evals: ")
    assert marker.endswith(" -->")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"fail": {"POST": 403}}, "may not write to this pull request (403"),
        ({"fail": {"GET": 500}}, "GitHub answered 500"),
        ({"fail": {"GET": 429}}, "rate limit"),
        ({"fail": {"GET": 401}}, "refused the token (401)"),
        ({"fail": {"GET": 301}}, "a redirect (301), which is not followed"),
        ({"hang": True}, "did not answer within 0.3 s"),
        ({"huge": True}, "could not be read (too large or badly encoded)"),
        ({"next_link_origin": "http://127.0.0.2:9"}, "leaves the API's origin"),
    ],
)
def test_github_saying_no_is_one_notice_and_no_exception(
    stub: GitHubStub, tmp_path: Path, report: EvaluationReport, fault: dict[str, object], expected: str
) -> None:
    for key, value in fault.items():
        setattr(stub, key, value)
    stub.add_comments(7, stub.page_size + 1)
    # A short deadline only where the stub hangs: elsewhere the default, so a slow machine cannot time out first
    line = _post(report, workflow_env(stub, tmp_path), timeout=0.3 if stub.hang else None)
    assert line.startswith("pull request comment not posted: "), line
    assert expected in line
    assert "\n" not in line
    assert GITHUB_TOKEN not in line
    assert "POST" not in stub.methods() or fault == {"fail": {"POST": 403}}


def test_the_default_deadline_is_ten_seconds() -> None:
    assert github_comment.TIMEOUT == 10.0
