"""``load_config`` finds every problem of a configuration file while reading it, before anything is sent: an empty
suite name, one agent in two spellings, two suites on one test case, a dataset or quarantine file outside the
file's folder, a file that is not UTF-8 or nests too deep."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gradient_evals.workflows._toml_files import MAX_NESTING, TomlFileError, read_toml
from gradient_evals.workflows.suite_config import ConfigError, find_config, load_config

AGENT = "3c9d2a41-7b6e-4f10-9a8b-1c2d3e4f5a6b"
CSV = "query,expected_response\nQuestion?,Answer.\n"


def _project(tmp_path: Path, text: str, name: str = "gradient-evals.toml") -> Path:
    (tmp_path / "faq.csv").write_text(CSV, encoding="utf-8")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _suite(name: str, *extra: str, agents: str = f'"{AGENT}"') -> str:
    lines = [f"[suites.{name}]", 'dataset = "faq.csv"', f"agents = [{agents}]", *extra]
    return "\n".join(lines) + "\n"


def test_an_empty_suite_name_is_refused_while_reading(tmp_path: Path) -> None:
    for name in ('""', '"  "'):
        path = _project(tmp_path, _suite("faq") + _suite(name))
        with pytest.raises(ConfigError, match=r"a suite needs a name") as caught:
            load_config(path)
        assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("spelling", [AGENT.upper(), AGENT.replace("-", ""), "{" + AGENT + "}"])
def test_one_agent_in_two_spellings_is_refused_and_uuids_are_canonical(tmp_path: Path, spelling: str) -> None:
    path = _project(tmp_path, _suite("faq", agents=f'"{AGENT}", "{spelling}"'))
    with pytest.raises(ConfigError, match=r"suite 'faq', key 'agents': .* are the same agent"):
        load_config(path)
    (suite,) = load_config(_project(tmp_path, _suite("faq", agents=f'"{spelling}", "support-bot"'))).suites
    assert suite.agents == (AGENT, "support-bot")


def test_two_suites_on_one_test_case_are_refused(tmp_path: Path) -> None:
    text = _suite("faq") + _suite("nightly", 'test_case = "faq"')  # faq's test case is its name
    with pytest.raises(ConfigError, match=r"suites 'faq' and 'nightly' both use the test case 'faq'"):
        load_config(_project(tmp_path, text))
    uuid = "0b1f5a8e-4c0e-4d5e-9f8a-1b2c3d4e5f60"
    text = _suite("a", f'test_case = "{uuid}"') + _suite("b", f'test_case = "{uuid.upper()}"')
    with pytest.raises(ConfigError, match=r"both use the test case"):
        load_config(_project(tmp_path, text))
    apart = _suite("faq") + _suite("nightly", 'test_case = "faq-nightly"')
    assert [s.settings["test_case"] for s in load_config(_project(tmp_path, apart)).suites] == ["faq", "faq-nightly"]


def test_a_dataset_outside_the_folder_needs_allow_outside(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(CSV, encoding="utf-8")
    for dataset in ("../elsewhere.csv", str(outside)):
        text = _suite("faq").replace('"faq.csv"', f'"{dataset}"')
        path = _project(project, text)
        with pytest.raises(ConfigError, match=r"key 'dataset': the dataset file .* is outside the configuration's"):
            load_config(path)
        assert load_config(path, allow_outside=True).suites[0].settings["dataset"] == outside.resolve()
        (suite,) = load_config(_project(project, text + "allow_outside = true\n")).suites
        assert suite.settings["dataset"] == outside.resolve()
        assert "allow_outside" not in suite.settings  # about reading the file, not an argument of evaluate
    (project / "data").mkdir()
    (project / "data" / "link.csv").symlink_to(outside)
    linked = _suite("faq").replace('"faq.csv"', '"data/link.csv"')
    with pytest.raises(ConfigError, match=r"is outside the configuration's folder"):
        load_config(_project(project, linked))
    inside = _suite("faq").replace('"faq.csv"', f'"{project / "faq.csv"}"')
    assert load_config(_project(project, inside)).suites[0].settings["dataset"] == (project / "faq.csv").resolve()


def test_a_quarantine_file_outside_the_folder_needs_allow_outside(tmp_path: Path) -> None:
    # quarantine_flaky appends to the file: a configuration from a pull request must not name one anywhere
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "flaky.txt"
    outside.write_text("Question?\n", encoding="utf-8")
    text = _suite("faq", 'quarantine = "../flaky.txt"', "quarantine_flaky = true")
    path = _project(project, text)
    with pytest.raises(ConfigError, match=r"key 'quarantine': the quarantine file .* is outside the configuration's"):
        load_config(path)
    assert load_config(path, allow_outside=True).suites[0].settings["quarantine"] == outside.resolve()
    (project / "flaky.txt").write_text("Question?\n", encoding="utf-8")
    inside = _project(project, _suite("faq", 'quarantine = "flaky.txt"'))
    assert load_config(inside).suites[0].settings["quarantine"] == (project / "flaky.txt").resolve()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[suites.faq]\nrun_name = 'caf\xe9'\n", r"not UTF-8 text \(byte 0xe9 on line 2\)"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest too deeply"),
        (b"x = " + b"{a = " * 5000 + b"}" * 5000 + b"\n", "nest too deeply"),
        (b"# " + b"x" * (1024 * 1024 + 1), "it is larger than 1 MiB"),
    ],
)
def test_a_hostile_file_is_a_config_error_naming_it(tmp_path: Path, raw: bytes, message: str) -> None:
    for name in ("gradient-evals.toml", "pyproject.toml"):
        path = tmp_path / name
        path.write_bytes(raw)
        with pytest.raises(ConfigError, match=message) as caught:
            load_config(path)
        assert str(caught.value).startswith(str(path))
        path.unlink()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(raw)  # found by looking, not named: still an error naming it
    with pytest.raises(ConfigError, match=message) as caught:
        find_config(tmp_path)
    assert str(caught.value).startswith(str(pyproject))


def test_paths_may_be_given_as_strings(tmp_path: Path) -> None:
    path = _project(tmp_path, _suite("faq"))
    assert find_config(str(tmp_path)) == path
    assert load_config(str(path)).path == path
    assert ConfigError("bad", path=str(path)).path == path


def test_the_documented_calls_with_strings_pass_mypy_strict(tmp_path: Path) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "evaluate.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"^```python\n(.*?)^```", page, re.S | re.M) if "load_config(" in b]
    snippet = tmp_path / "snippet.py"
    snippet.write_text(block, encoding="utf-8")
    # In a process of its own: mypy raises the recursion limit of the process it runs in.
    checked = subprocess.run(  # noqa: S603 - this interpreter, type-checking the page's own example
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    "text",
    [
        'a = "' + "[" * 500 + '"\n',  # brackets in strings, comments and multi-line strings are no nesting
        "a = '" + "{" * 500 + "'\n",
        "a = 1  # " + "[" * 500 + "\n",
        'a = """\n' + "[" * 500 + '\n""""\nb = [[1]]\n',
        'a = "\\"' + "[" * 500 + '"\n',
    ],
)
def test_brackets_that_are_not_nesting_are_not_counted(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    assert read_toml(path)["a"]


def test_a_deep_file_is_refused_unparsed_whatever_the_recursion_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n", encoding="utf-8")

    def no_parsing(text: str) -> object:
        raise AssertionError("parsed")

    monkeypatch.setattr(tomllib, "loads", no_parsing)  # a raised recursion limit would let it parse thousands deep
    with pytest.raises(TomlFileError, match=f"nest too deeply \\(more than {MAX_NESTING}\\)"):
        read_toml(path)
