"""``gradient-evals emulator``: serve the emulator from the command line until interrupted."""

from __future__ import annotations

import json
import random
import signal
import threading
import uuid
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, TextIO

from .._exceptions import InvalidArgumentError
from ._control import check_quality
from ._server import FakeGradientServer
from .stores.agents import EXAMPLE_AGENT_NAMES

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
    announce: Callable[[dict[str, Any]], None] | None = None,
    agents: Mapping[str, float] | None = None,
) -> int:
    """Serve one test case with ``runs`` finished runs of ``prompts`` prompts each, all of one agent.

    The agents listing holds that agent, named ``support-agent``, and a second one, ``billing-helper``.
    ``agents`` maps an agent's name or UUID to its quality (0-100) for every run made of it, the served runs
    included (``ValueError`` for an agent the emulator does not have, before anything is served).

    Once the server listens, prints one JSON line ``{"base_url", "token", "test_case_uuid", "agent_uuid",
    "evaluation_run_uuids"}`` to ``stdout`` (or hands that mapping to ``announce``), then serves until SIGTERM or
    ``stop`` is set, and returns 0. KeyboardInterrupt (Ctrl-C) stops the server and propagates.
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
            agent = str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
            # Named agents, so that `gradient-evals init`'s config (agents by name) runs against this as written.
            first, second = EXAMPLE_AGENT_NAMES
            server.add_agent(uuid=agent, name=first)
            server.add_agent(name=second)
            for key, quality in (agents or {}).items():
                try:
                    server.set_agent_quality(key, check_quality(quality))
                except KeyError as exc:
                    raise InvalidArgumentError(f"--agent {key}: {exc.args[0]}") from None
            run_uuids = [server.add_run(test_case_uuid=tc, agent_uuid=agent) for _ in range(runs)]
            line = {
                "base_url": server.base_url,
                "token": server.token,
                "test_case_uuid": tc,
                "agent_uuid": agent,
                "evaluation_run_uuids": run_uuids,
            }
            if announce is not None:
                announce(line)
            else:
                stdout.write(json.dumps(line) + "\n")
                stdout.flush()
            while not done.wait(0.2):
                pass
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
