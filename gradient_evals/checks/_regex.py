"""Running a regular expression over many answers with a time budget per answer.

The pattern runs in a child process (:mod:`._regex_worker`): every answer is sent at once, the worker answers one
line per answer, and the parent waits for each line at most ``budget`` seconds after the one before. A late line
means the pattern is stuck on that answer: the worker is killed (the answer counts as timed out) and another
worker takes the answers after it. One answer thus costs at most its budget (plus handing the rest to the next
worker), however catastrophic the pattern.

Starting Python takes tens of milliseconds, so workers are kept: after a batch, a worker that finished goes back to
a small pool of idle ones (at most :data:`IDLE_WORKERS`), and one spare is started ahead, so that the worker that
takes over after a timeout is already running. Idle workers are stopped when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Final

from .._exceptions import GradientEvalsError

__all__ = ["IDLE_WORKERS", "STARTUP_TIMEOUT", "search_all"]

_WORKER: Final = Path(__file__).with_name("_regex_worker.py")

STARTUP_TIMEOUT: Final = 30.0
"""How long a worker may take to start and compile the pattern (a loaded machine starts Python slowly; the pattern
was already compiled once in the parent, so a worker that takes this long is broken, not busy)."""

IDLE_WORKERS: Final = 2
"""Workers kept running between batches (one of them the spare)."""


class _Worker:
    """One worker process and the thread that reads its answers into a queue (a thread, so that waiting for a
    line with a timeout works on every platform, pipes included)."""

    def __init__(self) -> None:
        # -I: no environment or user site; -S: no site-packages at all (the worker needs the standard library only).
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and script, no shell
            [sys.executable, "-I", "-S", str(_WORKER)],
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

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

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

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()

    def close(self) -> None:
        self.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._reader.join()


class _Pool:
    """Idle workers of this process (a forked child starts with none of its parent's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._pid = os.getpid()

    def _mine(self) -> list[_Worker]:
        if self._pid != os.getpid():
            self._idle, self._pid = [], os.getpid()
        return self._idle

    def take(self) -> _Worker:
        """An idle worker, else a new one; a spare is started ahead when none is left idle."""
        with self._lock:
            idle = self._mine()
            worker = idle.pop() if idle else None
            spare_needed = not idle
        worker = worker if worker is not None and worker.alive else _Worker()
        if spare_needed:
            self.give(_Worker())
        return worker

    def give(self, worker: _Worker) -> None:
        """Keep a worker that is done with its batch, or stop it when enough are idle."""
        with self._lock:
            idle = self._mine()
            if worker.alive and len(idle) < IDLE_WORKERS:
                idle.append(worker)
                return
        worker.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._mine(), []
        for worker in idle:
            worker.close()


_POOL: Final = _Pool()
atexit.register(_POOL.close)


def search_all(pattern: str, flags: int, texts: Sequence[str], budget: float) -> list[bool | None]:
    """For each text, whether ``pattern`` is found in it (``re.search``), or ``None`` when the search did not end
    within ``budget`` seconds. Raises :class:`GradientEvalsError` when no worker process can be started."""
    found: list[bool | None] = []
    while len(found) < len(texts):
        try:
            worker = _POOL.take()
        except OSError as exc:
            raise GradientEvalsError(f"cannot start the regex check's worker process: {exc}") from None
        finished = False
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
                    found.append(None)  # stuck on this text (or died on it): another worker takes the rest
                    break
                found.append(line == "1")
            else:
                finished = True
        finally:
            if finished:
                _POOL.give(worker)
            else:
                worker.kill()  # at once; reaping it need not hold up the next answers
                threading.Thread(target=worker.close, name="regex-worker-reaper", daemon=True).start()
    return found
