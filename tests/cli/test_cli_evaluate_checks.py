"""``gradient-evals evaluate --config`` with checks on the answers and a price table: a failing check fails the
verdict (exit 1), each check is a JUnit test case, ``--json`` carries tokens and cost, and a bad check or price is
a one-line error naming the file, the suite, the check and the key (exit 2) before any request."""

from __future__ import annotations

import json
from pathlib import Path

import junitparser
import pytest
from cli.cli_support import AGENTS, Cli

from gradient_evals.testing import FakeGradientServer

CSV = "query,expected_response\n" + "".join(f"Where is order {n}?,It ships today.\n" for n in range(30))

CONFIG = """
[defaults]
metrics = ["correctness"]
poll_interval = 0.05
baseline = "none"

[[defaults.checks]]
kind = "not_contains"
value = ["Acme Corp"]

[pricing]
input_per_million = 0.5
output_per_million = 1.5

[pricing.agents.{agent}]
output_per_million = 4.0

[suites.orders]
dataset = "orders.csv"
agents = ["{agent}"]

[[suites.orders.checks]]
kind = "regex"
value = 'ORD-\\d{5}'
name = "quotes an order"
timeout = 0.5

[[suites.orders.checks]]
kind = "json_schema"
value = "order.schema.json"
min_pass_rate = 10

[[suites.orders.checks]]
kind = "tool_called"
value = "search_docs"
min_pass_rate = 80
"""

SCHEMA = {"type": "object", "required": ["answer", "order_id"], "properties": {"order_id": {"pattern": "^ORD-"}}}


def _config(tmp_path: Path, text: str = CONFIG) -> Path:
    (tmp_path / "orders.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "order.schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    path = tmp_path / "gradient-evals.toml"
    path.write_text(text.replace("{agent}", AGENTS[0]), encoding="utf-8")
    return path


def test_a_failing_check_exits_1_with_a_junit_case_per_check_and_tokens_and_cost_in_json(
    server: FakeGradientServer, cli: Cli, tmp_path: Path
) -> None:
    config = _config(tmp_path)
    junit = tmp_path / "junit.xml"
    code, out, err = cli("--json", "evaluate", "--config", str(config), "--junit-xml", str(junit))
    assert code == 1, err
    (outcome,) = json.loads(out)
    (agent,) = outcome["report"]["agents"]
    checks = {c["name"]: c for c in agent["checks"]}
    assert list(checks) == [
        "not_contains(Acme Corp)",
        "quotes an order",
        "json_schema(order.schema.json)",
        "tool_called(search_docs)",
    ]
    assert checks["not_contains(Acme Corp)"]["passed"]
    assert not checks["quotes an order"]["passed"]
    assert checks["json_schema(order.schema.json)"]["passed"]  # a fifth of the answers are such JSON
    tokens, cost = agent["tokens"], agent["cost"]
    assert tokens["prompts"] == 30
    assert cost["total"] == pytest.approx((tokens["input_total"] * 0.5 + tokens["output_total"] * 4.0) / 1e6)
    cases = {case.name for suite in junitparser.JUnitXml.fromfile(str(junit)) for case in suite}
    assert {f"check:{name} passes on every prompt" for name in ("not_contains(Acme Corp)", "quotes an order")} <= cases
    assert "check:json_schema(order.schema.json) >= 10%" in cases
    created = [r.path for r in server.requests if r.method == "POST" and r.path.endswith(("_cases", "_runs"))]
    assert len(created) == 2  # one test case, one run: the checks sent nothing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('kind = "regex"', 'kind = "regexp"'),
            "suite 'orders', key 'checks[1].kind': check 'quotes an order': unknown check kind 'regexp'",
        ),
        (
            ("value = 'ORD-\\d{5}'", "value = 'ORD-(\\d'"),
            "key 'checks[1].value': check 'quotes an order': the regular expression does not compile",
        ),
        (
            ("timeout = 0.5", "timeout = -1"),
            "key 'checks[1].timeout': check 'quotes an order': timeout must be a positive",
        ),
        (
            ("timeout = 0.5", "colour = 1"),
            "key 'checks[1].colour': check 'quotes an order': unknown key for a regex check",
        ),
        (
            ('value = "order.schema.json"', 'value = "missing.json"'),
            "key 'checks[2].value': check 'json_schema #2': the schema file '",
        ),
        (
            ('value = "order.schema.json"', 'value = { type = "objekt" }'),
            "key 'checks[2].value': check 'json_schema #2': not a valid JSON schema",
        ),
        (
            ("min_pass_rate = 80", "min_pass_rate = -5"),
            "key 'checks[3].min_pass_rate': check 'tool_called #3': min_pass_rate must be",
        ),
        (
            ('name = "quotes an order"', 'name = "not_contains(Acme Corp)"'),
            "suite 'orders', key 'checks': two checks are called 'not_contains(Acme Corp)'",
        ),
        (
            ("input_per_million = 0.5", "input_per_million = -0.5"),
            "key 'pricing.input_per_million': expected dollars per million tokens",
        ),
        (("output_per_million = 4.0", "output_per_million = -4"), "pricing.agents."),
        (
            ("[suites.orders]\n", '[suites.orders]\nmax_regression = { "check:nope" = 5 }\n'),
            "suite 'orders', key 'max_regression': 'check:nope' names no check",
        ),
        (
            ("[suites.orders]\n", "[suites.orders]\nmax_cost = -1\n"),
            "suite 'orders', key 'max_cost': max_cost must be a finite number >= 0, got -1",
        ),
    ],
)
def test_bad_checks_and_prices_exit_2_naming_file_suite_check_and_key_before_any_request(
    server: FakeGradientServer, cli: Cli, tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in CONFIG
    config = _config(tmp_path, CONFIG.replace(*change, 1))
    code, _, err = cli("evaluate", "--config", str(config))
    assert code == 2, err
    assert message in err
    assert str(config) in err
    assert len(err.strip().splitlines()) == 1
    assert server.requests == []
