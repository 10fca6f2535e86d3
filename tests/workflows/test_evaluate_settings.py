"""``EvaluationSettings``: one declaration of every setting, reached from every entry point.

A setting is a field of the value, with its default and its docs. These tests hold the places that map to it (the
client's keyword arguments, a suite's keys, the command line's flags) to the fields, so a setting added to the
value and forgotten elsewhere fails here, naming it.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest

from gradient_evals import AsyncGradientEvals, EvaluationSettings, GradientEvals, RepeatsError, UnknownSettingError
from gradient_evals.cli._settings_flags import NOT_ON_THE_COMMAND_LINE, SETTING_FLAGS, given_settings
from gradient_evals.cli.commands.evaluate import add_evaluate_options
from gradient_evals.testing import FakeGradientServer
from gradient_evals.workflows import evaluate_settings
from gradient_evals.workflows.suite_config import (
    NOT_IN_A_FILE,
    SUITE_KEYS,
    ConfigError,
    apply_overrides,
    load_config,
)

AGENT_A = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
FIELDS = [field.name for field in attrs.fields(EvaluationSettings)]


def test_every_field_has_its_docs() -> None:
    source = Path(evaluate_settings.__file__).read_text(encoding="utf-8")
    (cls,) = [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "EvaluationSettings"]
    documented = {
        statement.target.id
        for statement, after in zip(cls.body, cls.body[1:], strict=False)
        if isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
        and isinstance(after.value.value, str)
        and after.value.value.strip()
    }
    assert [name for name in FIELDS if name not in documented] == []


def test_every_field_is_a_suite_key_or_said_why_not() -> None:
    assert set(SUITE_KEYS) | set(NOT_IN_A_FILE) == set(FIELDS)
    assert not set(SUITE_KEYS) & set(NOT_IN_A_FILE)
    assert all(reason.strip() for reason in NOT_IN_A_FILE.values())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_evaluate_options(parser)
    return parser


def test_every_field_is_a_flag_or_said_why_not() -> None:
    assert set(SETTING_FLAGS) | set(NOT_ON_THE_COMMAND_LINE) == set(FIELDS)
    assert not set(SETTING_FLAGS) & set(NOT_ON_THE_COMMAND_LINE)
    assert all(reason.strip() for reason in NOT_ON_THE_COMMAND_LINE.values())
    flags = {option for action in _parser()._actions for option in action.option_strings}
    assert [flag for flag in SETTING_FLAGS.values() if flag not in flags] == []


def test_the_client_takes_the_fields_with_their_defaults() -> None:
    for method in (AsyncGradientEvals.evaluate, GradientEvals.evaluate):
        parameters = list(inspect.signature(method).parameters.values())
        assert [p.name for p in parameters] == ["self", "settings", *FIELDS]
        assert parameters[1].kind is inspect.Parameter.POSITIONAL_ONLY
        for field, parameter in zip(attrs.fields(EvaluationSettings), parameters[2:], strict=True):
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
            expected = inspect.Parameter.empty if field.default is attrs.NOTHING else field.default
            assert parameter.default == expected, field.name


@pytest.mark.parametrize(
    ("setting", "value", "error", "message"),
    [
        ("test_case", " ", ValueError, "test_case must be a test case name or UUID"),
        ("agent_uuids", "one", TypeError, "agent_uuids must be a list of strings"),
        ("agent_uuids", ["support-bot"], ValueError, "agent_uuids: 'support-bot' is not a UUID"),
        ("agents", [1], TypeError, "agents must be a list of strings"),
        ("star_metric", 3, TypeError, "star_metric must be a metric name"),
        ("fail_under", 80, TypeError, "fail_under must be a mapping of metric name to number"),
        ("max_regression", {"correctness": -1}, ValueError, "worsen by: >= 0"),
        ("pass_thresholds", {"correctness": float("nan")}, ValueError, "must be a finite number"),
        ("baseline", "yesterday", ValueError, "baseline must be 'latest', a run UUID or None"),
        ("slice_by", "", ValueError, "slice_by must be a column name"),
        ("timeout", 0, ValueError, "timeout must be a positive number of seconds"),
        ("poll_interval", "soon", TypeError, "poll_interval must be a number of seconds"),
        ("max_poll_interval", -1, ValueError, "max_poll_interval must be a positive number of seconds"),
        ("repeats", 0, RepeatsError, "repeats: runs per agent must be a whole number from 1 to 10, got 0"),
        ("repeats", -2, RepeatsError, "repeats: runs per agent must be a whole number from 1 to 10, got -2"),
        ("repeats", 11, RepeatsError, "repeats: runs per agent must be a whole number from 1 to 10, got 11"),
        ("repeats", 2.5, RepeatsError, "repeats: runs per agent must be a whole number from 1 to 10, got 2.5"),
        ("repeats", True, RepeatsError, "repeats: runs per agent must be a whole number"),
        ("max_runs", 0, RepeatsError, "max_runs: the most runs one call may create must be a whole number >= 1"),
        ("quarantine", 3, RepeatsError, "quarantine: expected the path of a file of prompt inputs"),
        ("on_progress", "print", TypeError, "'on_progress' must be callable"),
    ],
)
def test_each_value_is_checked_when_the_settings_are_made(
    setting: str, value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        EvaluationSettings(**{"dataset": "x.csv", "test_case": "t", setting: value})  # type: ignore[arg-type]
    good = EvaluationSettings(dataset="x.csv", test_case="t")
    with pytest.raises(error, match=message):
        attrs.evolve(good, **{setting: value})  # a changed copy is checked too


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # No TOML shape of its own: the file's value, checked as the setting checks it.
        ("max_poll_interval = -1", "key 'max_poll_interval': max_poll_interval must be a positive number"),
        # A TOML shape (a table of gates), then the setting's own check (a regression allowance is >= 0).
        ("max_regression = { correctness = -1 }", "key 'max_regression': max_regression['correctness'] is a number"),
        ('regression_test = "bayes"', "key 'regression_test': regression_test must be 'paired' or 'point'"),
        ('interval = "normal"', "key 'interval': interval must be 't' or 'bootstrap'"),
        ("require_conclusive = true", "key 'require_conclusive': require_conclusive needs a regression gate"),
    ],
)
def test_a_suite_key_is_checked_as_the_setting_when_the_file_is_read(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "faq.csv").write_text("query,expected_response\nq,a\n", encoding="utf-8")
    config = tmp_path / "gradient-evals.toml"
    config.write_text(f'[suites.faq]\ndataset = "faq.csv"\nagents = ["{AGENT_A}"]\n{line}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"suite 'faq', {message}")):
        load_config(config)


# -- the flags of `gradient-evals evaluate` -------------------------------------------------------------------


def _given(command: str) -> dict[str, object]:
    return given_settings(_parser().parse_args(shlex.split(command)))


def test_the_flags_given_become_settings_and_the_rest_keep_their_defaults() -> None:
    given = _given(
        f"--dataset evals/faq.csv --test-case faq --agent support --agent {AGENT_A} --deployment prod "
        "--metric correctness --star-metric correctness --threshold-pct 70 --run-name nightly --baseline none "
        "--baseline-any-version --fail-under correctness=60 --max-regression correctness=5 "
        "--pass-threshold correctness=50 --require-complete --require-baseline --slice-by topic "
        "--dataset-name faq-data --timeout 600 --poll-interval 1 --max-poll-interval 10 --max-cost 2.5 "
        "--max-output-tokens-increase-pct 25 --require-conclusive --regression-test point --interval bootstrap "
        "--repeats 3 --max-runs 50 --quarantine q.txt --quarantine-flaky"
    )
    assert set(given) == set(SETTING_FLAGS)  # every flag reaches its field
    settings = EvaluationSettings(**given)  # type: ignore[arg-type]
    assert settings.dataset == Path("evals/faq.csv")
    assert settings.agents == ["support", AGENT_A]
    assert settings.agent_deployment_names == ["prod"]
    assert settings.baseline is None
    assert settings.fail_under == {"correctness": 60.0}
    assert settings.max_regression == {"correctness": 5.0}
    assert settings.pass_thresholds == {"correctness": 50.0}
    assert (settings.require_complete, settings.require_baseline, settings.baseline_any_version) == (True,) * 3
    assert (settings.timeout, settings.poll_interval, settings.max_poll_interval) == (600.0, 1.0, 10.0)
    assert (settings.max_cost, settings.max_output_tokens_increase_pct) == (2.5, 25.0)
    assert (settings.require_conclusive, settings.regression_test, settings.interval) == (True, "point", "bootstrap")
    repeats = (settings.repeats, settings.max_runs, settings.quarantine, settings.quarantine_flaky)
    assert repeats == (3, 50, "q.txt", True)
    assert _given("--dataset 0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60")["dataset"] == "0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60"


def test_a_flag_left_out_sets_nothing() -> None:
    assert _given("") == {}
    defaults = EvaluationSettings(**_given("--dataset x.csv --test-case t"))  # type: ignore[arg-type]
    assert attrs.evolve(defaults, dataset="x.csv") == EvaluationSettings(dataset="x.csv", test_case="t")


def test_the_flags_override_a_suites_keys_by_field_name(tmp_path: Path) -> None:
    (tmp_path / "faq.csv").write_text("query,expected_response\nq,a\n", encoding="utf-8")
    config = tmp_path / "gradient-evals.toml"
    config.write_text(
        f'[suites.faq]\ndataset = "faq.csv"\nagents = ["{AGENT_A}"]\nagent_deployment_names = ["prod"]\n'
        "max_poll_interval = 20\nfail_under = { correctness = 10 }\n",
        encoding="utf-8",
    )
    (suite,) = load_config(config).suites
    assert suite.deployments == ("prod",)
    assert suite.settings["max_poll_interval"] == 20.0
    (changed,) = apply_overrides([suite], _given("--deployment canary --fail-under correctness=30 --baseline none"))
    assert changed.deployments == ("canary",)
    assert changed.settings["fail_under"] == {"correctness": 30.0}
    assert changed.settings["baseline"] is None


# -- calling evaluate -----------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=5, run_duration=0.1) as srv:
        yield srv


@pytest.mark.anyio
async def test_an_unknown_keyword_names_the_nearest_setting_before_any_request() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as pool,
        AsyncGradientEvals("tok", base_url="https://api.test", http_client=pool) as client,
    ):
        typo = r"no setting 'fail_undr' \(did you mean 'fail_under'\?\)"
        with pytest.raises(UnknownSettingError, match=typo) as caught:
            await client.evaluate(dataset="x.csv", test_case="t", fail_undr={"correctness": 1})  # type: ignore[call-overload]
        assert isinstance(caught.value, TypeError)
        assert (caught.value.setting, caught.value.suggestion) == ("fail_undr", "fail_under")
        with pytest.raises(UnknownSettingError, match="settings: dataset, test_case"):
            await client.evaluate(dataset="x.csv", test_case="t", zzz=1)  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="needs the setting test_case"):
            await client.evaluate(dataset="x.csv")  # type: ignore[call-overload]
        value = EvaluationSettings(dataset="x.csv", test_case="t")
        with pytest.raises(TypeError, match="not both"):
            await client.evaluate(value, timeout=1)  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="takes one EvaluationSettings value, got dict"):
            await client.evaluate({"dataset": "x.csv"})  # type: ignore[call-overload]
    assert sent == []


@pytest.mark.anyio
async def test_a_settings_value_and_keywords_run_the_same_evaluation(server: FakeGradientServer) -> None:
    dataset = server.add_dataset(rows=6)
    settings = EvaluationSettings(
        dataset=dataset,
        test_case="settings",
        metrics=["correctness"],
        agent_uuids=[AGENT_A],
        fail_under={"correctness": 1},
        baseline=None,
        poll_interval=0.05,
        max_poll_interval=0.1,
    )
    async with AsyncGradientEvals(server.token, base_url=server.base_url) as client:
        by_value = await client.evaluate(settings)
        by_keywords = await client.evaluate(**{f: getattr(settings, f) for f in FIELDS})
    for report in (by_value, by_keywords):
        assert report.passed, report.verdict.reasons
        assert report.test_case_name == "settings"
        assert report.fail_under == {"correctness": 1.0}
    assert by_value.test_case_uuid == by_keywords.test_case_uuid
    assert by_keywords.test_case_version == by_value.test_case_version  # the same settings: no new version


def test_the_blocking_client_takes_a_settings_value(server: FakeGradientServer) -> None:
    settings = EvaluationSettings(
        dataset=server.add_dataset(rows=4),
        test_case="blocking",
        metrics=["correctness"],
        agent_uuids=[AGENT_A],
        baseline=None,
        poll_interval=0.05,
        max_poll_interval=0.1,
    )
    with GradientEvals(server.token, base_url=server.base_url) as client:
        report = client.evaluate(settings)
        assert report.test_case_name == "blocking"
        with pytest.raises(UnknownSettingError, match="did you mean 'timeout'"):
            client.evaluate(dataset="x.csv", test_case="t", timout=5)  # type: ignore[call-overload]
