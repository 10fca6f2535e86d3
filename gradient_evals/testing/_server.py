"""FakeGradientServer: an embedded HTTP emulator of the Gradient AI evaluation-runs API, for tests and benchmarks.

This module holds the lifecycle (start, close, context manager) and the API tests use (seeding test cases and
runs, faults, the request log).  The data lives in ``_state``, the endpoints in ``handlers``, the wire in
``_http``.
"""

from __future__ import annotations

import threading
import uuid
from types import TracebackType
from typing import Any

from ._datasets import DatasetStore
from ._faults import Fault, FaultBook, FaultRule
from ._http import Backend, RequestHandler
from ._listener import Listener
from ._object_store import ObjectStore
from ._prompts import make_prompt
from ._records import check_status
from ._state import EmulatorState
from ._traffic import RecordedRequest, Traffic
from .handlers import build_router
from .handlers.evaluation_test_cases import Datasets

__all__ = ["FakeGradientServer", "RecordedRequest"]


class FakeGradientServer:
    """A real HTTP server on ``127.0.0.1`` (free port) emulating the evaluation-runs API.

    Data is deterministic for a given ``seed`` and sequence of ``add_*`` calls; prompts are generated lazily
    per page, so runs with tens of thousands of prompts are cheap.  Use as a context manager, or call
    :meth:`start` and :meth:`close`.

    Behaviour worth knowing:

    * Results paging: ``per_page`` defaults to 20 and values above ``per_page_max`` are served as
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
            raise ValueError("per_page_max and default_per_page must be positive")
        check_status(final_status, terminal=True)
        # Read by the state on every request, so changing them on a running server takes effect at once.
        self.run_duration = run_duration
        self.per_page_max = per_page_max
        self.default_per_page = default_per_page
        self.final_status = final_status
        self._state = EmulatorState(self, page_cache_bytes=page_cache_bytes)
        # Dataset files go to an object store on a second port: another origin, as a real bucket is.
        self._objects = ObjectStore()
        self._state.store(DatasetStore).objects = self._objects
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

    # The context-manager protocol's signature, as the blocking client spells it too.
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

    def dataset_rows(self, dataset_uuid: str) -> list[dict[str, str]]:
        """The rows of an uploaded dataset, in file order (``KeyError`` if unknown)."""
        return self._state.dataset_rows(dataset_uuid)

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path`` (``"/v2/..."``) on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # ------------------------------------------------------------------------------------------ data

    def add_test_case(
        self,
        *,
        name: str | None = None,
        prompts: int = 20,
        version: int = 1,
        description: str | None = None,
    ) -> str:
        """Create a test case whose dataset has ``prompts`` rows, at ``version``; returns its uuid."""
        return self._state.add_test_case(name=name, prompts=prompts, version=version, description=description)

    def add_dataset(self, *, name: str | None = None, rows: int = 20) -> str:
        """Register an evaluation dataset of ``rows`` rows that test cases may be created with; returns its uuid."""
        return self._state.store(Datasets).add(self.seed, name, rows)

    def add_test_case_version(self, test_case_uuid: str, *, prompts: int | None = None) -> int:
        """Publish a new version of a test case (same rows and prompt ids; optionally a new size)."""
        return self._state.add_test_case_version(test_case_uuid, prompts=prompts)

    def add_run(
        self,
        *,
        test_case_uuid: str | None = None,
        prompts: int | None = None,
        status: str = "EVALUATION_RUN_SUCCESSFUL",
        run_name: str | None = None,
        agent_uuid: str | None = None,
        agent_deployment_name: str | None = None,
        test_case_version: int | None = None,
        error_description: str | None = None,
    ) -> str:
        """Add a run in ``status`` (finished by default) and return its uuid.

        Without ``test_case_uuid`` a new test case of ``prompts`` rows (default 20) is created.  With one,
        the run covers that test case's dataset, or its first ``prompts`` rows (more rows than the dataset
        has are generated the same way).  A non-terminal ``status`` freezes the run there with part of its
        results visible; use :meth:`set_run_status` to move it on.
        """
        return self._state.add_run(
            test_case_uuid=test_case_uuid,
            prompts=prompts,
            status=status,
            run_name=run_name,
            agent_uuid=agent_uuid,
            agent_deployment_name=agent_deployment_name,
            test_case_version=test_case_version,
            error_description=error_description,
        )

    def set_run_status(self, run_uuid: str, status: str) -> None:
        """Freeze a run in ``status`` from now on (terminal statuses show all results)."""
        self._state.set_run_status(run_uuid, status)

    def set_agent_profile(
        self,
        agent: str,
        *,
        quality: float | None = None,
        metrics: dict[str, float] | None = None,
        final_status: str | None = None,
        inputs: dict[str, float] | None = None,
    ) -> None:
        """Shape the runs created for ``agent`` (a UUID or a deployment name) from now on.

        ``quality`` (0-100) is what every metric's values follow (high quality: high scores, and low values of
        an inverted metric); ``metrics={"correctness": 40}`` gives one metric a quality of its own, for a
        regression on that metric alone; ``inputs={"How do I get a refund?": 20}`` gives the prompts with that
        input text a quality of their own, for every metric (a regression of one slice of a dataset);
        ``final_status`` is where its runs end (``EVALUATION_RUN_FAILED``...).
        Without a profile a run's quality is drawn at random (55-92) from the seed.
        """
        self._state.set_agent_profile(
            agent, quality=quality, metrics=dict(metrics or {}), final_status=final_status, inputs=inputs
        )

    def runs_of(self, test_case_uuid: str, version: int | None = None) -> list[str]:
        """Uuids of the runs of a test case (optionally of one version), oldest first."""
        return [run.uuid for run in self._state.runs_of(test_case_uuid, version)]

    @property
    def test_case_uuids(self) -> list[str]:
        """Uuids of all test cases, in creation order."""
        return self._state.test_case_uuids()

    @property
    def run_uuids(self) -> list[str]:
        """Uuids of all runs, in creation order."""
        return self._state.run_uuids()

    @property
    def created_run_count(self) -> int:
        """How many runs ``POST /v2/gen-ai/evaluation_runs`` actually created."""
        return self._state.created_run_count()

    def run_json(self, run_uuid: str) -> dict[str, Any]:
        """The ``evaluation_run`` object a ``GET`` of the run would return now."""
        run = self._state.run(run_uuid)
        status, _ = self._state.run_state(run)
        return self._state.run_json(run, status)

    def prompt_ids(self, run_uuid: str) -> list[int]:
        """Prompt ids of the results visible now, in page order."""
        run = self._state.run(run_uuid)
        _, visible = self._state.run_state(run)
        base = run.test_case.prompt_id_base
        return list(range(base, base + visible))

    def prompt_json(self, run_uuid: str, prompt_id: int) -> dict[str, Any]:
        """The ``prompt`` object of one result (regardless of whether it is visible yet)."""
        run = self._state.run(run_uuid)
        index = prompt_id - run.test_case.prompt_id_base
        if not 0 <= index < run.n_prompts:
            raise KeyError(f"unknown prompt id {prompt_id}")
        return make_prompt(run, index)

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
        raise ValueError("rate_limit must be (requests >= 1, seconds > 0)")
    return (limit, float(seconds))
