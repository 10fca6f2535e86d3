"""Which event loop a client's connection pool belongs to.

An ``httpx.AsyncClient`` keeps its connections for reuse, and each connection is tied to the event loop that
opened it: used from another loop (a second ``asyncio.run()``, a second thread with its own loop, trio after
asyncio) it fails with ``RuntimeError``s from deep inside httpcore, or hangs. The client remembers the loop of
its first request and refuses any other with a :class:`ClientStateError` that says what to do instead.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from ._exceptions import ClientStateError

__all__ = ["LoopBinding"]


def _current_loop() -> Any:
    """The running asyncio loop or trio run (its token), or ``None`` outside both."""
    # Neither event loop is imported here (asyncio alone costs ~10 ms of `import gradient_evals`): whichever runs
    # this call is loaded already.
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            return trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass
    return None


class LoopBinding:
    """Binds on the first :meth:`check` to the loop running it; later checks from another loop raise."""

    __slots__ = ("_loop",)

    def __init__(self) -> None:
        self._loop: weakref.ref[Any] | None = None

    def check(self) -> None:
        """Raise :class:`ClientStateError` when called from another loop than the first call's."""
        current = _current_loop()
        if current is None:
            return  # a loop this module does not know: nothing to compare with
        bound = self._loop
        if bound is None:
            self._loop = weakref.ref(current)
            return
        if bound() is not current:
            raise ClientStateError(
                "this async client was first used in another event loop, and its connections belong to that "
                "loop: create the client inside the loop that uses it (e.g. `async with AsyncGradientEvals() "
                "as client:` in the function you pass to asyncio.run()), one client per loop; or use the "
                "blocking GradientEvals, which works from any thread"
            )
