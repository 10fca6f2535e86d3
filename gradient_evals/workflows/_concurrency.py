"""Steps run at once, failing as one typed error: never a bare ``ExceptionGroup``.

The first failure cancels the other steps (unless ``cancel_siblings=False``: steps whose outcome must be known,
such as creates, each run to its end); one failure is raised as itself, several as :class:`MultipleErrors`.
Cancellation from outside passes through untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator

import anyio

from .._exceptions import MultipleErrors

__all__ = ["no_exception_groups", "raise_collected", "run_all"]


def raise_collected(errors: list[Exception]) -> None:
    """Raise nothing, the one error, or a :class:`MultipleErrors` carrying all of them."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise MultipleErrors(errors) from errors[0]


async def run_all(steps: Iterable[Callable[[], Awaitable[None]]], *, cancel_siblings: bool = True) -> None:
    """Run every step concurrently; see the module documentation for how failures come out."""
    errors: list[Exception] = []
    async with anyio.create_task_group() as group:

        async def guarded(step: Callable[[], Awaitable[None]]) -> None:
            try:
                await step()
            except Exception as exc:  # collected here so that the task group never wraps it in a group
                errors.append(exc)
                if cancel_siblings:
                    group.cancel_scope.cancel()

        for step in steps:
            group.start_soon(guarded, step)
    raise_collected(errors)


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for error in group.exceptions:
        out += _leaves(error) if isinstance(error, BaseExceptionGroup) else [error]
    return out


@contextlib.contextmanager
def no_exception_groups() -> Iterator[None]:
    """Around a public call: an ``ExceptionGroup`` from below comes out as its one error or a MultipleErrors."""
    try:
        yield
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if not all(isinstance(error, Exception) for error in leaves):
            raise  # a cancellation or an interrupt travels as it came
        raise_collected([error for error in leaves if isinstance(error, Exception)])
