"""What a new user meets in the first hour of the command line: its words, its counts, its tables, its help."""

from __future__ import annotations

import argparse
import re
import socket
from pathlib import Path

import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals.cli import main
from gradient_evals.cli._app import build_parser
from gradient_evals.cli._args import _RETURNED_BY, command_path
from gradient_evals.cli._flags import in_flag_words
from gradient_evals.testing import FakeGradientServer

MISSING_RUN = "00000000-0000-4000-8000-000000000000"


def _evaluate(dataset: str, *extra: str) -> list[str]:
    return ["evaluate", "--dataset", dataset, "--test-case", "faq", "--poll-interval", "0.05", *extra]


@pytest.mark.parametrize(
    ("extra", "said", "python"),
    [
        (["--metric", "correctness", "--star-metric", "nosuch", "--agent", AGENTS[0]], "--star-metric:", "star_metric"),
        (["--metric", "correctness", "--agent", "not-a-uuid-nor-a-name!"], "--agent", "agent_uuids"),
        (["--metric", "correctness", "--agent", AGENTS[0], "--fail-under", "nosuch=3"], "--fail-under:", "fail_under"),
        (["--agent", AGENTS[0]], "give --metric", "metrics="),
        (["--metric", "corectness", "--agent", AGENTS[0]], "--metric: no metric is called 'corectness'", "metrics["),
        (["--metric", "correctness", "--agent", AGENTS[0], "--max-regression", "x=1"], "--max-regression:", "max_"),
    ],
)
def test_evaluate_errors_name_the_options_typed(
    server: FakeGradientServer, cli: Cli, extra: list[str], said: str, python: str
) -> None:
    dataset = server.add_dataset(rows=3)
    code, _, err = cli(*_evaluate(dataset, *extra))
    assert code == 2, err
    assert said in err
    assert python not in err
    assert [r.path for r in server.requests if r.method != "GET"] == [], "nothing is created"


def test_test_case_errors_name_the_options_typed(server: FakeGradientServer, cli: Cli) -> None:
    dataset = server.add_dataset(rows=3)
    code, _, err = cli(
        "test-cases", "create", "--name", "faq", "--dataset", dataset, "--metric", "correctness",
        "--star-metric", "nosuch",
    )  # fmt: skip
    assert code == 2, err
    assert "--star-metric: no metric is called 'nosuch'" in err
    assert "star_metric" not in err


def test_the_python_api_keeps_its_own_words() -> None:
    # Only the command line re-words: the SDK's messages speak to Python callers.
    from gradient_evals.workflows._arguments import names_in_catalog

    with pytest.raises(ValueError, match=r"^fail_under: no metric"):
        names_in_catalog({"nosuch": 1.0}, (), "fail_under")


def test_flag_words_leave_english_alone() -> None:
    assert in_flag_words("known metrics: correctness; the baseline is old") == (
        "known metrics: correctness; the baseline is old"
    )
    assert in_flag_words("star_metric.success_threshold_pct must be from 0 to 100") == (
        "--threshold-pct must be from 0 to 100"
    )


def test_a_sliced_upload_names_the_users_file_and_counts_one_run(
    server: FakeGradientServer, cli: Cli, tmp_path: Path
) -> None:
    faq = tmp_path / "faq.csv"
    faq.write_text(
        "query,expected_response,topic\nHow do I log in?,Use SSO.,account\nWhy two charges?,A hold.,billing\n",
        encoding="utf-8",
    )
    code, _, err = cli(*_evaluate(str(faq), "--metric", "correctness", "--agent", AGENTS[0], "--slice-by", "topic"))
    assert code == 0, err
    assert "uploading faq.csv as " in err
    assert "dataset.csv" not in err
    assert "started 1 run: " in err
    assert "1 runs" not in err


def test_a_string_metric_shows_its_most_common_value_and_share(
    server: FakeGradientServer, cli: Cli, tmp_path: Path
) -> None:
    dataset = server.add_dataset(rows=12)
    markdown = tmp_path / "summary.md"
    code, out, err = cli(
        *_evaluate(dataset, "--metric", "correctness", "--metric", "tone", "--agent", AGENTS[0]),
        "--markdown", str(markdown),
    )  # fmt: skip
    assert code == 0, err
    cell = re.compile(r"[a-z]+ \d{1,3}%")
    agent_row = next(line for line in out.splitlines() if "support-agent" in line)
    assert cell.search(agent_row), out
    table_row = next(line for line in markdown.read_text(encoding="utf-8").splitlines() if "support" in line)
    assert cell.search(table_row), table_row


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                inner = _subcommand_parsers(sub)
                found += [(f"{name} {n}", p) for n, p in inner] if inner else [(name, sub)]
    return found


_COMMANDS = _subcommand_parsers(build_parser())


@pytest.mark.parametrize(("name", "parser"), _COMMANDS, ids=[name for name, _ in _COMMANDS])
def test_help_offers_only_options_the_command_has(name: str, parser: argparse.ArgumentParser) -> None:
    offered = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", parser.format_help()))
    accepted = {option for action in parser._actions for option in action.option_strings}
    assert offered <= accepted, f"{name} --help mentions {sorted(offered - accepted)}"


def test_a_connection_failure_names_the_url_it_tried(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stale = f"http://127.0.0.1:{port}"
    code = main(["--token", "t", "--base-url", stale, "agents", "list"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert f"(base URL {stale})" in err


def _codes_in_help(capsys: pytest.CaptureFixture[str], *command: str) -> set[int]:
    assert main([*command, "--help"]) == 0
    table = capsys.readouterr().out.split("exit codes:\n", 1)[1]
    return {int(line.split()[0]) for line in table.splitlines() if line.strip()[:1].isdigit()}


def test_each_commands_help_lists_only_the_exit_codes_it_can_return(capsys: pytest.CaptureFixture[str]) -> None:
    everywhere = {0, 2, 3, 130, 141}
    assert _codes_in_help(capsys, "metrics", "list") == everywhere
    assert _codes_in_help(capsys, "init") == everywhere
    assert _codes_in_help(capsys, "emulator") == everywhere
    assert _codes_in_help(capsys, "runs", "create") == everywhere | {4}  # --wait: a run that failed
    for gated in (["runs", "wait"], ["runs", "summary"], ["evaluate"], ["demo"]):
        assert _codes_in_help(capsys, *gated) == everywhere | {1, 4}, gated
    assert _codes_in_help(capsys, "runs", "compare") == everywhere | {1}
    commands = {command_path(p) for p in _command_parsers(build_parser())}
    for code, named in _RETURNED_BY.items():
        assert named <= commands, f"exit {code} is listed for commands that do not exist: {named - commands}"


def _command_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                inner = _command_parsers(sub)
                found += inner or [sub]
    return found


def test_init_takes_no_token(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["init", "--help"]) == 0
    assert "--token" not in capsys.readouterr().out
    for argv in (["init", "--token", "t"], ["--token", "t", "init"]):
        assert main([*argv, "--directory", str(tmp_path / "x")]) == 2
        assert "init does not use --token" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_no_token_says_how_to_try_it_offline(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    assert main(["agents", "list"]) == 2
    err = capsys.readouterr().err
    assert "--token" in err
    assert 'eval "$(gradient-evals emulator --env &)"' in err


def test_a_mistyped_option_shows_the_usage_of_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--datset", "faq.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gradient-evals evaluate ")
    assert "gradient-evals evaluate: error: unrecognized arguments: --datset faq.csv" in err
    assert main(["runs", "get", MISSING_RUN, "--jsn"]) == 2
    assert "gradient-evals runs get: error: unrecognized arguments: --jsn" in capsys.readouterr().err
