"""FakeGradientServer: an embedded HTTP emulator of the Gradient AI evaluation-runs API, for tests and benchmarks.

This module holds the lifecycle (start, close, context manager) and the API tests use (seeding every resource,
faults, the request log).  The data lives in ``stores`` (gathered by ``_state``), the endpoints in
``handlers``, the wire in ``_http``.
"""

from __future__ import annotations

import threading
import uuid
from types import TracebackType

from .._exceptions import InvalidArgumentError
from ._faults import Fault, FaultBook, FaultRule
from ._http import Backend, RequestHandler
from ._listener import Listener
from ._object_store import ObjectStore
from ._records import check_status
from ._seeding import Seeding
from ._state import EmulatorState
from ._traffic import RecordedRequest, Traffic
from .handlers import build_router

__all__ = ["FakeGradientServer", "RecordedRequest"]


class FakeGradientServer(Seeding):
    """A real HTTP server on ``127.0.0.1`` (free port) emulating the evaluation-runs API.

    Data is deterministic for a given ``seed`` and sequence of ``add_*`` calls; prompts are generated lazily
    per page, so runs with tens of thousands of prompts are cheap.  Use as a context manager, or call
    :meth:`start` and :meth:`close`.

    Behaviour worth knowing:

    * Paging (results, agents): ``per_page`` defaults to 20 and values above ``per_page_max`` are served as
      ``per_page_max`` (``meta`` and ``links`` show the capped value).  A run without prompts has
      ``meta.total == 0`` and ``meta.pages == 0``; its ``first`` and ``last`` links point to page 1.  A page
      past the end is a 200 with no prompts; its ``previous`` link points to the last real page.
    * Prompt ids are stable per test case (``base + row``, the base is not 1) and shared by all its runs.
    * Runs added with :meth:`add_run` are finished (or frozen in the status given).  Runs created through
      ``POST`` go ``QUEUED`` -> ``RUNNING_DATASET`` -> ``EVALUATING_RESULTS`` -> ``final_status`` over
      ``run_duration`` seconds of wall-clock time, and their results appear progressively.
    * Encoded result pages are cached up to ``page_cache_bytes`` (32 MiB by default), so a second pass over a
      run costs the server almost nothing; set it to 0 to generate every page afresh.
    * ``ratelimit-remaining`` counts down from 5000 and wraps around; it is never enforced (inject
      :meth:`Fault.rate_limited` for 429s) unless ``rate_limit=(limit, seconds)`` is given: then at most
      ``limit`` requests are admitted in any ``seconds`` (a sliding window), with the API's headers
      (``ratelimit-reset`` is the epoch second the oldest counted request expires) and 429s with
      ``Retry-After`` past it. Refused requests count for nothing and are recorded with status 429.
    * Order of checks: injected faults first (so a faulted ``POST`` creates nothing, unless the fault has
      ``after_action=True``), then latency, then authentication (401 even for unknown paths), then routing
      (404 for unknown paths, 405 for other methods on known ones), then validation (400) and lookups (404).
    * Path segments are percent-decoded one by one, so ``..%2F`` is just an unknown id.
    * Seeding (``add_test_case``, ``add_dataset``, ``add_metric``, ``add_agent``, ``add_run``) takes the ids a
      test names, placeholders such as ``"example string"`` included; ``GET /v2/gen-ai/agents`` lists the
      agents runs were made for and the seeded ones, with the names their runs report.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        seed: int = 0,
        token: str | None = None,
        run_duration: float = 1.0,
        per_page_max: int = 200,
        default_per_page: int = 20,
        final_status: str = "EVALUATION_RUN_SUCCESSFUL",
        host: str = "127.0.0.1",
        port: int = 0,
        page_cache_bytes: int = 32 * 1024 * 1024,
        rate_limit: tuple[int, float] | None = None,
    ) -> None:
        self.latency = latency
        self.seed = seed
        self.token = token if token is not None else "dop_v1_" + uuid.uuid4().hex + uuid.uuid4().hex
        if per_page_max < 1 or default_per_page < 1:
            raise InvalidArgumentError("per_page_max and default_per_page must be positive")
        check_status(final_status, terminal=True)
        # Read by the state on every request, so changing them on a running server takes effect at once.
        self.run_duration = run_duration
        self.per_page_max = per_page_max
        self.default_per_page = default_per_page
        self.final_status = final_status
        self._state = EmulatorState(self, page_cache_bytes=page_cache_bytes)
        # Dataset files go to an object store on a second port: another origin, as a real bucket is.
        self._objects = ObjectStore()
        self._state.datasets.objects = self._objects
        self._host = host
        self._port = port
        self._faults = FaultBook(seed)
        self._traffic = Traffic(_checked_rate_limit(rate_limit))
        self._router = build_router()
        self._stop = threading.Event()
        self._listener: Listener[Backend] | None = None

    # ------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> FakeGradientServer:
        """Bind and start serving in a background thread.  Returns ``self``."""
        if self._listener is not None:
            return self
        self._stop.clear()
        backend = Backend(
            settings=self,
            state=self._state,
            router=self._router,
            faults=self._faults,
            traffic=self._traffic,
            stopping=self._stop,
        )
        self._listener = Listener(self._host, self._port, RequestHandler, backend)
        self._objects.start()
        return self

    def close(self) -> None:
        """Stop serving, wake stalled handlers and drop every open connection."""
        listener = self._listener
        if listener is None:
            return
        self._stop.set()
        listener.close()
        self._listener = None
        self._objects.close()

    def __repr__(self) -> str:
        where = self._base_url_or_none()
        return f"{type(self).__name__}(base_url={where!r}, token=<redacted>)"

    def _base_url_or_none(self) -> str | None:
        try:
            return self.base_url
        except RuntimeError:
            return None

    def __enter__(self) -> FakeGradientServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (only once started)."""
        if self._listener is None:
            raise RuntimeError("the server is not started")
        return self._listener.base_url

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def object_store(self) -> ObjectStore:
        """The object store that presigned dataset URLs point at (its own loopback port): its request log,
        ``authorization_seen``, and faults (``fail_next``, ``expire_all``)."""
        return self._objects

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path`` (``"/v2/..."``) on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # ------------------------------------------------------------------------------------------ faults/log

    def inject(
        self,
        fault: Fault,
        *,
        on_request: int | None = None,
        every: int | None = None,
        rate: float | None = None,
        times: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> FaultRule:
        """Make ``fault`` fire on matching requests and return the rule (see :class:`FaultRule`).

        ``on_request=N`` fires once on the Nth matching request from now; ``every=N`` on every Nth;
        ``rate=p`` with probability ``p`` from an RNG seeded by the server seed (deterministic); none of
        them: on every matching request.  ``times`` caps the number of firings.  ``method`` matches
        exactly, ``path`` as a substring of the request path.
        """
        return self._faults.add(
            lambda rng: FaultRule(
                fault, on_request=on_request, every=every, rate=rate, times=times, method=method, path=path, rng=rng
            )
        )

    def remove_fault(self, rule: FaultRule) -> None:
        """Remove one injected rule."""
        self._faults.remove(rule)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    @property
    def faults(self) -> list[FaultRule]:
        """The injected rules, in injection order."""
        return self._faults.rules()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, in the order responses were decided."""
        return self._traffic.requests()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._traffic.clear()


def _checked_rate_limit(rate_limit: tuple[int, float] | None) -> tuple[int, float] | None:
    if rate_limit is None:
        return None
    limit, seconds = rate_limit
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1 or not seconds > 0:
        raise InvalidArgumentError("rate_limit must be (requests >= 1, seconds > 0)")
    return (limit, float(seconds))
