"""Usage, help, tokens and errors of ``gradient-evals``: one line on stderr and a documented exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli.cli_support import AGENTS, MISSING, Cli

from gradient_evals.cli import main
from gradient_evals.testing import Fault


def test_help_lists_the_commands_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("demo", "emulator", "runs", "test-cases", "exit codes", "quality gate"):
        assert word in out
    assert main(["runs", "wait", "--help"]) == 0
    assert "--fail-under" in capsys.readouterr().out


def test_usage_errors_exit_2(cli: Cli) -> None:
    code, _, err = cli("runs", "frobnicate")
    assert code == 2
    assert "invalid choice" in err
    code, _, err = cli("runs", "summary", MISSING, "--fail-under", "correctness")
    assert code == 2
    assert "METRIC=NUMBER" in err
    code, _, err = cli("runs", "get", "not-a-uuid")
    assert code == 2
    assert err.count("\n") == 1
    assert "evaluation_run_uuid" in err


def test_no_token_is_a_usage_error(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    code, out, err = cli("runs", "get", MISSING, auth=False)
    assert code == 2
    assert out == ""
    assert "DIGITALOCEAN_ACCESS_TOKEN" in err


def test_token_from_the_environment(cli: Cli, runs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", cli.server.token)
    code, out, _ = cli("--base-url", cli.server.base_url, "runs", "get", runs[0], auth=False)
    assert code == 0
    assert runs[0] in out


def test_api_errors_are_one_line_with_status_and_request_id(cli: Cli) -> None:
    code, out, err = cli("runs", "get", MISSING)
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert "404" in err
    assert "request_id=" in err
    assert err.startswith("gradient-evals: API error:")


def test_a_wrong_token_is_an_api_error(cli: Cli, runs: list[str]) -> None:
    code, _, err = cli("--token", "dop_v1_wrong", "--base-url", cli.server.base_url, "runs", "get", runs[0], auth=False)
    assert code == 3
    assert "401" in err
    assert "dop_v1_wrong" not in err


def test_network_errors_exit_3(cli: Cli, runs: list[str]) -> None:
    cli.server.inject(Fault.reset())
    code, _, err = cli("runs", "get", runs[0])
    assert code == 3
    assert err.count("\n") == 1


# -- messages in the command line's own words ----------------------------------------------------------------

PYTHON_ISMS = ["access_token=", "allow_insecure_http", "client.", "list_evaluation_runs()"]


def assert_command_line_words(err: str) -> None:
    for phrase in PYTHON_ISMS:
        assert phrase not in err, f"{phrase!r} speaks to Python callers"


def test_exit_code_table_lists_interrupt_and_broken_pipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    table = out.split("exit codes:", 1)[1]
    for code in ("0", "1", "2", "3", "4", "130", "141"):
        assert any(line.split()[:1] == [code] for line in table.splitlines()), code
    assert main(["runs", "results", "--help"]) == 0
    assert "130" in capsys.readouterr().out


def test_no_token_names_the_flag(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    code, _, err = cli("runs", "get", MISSING, auth=False)
    assert code == 2
    assert "--token" in err
    assert_command_line_words(err)


def test_plain_http_to_a_remote_host_names_the_command_line_rule(cli: Cli) -> None:
    code, _, err = cli("--token", "t", "--base-url", "http://api.example.com", "runs", "get", MISSING, auth=False)
    assert code == 2
    assert "plain HTTP" in err
    assert_command_line_words(err)


def test_a_create_of_unknown_outcome_names_the_command_to_check(cli: Cli, test_case: str) -> None:
    cli.server.inject(Fault.reset(after_action=True), method="POST", times=1)
    # The lookup of the runs the create may have made fails too: the outcome stays unknown.
    cli.server.inject(Fault.status(500), method="GET", path="/evaluation_test_cases/")
    code, _, err = cli("runs", "create", "--test-case", test_case, "--agent", AGENTS[0], "--name", "nightly")
    assert code == 3
    assert f"gradient-evals test-cases runs {test_case}" in err
    assert "'nightly'" in err
    assert_command_line_words(err)
    assert err.count("\n") == 1


def test_an_unwritable_output_names_the_file_asked_for(cli: Cli, runs: list[str], tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "results.csv"
    code, out, err = cli("runs", "results", runs[0], "--output", str(target))
    assert code == 3
    assert out == ""
    assert err.startswith(f"gradient-evals: cannot write '{target}': ")
    assert ".part" not in err
    # Every path in the message is the target or its folder: no temporary file is named.
    assert all(rest.startswith("/missing-dir") for rest in err.split(str(tmp_path))[1:]), err
    assert list(tmp_path.iterdir()) == []
