"""Usage, help, tokens and errors of ``gradient-evals``: one line on stderr and a documented exit code."""

from __future__ import annotations

import pytest
from cli_support import MISSING, Cli

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
