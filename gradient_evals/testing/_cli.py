"""``gradient-evals emulator``: serve the emulator from the command line until interrupted."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType
from typing import TextIO

from ._server import FakeGradientServer

__all__ = ["serve_emulator"]


def serve_emulator(
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    runs: int = 2,
    prompts: int = 500,
    latency: float = 0.0,
    seed: int = 0,
    stdout: TextIO,
    token: str | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve one test case with ``runs`` finished runs of ``prompts`` prompts each.

    Prints one JSON line ``{"base_url", "token", "test_case_uuid", "evaluation_run_uuids"}`` to ``stdout``
    once the server listens, then serves until KeyboardInterrupt, SIGTERM or ``stop`` is set.  Returns 0.
    """
    done = stop if stop is not None else threading.Event()
    previous = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:

        def on_term(signum: int, frame: FrameType | None) -> None:
            done.set()

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with FakeGradientServer(host=host, port=port, latency=latency, seed=seed, token=token) as server:
            tc = server.add_test_case(prompts=prompts)
            run_uuids = [server.add_run(test_case_uuid=tc) for _ in range(runs)]
            line = {
                "base_url": server.base_url,
                "token": server.token,
                "test_case_uuid": tc,
                "evaluation_run_uuids": run_uuids,
            }
            stdout.write(json.dumps(line) + "\n")
            stdout.flush()
            try:
                while not done.wait(0.2):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
