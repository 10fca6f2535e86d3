"""Steps run at once fail as one typed error: the error itself, or MultipleErrors for several, never a bare
ExceptionGroup; a cancellation or an interrupt passes through as it came."""

from __future__ import annotations

import anyio
import pytest

from gradient_evals import GradientEvalsError, MultipleErrors
from gradient_evals.workflows._concurrency import no_exception_groups, run_all

pytestmark = pytest.mark.anyio


async def test_steps_that_must_finish_all_finish_and_every_failure_is_reported_in_order() -> None:
    first, second = ValueError("create 1 refused"), KeyError("create 3 refused")
    second_may_fail = anyio.Event()
    finished: list[str] = []

    async def fails_first() -> None:
        second_may_fail.set()
        raise first

    async def fails_second() -> None:
        await second_may_fail.wait()
        raise second

    async def succeeds() -> None:
        await second_may_fail.wait()
        await anyio.sleep(0)
        finished.append("create 2")

    with pytest.raises(MultipleErrors) as caught:
        await run_all([fails_first, succeeds, fails_second], cancel_siblings=False)
    assert caught.value.errors == (first, second)
    assert caught.value.__cause__ is first
    assert isinstance(caught.value, GradientEvalsError)
    assert str(caught.value) == "2 errors; the first: ValueError: create 1 refused"
    assert finished == ["create 2"]


async def test_by_default_the_first_failure_cancels_the_others_and_is_raised_as_itself() -> None:
    refused = ValueError("page 2 refused")
    never = anyio.Event()
    cancelled: list[bool] = []

    async def waits() -> None:
        try:
            await never.wait()
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    async def fails() -> None:
        await anyio.sleep(0)
        raise refused

    with anyio.fail_after(30), pytest.raises(ValueError) as caught:
        await run_all([waits, fails])
    assert caught.value is refused
    assert cancelled == [True]


async def test_steps_that_all_succeed_raise_nothing() -> None:
    done: list[int] = []

    async def step(n: int) -> None:
        await anyio.sleep(0)
        done.append(n)

    await run_all([lambda n=n: step(n) for n in range(3)])  # type: ignore[misc]
    assert sorted(done) == [0, 1, 2]


def test_a_nested_group_comes_out_as_multiple_errors_with_every_leaf() -> None:
    leaves = [ValueError("a"), OSError("b"), KeyError("c")]
    with pytest.raises(MultipleErrors) as caught, no_exception_groups():
        raise ExceptionGroup("outer", [leaves[0], ExceptionGroup("inner", leaves[1:])])
    assert caught.value.errors == tuple(leaves)


def test_a_group_of_one_comes_out_as_that_error() -> None:
    only = ValueError("only")
    with pytest.raises(ValueError) as caught, no_exception_groups():
        raise ExceptionGroup("one", [only])
    assert caught.value is only


def test_an_interrupt_in_a_group_passes_through_as_the_group_it_came_in() -> None:
    group = BaseExceptionGroup("interrupted", [ValueError("a"), KeyboardInterrupt()])
    with pytest.raises(BaseExceptionGroup) as caught, no_exception_groups():
        raise group
    assert caught.value is group
