"""Aliases to annotate code that calls the SDK with.

```python
from gradient_evals.typing import OnProgress

def report(done: int, total: int | None) -> None: ...
progress: OnProgress = report
```
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal, TypeAlias

import httpx

from .results import EvaluationProgress
from .types import EvaluationRun

__all__ = [
    "Baseline",
    "DatasetInput",
    "ExportFormat",
    "OnEvaluationProgress",
    "OnProgress",
    "OnUpdate",
    "Timeout",
]

Timeout: TypeAlias = float | httpx.Timeout | None
"""A per-request timeout: seconds per attempt, an ``httpx.Timeout``, or ``None`` for the client's default."""

OnUpdate: TypeAlias = Callable[[EvaluationRun], Awaitable[Any] | Any]
"""Called with a run whenever its status changes while waiting; a plain function or a coroutine function."""

OnProgress: TypeAlias = Callable[[int, "int | None"], object]
"""Called as ``on_progress(done, total)`` after each page a workflow reads; ``total`` is ``None`` when unknown."""

ExportFormat: TypeAlias = Literal["jsonl", "csv"]
"""A file format of :meth:`export`: JSON Lines or CSV."""

OnEvaluationProgress: TypeAlias = Callable[[EvaluationProgress], Awaitable[Any] | Any]
"""Called with each step of ``client.evaluate``; a plain function or a coroutine function."""

Baseline: TypeAlias = Literal["latest"] | str | Mapping[str, str] | None
"""What ``client.evaluate`` compares each agent's run with: ``"latest"`` (its latest SUCCESSFUL or
PARTIALLY_SUCCESSFUL run of the same test case version), a run UUID (for every agent), a mapping of agent UUID or
deployment name to run UUID, or ``None`` (no comparison)."""

DatasetInput: TypeAlias = str | os.PathLike[str] | Iterable[Mapping[str, Any]] | Any
"""A dataset as ``client.evaluate`` takes it: a CSV path, a ``pandas.DataFrame``, row mappings, or a dataset UUID."""
