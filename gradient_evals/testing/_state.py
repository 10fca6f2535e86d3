"""The emulator's in-memory state: one store per resource (``stores/<name>.py``), built together here.

Thread-safe: the HTTP server answers each connection on its own thread; every store draws and writes under the
one lock of the server's :class:`~.stores._shared.Draws`.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from ._json import encode_json
from ._page_cache import PageCache
from ._prompts import make_prompt
from ._records import RunRecord
from .stores._shared import Draws, StateSettings
from .stores.agents import AgentStore
from .stores.custom_evaluation_metrics import CustomMetricStore
from .stores.evaluation_datasets import DatasetStore
from .stores.evaluation_metrics import MetricStore
from .stores.evaluation_runs import RunStore
from .stores.evaluation_test_cases import TestCaseStore

__all__ = ["EmulatorState", "StateSettings"]

_T = TypeVar("_T")


class EmulatorState:
    """Every resource's store; deterministic for a seed and a sequence of calls.

    The settings' ``per_page_max`` and ``default_per_page`` shape paged listings, ``run_duration`` and
    ``final_status`` the runs created through the API. Code outside the package that serves a resource of its
    own keeps its records in :meth:`store`.
    """

    def __init__(self, settings: StateSettings, *, page_cache_bytes: int) -> None:
        self.settings = settings
        draws = Draws.for_seed(settings.seed)
        self.agents = AgentStore(draws)
        self.test_cases = TestCaseStore(draws)
        self.runs = RunStore(draws, settings, self.test_cases, self.agents)
        self.datasets = DatasetStore()
        self.custom_metrics = CustomMetricStore()
        self.metrics = MetricStore(self.custom_metrics)
        self._pages = PageCache(page_cache_bytes)
        self._lock = threading.Lock()
        self._stores: dict[type[Any], Any] = {}

    def store(self, kind: type[_T]) -> _T:
        """The one instance of ``kind`` (built with no arguments on first use): the records of an added resource."""
        with self._lock:
            if kind not in self._stores:
                self._stores[kind] = kind()
            instance: _T = self._stores[kind]
            return instance

    def results_page(self, run: RunRecord, start: int, stop: int) -> bytes:
        """The encoded prompts ``start``..``stop`` of a run, comma-separated (cached up to the byte budget)."""
        if start >= stop:
            return b""

        def build() -> bytes:
            return b",".join(encode_json(make_prompt(run, i)) for i in range(start, stop))

        return self._pages.get_or_build((run.uuid, start, stop), build)
