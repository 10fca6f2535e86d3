"""Deprecated: what ``client.evaluate`` returns moved to :mod:`gradient_evals.results` (importable here for
one release)."""

from typing import Any

from . import _MOVED_TO_RESULTS, _moved_to_results


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_RESULTS:
        return _moved_to_results(__name__, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
