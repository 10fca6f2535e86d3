"""Prompts of several runs are matched by input; an input a dataset holds twice is matched occurrence by occurrence."""

from __future__ import annotations

from gradient_evals.workflows.compare_paired import by_occurrence, input_key


def test_the_kth_occurrence_of_an_input_is_numbered_k() -> None:
    inputs = ["a", " b", "a", None, "b ", None, "a"]
    slots = [slot for slot, _ in by_occurrence(inputs, input_key)]
    assert slots == [
        ("a", 1),
        ("b", 1),
        ("a", 2),
        (("no input", 3), 1),  # a prompt without an input matches nothing else
        ("b", 2),
        (("no input", 5), 1),
        ("a", 3),
    ]


def test_each_item_comes_out_beside_its_slot_in_order() -> None:
    prompts = [("x", 1), ("x", 2), ("y", 3)]
    assert list(by_occurrence(prompts, lambda prompt, _: prompt[0])) == [
        (("x", 1), ("x", 1)),
        (("x", 2), ("x", 2)),
        (("y", 1), ("y", 3)),
    ]
