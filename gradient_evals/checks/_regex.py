"""Running a regular expression over many answers with a time budget per answer.

The pattern runs in a child process (:mod:`._regex_worker`): every answer is sent at once, the worker answers one
line per answer, and the parent waits for each line at most ``budget`` seconds after the one before. A late line
means the pattern is stuck on that answer: the worker is killed (the answer counts as timed out) and a new worker
takes the answers after it. One answer thus costs at most its budget, and the whole batch at most the budget times
the number of answers that time out, plus one worker start per timeout.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Final

from .._exceptions import GradientEvalsError

__all__ = ["STARTUP_TIMEOUT", "search_all"]

_WORKER: Final = Path(__file__).with_name("_regex_worker.py")

STARTUP_TIMEOUT: Final = 30.0
"""How long a worker may take to start and compile the pattern (a loaded machine starts Python slowly; the pattern
was already compiled once in the parent, so a worker that takes this long is broken, not busy)."""


class _Worker:
    """One worker process and the thread that reads its answers into a queue (a thread, so that waiting for a
    line with a timeout works on every platform, pipes included)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and script, no shell
            [sys.executable, "-I", str(_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="surrogatepass",
        )
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        assert self._process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output: the worker exited

    def send(self, pattern: str, flags: int, texts: Sequence[str]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        # One line; the worker reads it whole before answering, so this write never waits on our reads.
        stdin.write(json.dumps({"pattern": pattern, "flags": flags, "texts": list(texts)}) + "\n")
        stdin.flush()

    def next(self, timeout: float) -> str | None:
        """The worker's next line, or ``None`` when it is late or the worker ended."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        return line or None

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._reader.join()


def search_all(pattern: str, flags: int, texts: Sequence[str], budget: float) -> list[bool | None]:
    """For each text, whether ``pattern`` is found in it (``re.search``), or ``None`` when the search did not end
    within ``budget`` seconds. Raises :class:`GradientEvalsError` when no worker process can be started."""
    found: list[bool | None] = []
    while len(found) < len(texts):
        try:
            worker = _Worker()
        except OSError as exc:
            raise GradientEvalsError(f"cannot start the regex check's worker process: {exc}") from None
        try:
            try:
                worker.send(pattern, flags, texts[len(found) :])
            except OSError:
                raise GradientEvalsError("the regex check's worker process ended before reading its work") from None
            if worker.next(STARTUP_TIMEOUT) != "ready":
                raise GradientEvalsError("the regex check's worker process did not start")
            while len(found) < len(texts):
                line = worker.next(budget)
                if line is None:
                    found.append(None)  # stuck on this text (or died on it): a new worker takes the rest
                    break
                found.append(line == "1")
        finally:
            worker.close()
    return found
