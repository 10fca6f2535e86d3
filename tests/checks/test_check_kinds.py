"""Each kind of check on scripted prompts: exactly the prompts that should fail do, with their reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradient_evals import GradientEvalsError
from gradient_evals.checks import (
    CheckError,
    Contains,
    Custom,
    Equals,
    ExpectedInAnswer,
    IContains,
    IsJSON,
    JSONSchema,
    MaxInputTokens,
    MaxOutputTokens,
    MaxWords,
    NotContains,
    Regex,
    StartsWith,
    ToolCalled,
    ToolOrder,
    as_checks,
    check_from_table,
    judge_all,
    run_checks,
    tool_calls,
)
from gradient_evals.types import AgentSpan, ChildSpan, EvaluationPrompt, TraceSpan, TraceSpanType


def prompt(output: str | None = "", **fields: object) -> EvaluationPrompt:
    return EvaluationPrompt(prompt_id=1, input="q", output=output, **fields)  # type: ignore[arg-type]


def tool(name: str) -> ChildSpan:
    return ChildSpan(name=name, type=TraceSpanType.TOOL)


def traced(*names: str) -> EvaluationPrompt:
    llm = ChildSpan(name="llm", type=TraceSpanType.LLM)
    agent = ChildSpan(name="agent", type=TraceSpanType.AGENT, agent=AgentSpan(spans=tuple(tool(n) for n in names)))
    return prompt("ok", evaluation_trace_spans=(TraceSpan(name="root", spans=(llm, agent)),))


@pytest.mark.parametrize(
    ("check", "answer", "expected"),
    [
        (Contains("ORD-"), "your order ORD-12", (True, "")),
        (Contains(["ORD-", "refund"]), "ORD-12", (False, "does not contain 'refund'")),
        (Contains("ord-"), "ORD-12", (False, "does not contain 'ord-'")),
        (IContains("ord-"), "ORD-12", (True, "")),
        (IContains(["ord-", "X"]), "ORD-12", (False, "does not contain 'X'")),
        (NotContains(["Acme", "Globex"]), "we beat Globex", (False, "contains 'Globex'")),
        (NotContains("Acme"), "fine", (True, "")),
        (Equals("yes"), "  yes\n", (True, "")),
        (Equals("yes"), "yes!", (False, "is not 'yes'")),
        (StartsWith("Dear"), "\n Dear customer", (True, "")),
        (StartsWith("Dear"), "Hi", (False, "does not start with 'Dear'")),
        (IsJSON(), ' {"a": 1} ', (True, "")),
        (
            IsJSON(),
            "{a: 1}",
            (False, "not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ),
        (MaxWords(3), "one two  three", (True, "")),
        (MaxWords(3), "one two three four", (False, "4 words, more than 3")),
        (Contains("x"), None, (False, "no answer")),
        (IsJSON(), None, (False, "no answer")),
    ],
)
def test_text_checks(check: object, answer: str | None, expected: tuple[bool, str]) -> None:
    assert check.check(prompt(answer)) == expected  # type: ignore[attr-defined]


def test_json_schema_checks_the_document_against_draft_2020_12() -> None:
    schema = {"type": "object", "required": ["order"], "properties": {"order": {"type": "string", "pattern": "^ORD-"}}}
    check = JSONSchema(schema)
    assert check.check(prompt('{"order": "ORD-1"}')) == (True, "")
    assert check.check(prompt('{"order": "X"}')) == (
        False,
        "does not match the schema at order: 'X' does not match '^ORD-'",
    )
    assert check.check(prompt("{}")) == (False, "does not match the schema: 'order' is a required property")
    assert check.check(prompt("nope"))[1].startswith("not JSON: ")
    # 2020-12 keywords are understood: prefixItems.
    pair = JSONSchema({"type": "array", "prefixItems": [{"type": "integer"}], "items": False})
    assert pair.check(prompt("[1]")) == (True, "")
    assert pair.check(prompt("[1, 2]"))[0] is False


def test_token_budgets_fail_a_missing_or_malformed_count() -> None:
    assert MaxOutputTokens(300).check(prompt("a", output_tokens=300)) == (True, "")
    assert MaxOutputTokens(300).check(prompt("a", output_tokens=301)) == (False, "301 output tokens, more than 300")
    assert MaxOutputTokens(300).check(prompt("a")) == (False, "no output tokens count")
    assert MaxInputTokens(10).check(prompt("a", input_tokens="lots")) == (
        False,
        "the input tokens count 'lots' is not a number",
    )
    assert MaxInputTokens(10).check(prompt("a", input_tokens=9)) == (True, "")


def test_tool_checks_read_the_trace_depth_first() -> None:
    assert tool_calls(traced("lookup_order", "search_docs")) == ("lookup_order", "search_docs")
    assert ToolCalled("lookup_order").check(traced("search_docs", "lookup_order")) == (True, "")
    assert ToolCalled(["lookup_order", "refund"]).check(traced("lookup_order")) == (
        False,
        "refund not called (tools called: lookup_order)",
    )
    assert ToolOrder(["lookup_order", "search_docs"]).check(traced("lookup_order", "x", "search_docs")) == (True, "")
    assert ToolOrder(["lookup_order", "search_docs"]).check(traced("search_docs", "lookup_order")) == (
        False,
        "expected lookup_order -> search_docs in that order, tools called: search_docs, lookup_order",
    )
    assert ToolCalled("lookup_order").check(traced()) == (False, "lookup_order not called (tools called: none)")


def test_a_prompt_without_a_trace_fails_the_tool_checks_with_no_trace() -> None:
    assert ToolCalled("lookup_order").check(prompt("ok")) == (False, "no trace")
    assert ToolOrder(["a", "b"]).check(prompt("ok")) == (False, "no trace")


def test_expected_in_answer_ignores_case_and_whitespace() -> None:
    check = ExpectedInAnswer()
    assert check.check(prompt("Your order  ships\nON MONDAY.", ground_truth="ships on monday")) == (True, "")
    assert check.check(prompt("It ships Tuesday", ground_truth="ships on monday")) == (
        False,
        "the expected response is not in the answer",
    )
    assert check.check(prompt("x")) == (False, "the row has no expected response")


def test_a_function_check_passes_fails_or_fails_with_its_exception() -> None:
    def boom(p: EvaluationPrompt) -> bool:
        raise KeyError("order")

    assert Custom(lambda p: True).check(prompt("x")) == (True, "")
    assert Custom(lambda p: (False, "too polite")).check(prompt("x")) == (False, "too polite")
    assert Custom(lambda p: False).check(prompt("x")) == (False, "the check returned False")
    assert Custom(boom).check(prompt("x")) == (False, "KeyError: 'order'")
    assert Custom(boom).name == "boom"
    assert Custom(lambda p: 1).check(prompt("x")) == (False, "the check returned 1, not a bool or a (bool, str) pair")


def test_names_default_to_kind_and_argument() -> None:
    assert Contains(["a", "b"]).name == "contains(a, b)"
    assert Regex(r"ORD-\d+").name == r"regex(ORD-\d+)"
    assert MaxOutputTokens(300).name == "max_output_tokens(300)"
    assert IsJSON().name == "is_json"
    assert Contains("x", name="mentions x").name == "mentions x"
    assert Contains("y" * 100).name == "contains(" + "y" * 39 + "…)"


def test_regex_checks_every_answer_in_one_worker() -> None:
    prompts = [prompt(text) for text in ("ORD-123", "no order", None, "order ord-9")]
    assert judge_all(Regex(r"ORD-\d+"), prompts) == [
        (True, ""),
        (False, r"does not match 'ORD-\\d+'"),
        (False, "no answer"),
        (False, r"does not match 'ORD-\\d+'"),
    ]
    assert [ok for ok, _ in judge_all(Regex(r"(?i)ord-\d+"), prompts)] == [True, False, False, True]


def test_a_catastrophic_regex_fails_only_the_answer_it_hangs_on() -> None:
    texts = ["aaa", "a" * 10_000 + "!", "b", "aaaa"]
    verdicts = judge_all(Regex(r"(a+)+$", timeout=0.05), [prompt(t) for t in texts])
    assert verdicts == [
        (True, ""),
        (False, "the regular expression ran past its time budget of 0.05 s on this answer"),
        (False, "does not match '(a+)+$'"),
        (True, ""),
    ]


def test_run_checks_counts_pass_rates_and_lists_the_failing_prompts() -> None:
    prompts = [EvaluationPrompt(prompt_id=i, input=f"q{i}", output=o) for i, o in enumerate(["ORD-1", "none", "ORD-2"])]
    strict = Contains("ORD-")
    lenient = Contains("ORD-", name="lenient", min_pass_rate=60)
    results, verdicts = run_checks([strict, lenient], prompts)
    assert [r.pass_rate for r in results] == pytest.approx([200 / 3, 200 / 3])
    assert [r.passed for r in results] == [False, True]
    assert results[0].metric == "check:contains(ORD-)"
    assert [(f.prompt_id, f.output, f.reason) for f in results[0].failures] == [(1, "none", "does not contain 'ORD-'")]
    assert verdicts[0] == [(True, ""), (False, "does not contain 'ORD-'"), (True, "")]
    empty, _ = run_checks([strict], [])
    assert empty[0].pass_rate is None
    assert not empty[0].passed  # never passes by omission


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda: Regex("(unclosed"), "value"),
        (lambda: Regex("x", timeout=-1), "timeout"),
        (lambda: MaxWords(-1), "value"),
        (lambda: MaxOutputTokens(1.5), "value"),
        (lambda: Contains([]), "value"),
        (lambda: Contains("x", min_pass_rate=101), "min_pass_rate"),
        (lambda: JSONSchema({"type": "nonsense"}), "value"),
        (lambda: JSONSchema([1]), "value"),  # type: ignore[arg-type]
        (lambda: Custom("not callable"), "value"),
    ],
)
def test_bad_arguments_are_check_errors_naming_the_key(make: object, key: str) -> None:
    with pytest.raises(CheckError) as caught:
        make()  # type: ignore[operator]
    assert caught.value.key == key
    assert isinstance(caught.value, GradientEvalsError)


def test_as_checks_takes_functions_and_refuses_a_name_used_twice() -> None:
    def polite(p: EvaluationPrompt) -> bool:
        return True

    assert [c.name for c in as_checks([Contains("x"), polite])] == ["contains(x)", "polite"]
    with pytest.raises(CheckError, match="two checks are called 'contains\\(x\\)'"):
        as_checks([Contains("x"), Contains("x", min_pass_rate=5)])
    with pytest.raises(CheckError):
        as_checks([42])  # type: ignore[list-item]


def test_tables_from_a_configuration(tmp_path: Path) -> None:
    (tmp_path / "order.json").write_text(json.dumps({"type": "object", "required": ["order"]}))
    schema = check_from_table({"kind": "json_schema", "value": "order.json"}, base=tmp_path)
    assert schema.name == "json_schema(order.json)"
    assert schema.check(prompt("{}"))[0] is False
    regex = check_from_table({"kind": "regex", "value": "x", "timeout": 0.5, "name": "has x"}, base=tmp_path)
    assert (regex.name, regex.timeout) == ("has x", 0.5)  # type: ignore[attr-defined]
    assert check_from_table({"kind": "is_json"}, base=tmp_path) == IsJSON()
    cases: list[tuple[dict[str, object], str, str]] = [
        ({"kind": "fuzzy"}, "kind", "unknown check kind 'fuzzy'"),
        ({"kind": "contains", "value": "x", "colour": 1}, "colour", "unknown key for a contains check"),
        ({"kind": "contains", "value": "x", "timeout": 1}, "timeout", "unknown key"),
        ({"kind": "contains"}, "value", "needs a value"),
        ({"kind": "is_json", "value": 1}, "value", "takes no value"),
        ({"kind": "json_schema", "value": "missing.json"}, "value", "missing.json' does not exist"),
        ({"kind": "json_schema", "value": {"type": 5}}, "value", "not a valid JSON schema"),
        ({"kind": "max_words", "value": -3}, "value", "at least 0"),
        ({"kind": "regex", "value": "[a"}, "value", "does not compile"),
    ]
    for table, key, message in cases:
        with pytest.raises(CheckError, match=message) as caught:
            check_from_table(table, base=tmp_path)
        assert caught.value.key == key


def test_a_regex_worker_survives_between_checks_and_after_a_timeout() -> None:
    stuck = prompt("a" * 10_000 + "!")
    fine = prompt("aaaa")
    slow = Regex(r"(a+)+$", timeout=0.05)
    for _ in range(3):  # kept workers, replaced ones: every call still answers every prompt, in order
        assert [ok for ok, _ in judge_all(slow, [fine, stuck, fine, stuck, fine])] == [True, False, True, False, True]
        assert judge_all(Regex("b"), [prompt("abc"), prompt("xyz")]) == [
            (True, ""),
            (False, "does not match 'b'"),
        ]
