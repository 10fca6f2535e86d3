"""An LRU cache of encoded result pages, bounded by bytes.

Encoded pages are kept up to a byte budget, so repeated passes over a run (benchmarks, retries) do not
regenerate them; generation, not the network, would otherwise dominate a local server's answers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

__all__ = ["PageCache"]


class PageCache:
    """Maps a key to encoded bytes, dropping the least recently used entries beyond ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The cached bytes of ``key``, or ``build()`` (called outside the lock) stored within the budget."""
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                return cached
        data = build()
        with self._lock:
            if key not in self._entries:
                self._entries[key] = data
                self._used += len(data)
            while self._used > self.limit and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._used -= len(dropped)
        return data
