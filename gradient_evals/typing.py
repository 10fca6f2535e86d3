"""Aliases to annotate code that calls the SDK with.

```python
from gradient_evals.typing import OnProgress

def report(done: int, total: int | None) -> None: ...
progress: OnProgress = report
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeAlias

import httpx

from .types import EvaluationRun

__all__ = ["ExportFormat", "OnProgress", "OnUpdate", "Timeout"]

Timeout: TypeAlias = float | httpx.Timeout | None
"""A per-request timeout: seconds per attempt, an ``httpx.Timeout``, or ``None`` for the client's default."""

OnUpdate: TypeAlias = Callable[[EvaluationRun], Awaitable[Any] | Any]
"""Called with a run whenever its status changes while waiting; a plain function or a coroutine function."""

OnProgress: TypeAlias = Callable[[int, "int | None"], object]
"""Called as ``on_progress(done, total)`` after each page a workflow reads; ``total`` is ``None`` when unknown."""

ExportFormat: TypeAlias = Literal["jsonl", "csv"]
"""A file format of :meth:`export`: JSON Lines or CSV."""
