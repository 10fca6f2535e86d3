"""``gradient-evals evaluate`` without ``--dataset``: the suites of a config file, agents by name and by UUID."""

from __future__ import annotations

from pathlib import Path

import junitparser
import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals.testing import FakeGradientServer

CSV = "query,expected_response,topic\n" + "".join(
    f"Question {n} about {('billing', 'shipping')[n % 2]}?,Answer {n}.,{('billing', 'shipping')[n % 2]}\n"
    for n in range(40)
)


def _config(tmp_path: Path, first_agent: str) -> Path:
    (tmp_path / "faq.csv").write_text(CSV, encoding="utf-8")
    path = tmp_path / "gradient-evals.toml"
    path.write_text(
        f"""
[defaults]
metrics = ["correctness"]
star_metric = "correctness"
fail_under = {{ correctness = 10 }}
poll_interval = 0.05

[suites.faq]
dataset = "faq.csv"
agents = ["{first_agent}", "{AGENTS[1]}"]
max_regression = {{ correctness = 15 }}
slice_by = "topic"

[suites.billing]
dataset = "faq.csv"
test_case = "billing-regression"
agents = ["{AGENTS[1]}"]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def named(server: FakeGradientServer) -> str:
    """The first agent's name in the emulator's agents listing."""
    return server.add_agent(uuid=AGENTS[0], name="support-bot")


def test_two_suites_pass_then_a_regression_exits_1_with_one_report_of_each_kind(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, named: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    config = _config(tmp_path, "support-bot")
    for agent in AGENTS:
        server.set_agent_profile(agent, quality=85)
    junit, markdown = tmp_path / "junit.xml", tmp_path / "summary.md"
    reports = ["--junit-xml", str(junit), "--markdown", str(markdown), "--html", str(tmp_path / "r.html")]
    code, out, err = cli("evaluate", "--config", str(config), *reports)
    assert code == 0, err
    assert "== suite faq ==" in out
    assert "== suite billing ==" in out
    suites = {suite.name for suite in junitparser.JUnitXml.fromfile(str(junit))}
    assert len(suites) == 3  # faq x 2 agents, billing x 1
    assert all(name.startswith(("faq / ", "billing / ")) for name in suites)
    text = markdown.read_text(encoding="utf-8")
    assert "## Suite faq" in text
    assert "## Suite billing" in text
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count('<section id="suite-') == 2

    server.set_agent_profile(AGENTS[1], quality=40)
    code, _, err = cli("evaluate", "--config", str(config), *reports)
    assert code == 1, err  # the worst over suites


def test_suite_selects_one_and_flags_override_the_config(server: FakeGradientServer, cli: Cli, tmp_path: Path) -> None:
    config = _config(tmp_path, AGENTS[0])
    code, out, err = cli("evaluate", "--config", str(config), "--suite", "billing", "--baseline", "none")
    assert code == 0, err
    assert "== suite billing ==" in out
    assert "== suite faq ==" not in out
    created = [r for r in server.requests if r.method == "POST" and r.path.endswith("/evaluation_runs")]
    assert len(created) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('agents = ["support-bot"', 'agents = ["nobody-by-that-name"'), "suite 'faq', key 'agents'"),
        (("fail_under", "fail_undr"), "key 'fail_undr': unknown key"),
        (('"correctness"]', '"corectness"]'), "suite 'faq', key 'metrics'"),
        ((f'"support-bot", "{AGENTS[1]}"', f'"support-bot", "{AGENTS[0].upper()}"'), "are the same agent"),
    ],
)
def test_unknown_agents_bad_keys_and_unknown_metrics_exit_2_and_create_nothing(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, named: str, change: tuple[str, str], message: str
) -> None:
    config = _config(tmp_path, "support-bot")
    config.write_text(config.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    code, _, err = cli("evaluate", "--config", str(config))
    assert code == 2, err
    assert message in err
    assert not [r for r in server.requests if r.method in ("POST", "PUT", "PATCH")]


def test_an_ambiguous_agent_name_lists_the_candidates(server: FakeGradientServer, cli: Cli, tmp_path: Path) -> None:
    server.add_agent(uuid=AGENTS[0], name="support-bot")
    server.add_agent(uuid="0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60", name="support-bot")
    code, _, err = cli("evaluate", "--config", str(_config(tmp_path, "support-bot")))
    assert code == 2, err
    assert AGENTS[0] in err
    assert "0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60" in err
    assert not [r for r in server.requests if r.method in ("POST", "PUT", "PATCH")]


def test_no_dataset_and_no_config_is_a_usage_error(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("evaluate")
    assert code == 2
    assert "gradient-evals init" in err


def test_a_flag_overrides_the_config_even_when_it_repeats_the_default() -> None:
    from gradient_evals.cli._app import build_parser
    from gradient_evals.cli.commands._suites import overrides_of

    parser = build_parser()
    assert overrides_of(parser.parse_args(["evaluate"])) == {}
    given = overrides_of(parser.parse_args(["evaluate", "--timeout", "3600", "--baseline", "latest"]))
    assert given == {"timeout": 3600.0, "baseline": "latest"}


def test_test_case_with_a_config_is_a_usage_error_not_ignored(
    server: FakeGradientServer, cli: Cli, tmp_path: Path
) -> None:
    code, _, err = cli("evaluate", "--config", str(_config(tmp_path, AGENTS[0])), "--test-case", "other")
    assert code == 2
    assert "--test-case goes with --dataset" in err
    assert not [r for r in server.requests if r.method in ("POST", "PUT", "PATCH")]


def test_a_bad_value_on_the_command_line_names_the_flag(server: FakeGradientServer, cli: Cli) -> None:
    dataset = server.add_dataset(rows=3)
    code, _, err = cli("evaluate", "--dataset", dataset, "--test-case", "t", "--agent", AGENTS[0], "--slice-by", " ")
    assert code == 2
    assert "--slice-by must be a column name" in err
    assert not [r for r in server.requests if r.method in ("POST", "PUT", "PATCH")]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'[suites.""]\ndataset = "faq.csv"\nagents = ["x"]\n', "a suite needs a name"),
        (f'[suites.x]\ndataset = "faq.csv"\nagents = ["{AGENTS[0]}", "{AGENTS[0].upper()}"]\n'.encode(), "same agent"),
        (
            b'[suites.x]\ndataset = "faq.csv"\nagents = ["a"]\n[suites.y]\ndataset = "faq.csv"\nagents = ["a"]\n'
            b'test_case = "x"\n',
            "both use the test case 'x'",
        ),
        (b'[suites.x]\ndataset = "../faq.csv"\nagents = ["a"]\n', "outside the configuration's folder"),
        (b"[suites.x]\nrun_name = 'caf\xe9'\n", "not UTF-8 text"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest too deeply"),
    ],
)
@pytest.mark.parametrize("file_name", ["gradient-evals.toml", "pyproject.toml"])
def test_every_problem_of_the_file_exits_2_before_anything_is_sent(
    server: FakeGradientServer,
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raw: bytes,
    message: str,
    file_name: str,
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for folder in (tmp_path, project):
        (folder / "faq.csv").write_text(CSV, encoding="utf-8")
    if file_name == "pyproject.toml":
        raw = raw.replace(b"[suites.", b"[tool.gradient-evals.suites.")
    (project / file_name).write_bytes(raw)
    monkeypatch.chdir(project)  # the file found by looking, as a user without --config has it
    code, _, err = cli("evaluate")
    assert code == 2, err
    assert message in err
    assert file_name in err
    assert not server.requests


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ('dataset = "bad.csv"\n', "no 'query' column"),
        ('dataset = "faq.csv"\nmax_regression = { correctness = -5 }\n', "max_regression"),
        ('dataset = "faq.csv"\nbaseline = "0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60"\n', "baseline"),  # no such run
    ],
)
def test_a_problem_of_the_last_suite_stops_every_suite_before_anything_is_created(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, second: str, message: str
) -> None:
    config = _config(tmp_path, AGENTS[0])
    (tmp_path / "bad.csv").write_text("question,expected_response\nHi?,Hello.\n", encoding="utf-8")
    with config.open("a", encoding="utf-8") as out:
        out.write(f'\n[suites.zz-last]\nagents = ["{AGENTS[1]}"]\n{second}')
    code, _, err = cli("evaluate", "--config", str(config))
    assert code == 2, err
    assert "suite 'zz-last'" in err
    assert message in err
    assert not [r for r in server.requests if r.method in ("POST", "PUT", "PATCH")]


def test_allow_outside_on_the_command_line_lets_a_dataset_outside_the_folder_in(
    server: FakeGradientServer, cli: Cli, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "faq.csv").write_text(CSV, encoding="utf-8")
    config = project / "gradient-evals.toml"
    config.write_text(
        f'[suites.faq]\ndataset = "../faq.csv"\nagents = ["{AGENTS[0]}"]\nmetrics = ["correctness"]\n'
        "poll_interval = 0.05\n",
        encoding="utf-8",
    )
    code, _, err = cli("evaluate", "--config", str(config))
    assert code == 2, err
    assert "outside the configuration's folder" in err
    code, out, err = cli("evaluate", "--config", str(config), "--allow-outside")
    assert code == 0, err
    assert "== suite faq ==" in out
