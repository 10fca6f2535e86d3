"""An embedded HTTP emulator of the Gradient AI evaluation-runs API, for tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import math
import random
import re
import selectors
import socket
import struct
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote

from ._data import (
    RUN_STATUSES,
    TERMINAL_STATUSES,
    RunRecord,
    TestCaseRecord,
    aggregate_run_metrics,
    make_prompt,
    rng_uuid,
    synthetic_ns,
)
from ._faults import Fault, FaultRule, error_id

__all__ = ["FakeGradientServer", "RecordedRequest"]

RATE_LIMIT = 5000
RATE_WINDOW = 3600
_API = ("v2", "gen-ai")
_INT_RE = re.compile(r"[0-9]{1,18}")
_SIGNED_INT_RE = re.compile(r"-?[0-9]{1,18}")
_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_TC_NAMES = (
    "support-bot-regression",
    "billing-faq",
    "kb-grounding",
    "tool-routing",
    "multilingual-smoke",
    "refund-policy",
)
_AGENT_NAMES = ("support-agent", "billing-helper", "docs-rag-agent", "triage-bot")
_EPOCH_2025 = 1_735_689_600  # 2025-01-01T00:00:00Z


def _dumps(obj: Any) -> bytes:
    return _DUMPS(obj).encode("utf-8")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator received, as seen by the server.

    ``status`` is None when no response was sent (a ``reset`` fault); ``fault`` is the fault's name
    (``Fault.name``) when one fired.  ``path`` is the raw path as sent, without the query string.
    """

    method: str
    path: str
    query: dict[str, str]
    authorized: bool
    status: int | None
    fault: str | None
    had_authorization_header: bool
    request_id: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    time: float = 0.0


class _Response:
    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = "application/json",
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or []


class _ClientError(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


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
      :meth:`Fault.rate_limited` for 429s).
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
    ) -> None:
        if per_page_max < 1 or default_per_page < 1:
            raise ValueError("per_page_max and default_per_page must be positive")
        self.latency = latency
        self.seed = seed
        self.token = token if token is not None else "dop_v1_" + uuid.uuid4().hex + uuid.uuid4().hex
        self.run_duration = run_duration
        self.per_page_max = per_page_max
        self.default_per_page = default_per_page
        self.final_status = final_status
        self._validate_status(final_status, terminal=True)
        self._host = host
        self._port = port
        self._lock = threading.RLock()
        self._rng = random.Random(f"gradient-evals-emulator:{seed}")
        self._clock = float(_EPOCH_2025 + self._rng.randrange(0, 300) * 86400)
        self._test_cases: dict[str, TestCaseRecord] = {}
        self._runs: dict[str, RunRecord] = {}
        self._rules: list[FaultRule] = []
        self._rule_counter = 0
        self._requests: list[RecordedRequest] = []
        self._created_runs = 0
        self._request_count = 0
        self._window_start = int(time.time())
        self._page_cache: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        # Encoded pages are kept up to a byte budget, so repeated passes over a run (benchmarks, retries) do not
        # regenerate them; generation, not the network, would otherwise dominate a local server's answers.
        self._page_cache_limit = page_cache_bytes
        self._page_cache_used = 0
        self._stop = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # ------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> FakeGradientServer:
        """Bind and start serving in a background thread.  Returns ``self``."""
        if self._httpd is not None:
            return self
        self._stop.clear()
        httpd = _HTTPServer((self._host, self._port), _Handler, self)
        host, port = httpd.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        self._base_url = f"http://{shown}:{port}"
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_until_woken, name="fake-gradient", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake stalled handlers and drop every open connection."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stop.set()
        httpd.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        httpd.server_close()
        httpd.drop_connections()
        self._httpd = None
        self._thread = None

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
        if self._base_url is None:
            raise RuntimeError("the server is not started")
        return self._base_url

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self.base_url.rsplit(":", 1)[1])

    def url_for(self, path: str) -> str:
        """Absolute URL of ``path`` (``"/v2/..."``) on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # ------------------------------------------------------------------------------------------ data

    @staticmethod
    def _validate_status(status: str, *, terminal: bool = False) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown evaluation run status {status!r}")
        if terminal and status not in TERMINAL_STATUSES:
            raise ValueError(f"{status!r} is not a terminal status")

    def add_test_case(
        self,
        *,
        name: str | None = None,
        prompts: int = 20,
        version: int = 1,
        description: str | None = None,
    ) -> str:
        """Create a test case whose dataset has ``prompts`` rows, at ``version``; returns its uuid."""
        if prompts < 0:
            raise ValueError("prompts must be >= 0")
        if version < 1:
            raise ValueError("version must be >= 1")
        with self._lock:
            tc_uuid = rng_uuid(self._rng)
            k = len(self._test_cases)
            tc = TestCaseRecord(
                uuid=tc_uuid,
                name=name or f"{_TC_NAMES[k % len(_TC_NAMES)]}-{k + 1}",
                description=description
                if description is not None
                else "Checks answers of the support agent against curated ground truth.",
                version=version,
                sizes={version: prompts},
                prompt_id_base=self._rng.randrange(1_000, 900_000),
                key=f"{self.seed}:{tc_uuid}".encode(),
                workspace_uuid=rng_uuid(self._rng),
            )
            self._test_cases[tc_uuid] = tc
            return tc_uuid

    def add_test_case_version(self, test_case_uuid: str, *, prompts: int | None = None) -> int:
        """Publish a new version of a test case (same rows and prompt ids; optionally a new size)."""
        with self._lock:
            tc = self._test_case(test_case_uuid)
            size = tc.size() if prompts is None else prompts
            if size < 0:
                raise ValueError("prompts must be >= 0")
            tc.version += 1
            tc.sizes[tc.version] = size
            return tc.version

    def _test_case(self, test_case_uuid: str) -> TestCaseRecord:
        try:
            return self._test_cases[test_case_uuid]
        except KeyError:
            raise KeyError(f"unknown test case {test_case_uuid!r}") from None

    def _run(self, run_uuid: str) -> RunRecord:
        try:
            return self._runs[run_uuid]
        except KeyError:
            raise KeyError(f"unknown evaluation run {run_uuid!r}") from None

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
        self._validate_status(status)
        with self._lock:
            if test_case_uuid is None:
                test_case_uuid = self.add_test_case(prompts=20 if prompts is None else prompts)
            tc = self._test_case(test_case_uuid)
            version = tc.version if test_case_version is None else test_case_version
            n = tc.size(version) if prompts is None else prompts
            if n < 0:
                raise ValueError("prompts must be >= 0")
            rng = self._rng
            queued = self._clock + rng.uniform(0, 600)
            started = queued + rng.uniform(1, 40)
            finished = started + n * rng.uniform(0.3, 1.5) + rng.uniform(2, 20)
            self._clock = finished + rng.uniform(600, 7200)
            run = self._new_run(
                tc,
                version=version,
                n_prompts=n,
                run_name=run_name,
                agent_uuid=agent_uuid,
                agent_deployment_name=agent_deployment_name,
                fixed_status=status,
                times=(synthetic_ns(rng, queued), synthetic_ns(rng, started), synthetic_ns(rng, finished)),
            )
            run.error_description = error_description
            return run.uuid

    def _new_run(
        self,
        tc: TestCaseRecord,
        *,
        version: int,
        n_prompts: int,
        run_name: str | None,
        agent_uuid: str | None,
        agent_deployment_name: str | None,
        fixed_status: str | None,
        times: tuple[int, int, int],
    ) -> RunRecord:
        rng = self._rng
        run_uuid = rng_uuid(rng)
        if agent_deployment_name is not None and agent_uuid is None:
            agent_name = agent_deployment_name
        else:
            if agent_uuid is None:
                agent_uuid = rng_uuid(rng)
            agent_name = f"{_AGENT_NAMES[int(agent_uuid[:8], 16) % len(_AGENT_NAMES)]}-{agent_uuid[:4]}"
        user = rng.randrange(2**60, 2**64)
        run = RunRecord(
            uuid=run_uuid,
            test_case=tc,
            test_case_version=version,
            n_prompts=n_prompts,
            run_name=run_name or f"{tc.name} v{version} #{len(self._runs) + 1}",
            agent_uuid=agent_uuid,
            agent_deployment_name=agent_deployment_name,
            agent_name=agent_name,
            agent_workspace_uuid=rng_uuid(rng),
            agent_version_hash=f"{rng.getrandbits(160):040x}",
            created_by_user_id=str(user),
            created_by_user_email=f"dev{user % 1000}@example.com",
            key=f"{self.seed}:{run_uuid}".encode(),
            quality=rng.uniform(55, 92),
            fixed_status=fixed_status,
            final_status=self.final_status,
            duration=self.run_duration,
            created_monotonic=time.monotonic(),
            queued_ns=times[0],
            started_ns=times[1],
            finished_ns=times[2],
        )
        self._runs[run_uuid] = run
        return run

    def set_run_status(self, run_uuid: str, status: str) -> None:
        """Freeze a run in ``status`` from now on (terminal statuses show all results)."""
        self._validate_status(status)
        with self._lock:
            run = self._run(run_uuid)
            if run.fixed_status is None:
                now = time.time_ns()
                run.finished_ns = max(now, run.started_ns)
            run.fixed_status = status

    def runs_of(self, test_case_uuid: str, version: int | None = None) -> list[str]:
        """Uuids of the runs of a test case (optionally of one version), oldest first."""
        with self._lock:
            self._test_case(test_case_uuid)
            return [
                r.uuid
                for r in self._runs.values()
                if r.test_case.uuid == test_case_uuid and (version is None or r.test_case_version == version)
            ]

    @property
    def test_case_uuids(self) -> list[str]:
        """Uuids of all test cases, in creation order."""
        with self._lock:
            return list(self._test_cases)

    @property
    def run_uuids(self) -> list[str]:
        """Uuids of all runs, in creation order."""
        with self._lock:
            return list(self._runs)

    @property
    def created_run_count(self) -> int:
        """How many runs ``POST /v2/gen-ai/evaluation_runs`` actually created."""
        with self._lock:
            return self._created_runs

    def run_json(self, run_uuid: str) -> dict[str, Any]:
        """The ``evaluation_run`` object a ``GET`` of the run would return now."""
        run = self._run(run_uuid)
        status, _ = run.state(time.monotonic())
        return self._run_object(run, status)

    def prompt_ids(self, run_uuid: str) -> list[int]:
        """Prompt ids of the results visible now, in page order."""
        run = self._run(run_uuid)
        _, visible = run.state(time.monotonic())
        base = run.test_case.prompt_id_base
        return list(range(base, base + visible))

    def prompt_json(self, run_uuid: str, prompt_id: int) -> dict[str, Any]:
        """The ``prompt`` object of one result (regardless of whether it is visible yet)."""
        run = self._run(run_uuid)
        index = prompt_id - run.test_case.prompt_id_base
        if not 0 <= index < run.n_prompts:
            raise KeyError(f"unknown prompt id {prompt_id}")
        return make_prompt(run, index)

    def _run_object(self, run: RunRecord, status: str) -> dict[str, Any]:
        aggregate = None
        if status in TERMINAL_STATUSES:
            aggregate = run.aggregate
            if aggregate is None:
                aggregate = aggregate_run_metrics(run)
                run.aggregate = aggregate
        return run.to_json(status, aggregate)

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
        with self._lock:
            self._rule_counter += 1
            rule = FaultRule(
                fault,
                on_request=on_request,
                every=every,
                rate=rate,
                times=times,
                method=method,
                path=path,
                rng=random.Random(f"gradient-evals-fault:{self.seed}:{self._rule_counter}"),
            )
            self._rules.append(rule)
            return rule

    def remove_fault(self, rule: FaultRule) -> None:
        """Remove one injected rule."""
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._rules.clear()

    @property
    def faults(self) -> list[FaultRule]:
        """The injected rules, in injection order."""
        with self._lock:
            return list(self._rules)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, in the order responses were decided."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._requests.clear()

    def _pick_fault(self, method: str, path: str) -> Fault | None:
        chosen: Fault | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.count_and_decide() and chosen is None:
                    rule.fired += 1
                    chosen = rule.fault
        return chosen

    def _record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(entry)

    def _rate_headers(self, *, exhausted: bool = False, reset_in: int | None = None) -> list[tuple[str, str]]:
        with self._lock:
            self._request_count += 1
            now = int(time.time())
            while now >= self._window_start + RATE_WINDOW:
                self._window_start += RATE_WINDOW
            remaining = 0 if exhausted else RATE_LIMIT - 1 - (self._request_count - 1) % RATE_LIMIT
            reset = now + reset_in if reset_in is not None else self._window_start + RATE_WINDOW
        return [
            ("ratelimit-limit", str(RATE_LIMIT)),
            ("ratelimit-remaining", str(remaining)),
            ("ratelimit-reset", str(reset)),
        ]

    # ------------------------------------------------------------------------------------------ API

    def _dispatch(self, method: str, raw_path: str, query: dict[str, str], body: bytes) -> _Response:
        segments = [unquote(s, errors="strict") for s in raw_path.split("/")[1:]]
        if len(segments) < 3 or tuple(segments[:2]) != _API:
            raise _ClientError(404, "The resource you requested could not be found.")
        rest = segments[2:]
        head = rest[0]
        n = len(rest)
        if head == "evaluation_runs":
            if n == 1:
                self._allow(method, "POST")
                return self._create_runs(body)
            if n == 2:
                self._allow(method, "GET")
                return self._get_run(rest[1])
            if n == 3 and rest[2] == "results":
                self._allow(method, "GET")
                return self._list_results(rest[1], query)
            if n == 4 and rest[2] == "results":
                self._allow(method, "GET")
                return self._get_prompt(rest[1], rest[3])
        elif head == "evaluation_test_cases" and n == 3 and rest[2] == "evaluation_runs":
            self._allow(method, "GET")
            return self._list_runs(rest[1], query)
        raise _ClientError(404, "The resource you requested could not be found.")

    @staticmethod
    def _allow(method: str, allowed: str) -> None:
        if method != allowed:
            raise _ClientError(405, f"Method {method} is not allowed here.", [("Allow", allowed)])

    def _ok(self, obj: dict[str, Any]) -> _Response:
        return _Response(200, _dumps(obj))

    def _create_runs(self, body: bytes) -> _Response:
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise _ClientError(400, "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise _ClientError(400, "The request body must be a JSON object.")
        tc_uuid = data.get("test_case_uuid")
        if not isinstance(tc_uuid, str) or not tc_uuid:
            raise _ClientError(400, "test_case_uuid is required.")
        lists: dict[str, list[str]] = {}
        for key in ("agent_uuids", "agent_deployment_names"):
            value = data.get(key)
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise _ClientError(400, f"{key} must be a list of non-empty strings.")
            lists[key] = value
        run_name = data.get("run_name")
        if run_name is not None and not isinstance(run_name, str):
            raise _ClientError(400, "run_name must be a string.")
        if not lists["agent_uuids"] and not lists["agent_deployment_names"]:
            raise _ClientError(400, "At least one of agent_uuids or agent_deployment_names is required.")
        with self._lock:
            tc = self._test_cases.get(tc_uuid)
            if tc is None:
                raise _ClientError(404, "The evaluation test case could not be found.")
            created: list[str] = []
            targets: list[tuple[str | None, str | None]] = [(a, None) for a in lists["agent_uuids"]]
            targets += [(None, d) for d in lists["agent_deployment_names"]]
            for agent_uuid, deployment in targets:
                queued = time.time_ns()
                run = self._new_run(
                    tc,
                    version=tc.version,
                    n_prompts=tc.size(),
                    run_name=run_name or None,
                    agent_uuid=agent_uuid,
                    agent_deployment_name=deployment,
                    fixed_status=None,
                    times=(
                        queued,
                        queued + int(0.15 * self.run_duration * 1e9),
                        queued + int(self.run_duration * 1e9),
                    ),
                )
                created.append(run.uuid)
                self._created_runs += 1
        return self._ok({"evaluation_run_uuids": created})

    def _lookup_run(self, run_uuid: str) -> RunRecord:
        with self._lock:
            run = self._runs.get(run_uuid)
        if run is None:
            raise _ClientError(404, "The evaluation run could not be found.")
        return run

    def _get_run(self, run_uuid: str) -> _Response:
        run = self._lookup_run(run_uuid)
        status, _ = run.state(time.monotonic())
        return self._ok({"evaluation_run": self._run_object(run, status)})

    def _positive(self, query: dict[str, str], name: str, default: int) -> int:
        raw = query.get(name)
        if raw is None:
            return default
        if not _INT_RE.fullmatch(raw) or int(raw) < 1:
            raise _ClientError(400, f"{name} must be a positive integer.")
        return int(raw)

    def _list_results(self, run_uuid: str, query: dict[str, str]) -> _Response:
        run = self._lookup_run(run_uuid)
        page = self._positive(query, "page", 1)
        per_page = min(self._positive(query, "per_page", self.default_per_page), self.per_page_max)
        status, visible = run.state(time.monotonic())
        pages = -(-visible // per_page)
        start = min((page - 1) * per_page, visible)
        stop = min(start + per_page, visible)
        prompts = self._page_bytes(run, start, stop)

        def link(p: int) -> str:
            return f"{self.base_url}/v2/gen-ai/evaluation_runs/{run.uuid}/results?page={p}&per_page={per_page}"

        last = max(pages, 1)
        links: dict[str, str] = {"first": link(1)}
        if page > 1:
            links["previous"] = link(min(page - 1, last))
        if page < pages:
            links["next"] = link(page + 1)
        links["last"] = link(last)
        run_bytes = _dumps(self._run_object(run, status))
        meta = _dumps({"page": page, "pages": pages, "total": visible})
        body = b"".join(
            (
                b'{"evaluation_run":',
                run_bytes,
                b',"prompts":[',
                prompts,
                b'],"meta":',
                meta,
                b',"links":',
                _dumps({"pages": links}),
                b"}",
            )
        )
        return _Response(200, body)

    def _page_bytes(self, run: RunRecord, start: int, stop: int) -> bytes:
        if start >= stop:
            return b""
        key = (run.uuid, start, stop)
        with self._lock:
            cached = self._page_cache.get(key)
            if cached is not None:
                self._page_cache.move_to_end(key)
                return cached
        data = b",".join(_dumps(make_prompt(run, i)) for i in range(start, stop))
        with self._lock:
            if key not in self._page_cache:
                self._page_cache[key] = data
                self._page_cache_used += len(data)
            while self._page_cache_used > self._page_cache_limit and self._page_cache:
                _, dropped = self._page_cache.popitem(last=False)
                self._page_cache_used -= len(dropped)
        return data

    def _get_prompt(self, run_uuid: str, raw_id: str) -> _Response:
        if not _SIGNED_INT_RE.fullmatch(raw_id):
            raise _ClientError(400, "prompt_id must be an integer.")
        run = self._lookup_run(run_uuid)
        _, visible = run.state(time.monotonic())
        index = int(raw_id) - run.test_case.prompt_id_base
        if not 0 <= index < visible:
            raise _ClientError(404, "The prompt result could not be found.")
        return self._ok({"prompt": make_prompt(run, index)})

    def _list_runs(self, tc_uuid: str, query: dict[str, str]) -> _Response:
        raw = query.get("evaluation_test_case_version")
        version: int | None = None
        if raw is not None and raw != "":
            if not _SIGNED_INT_RE.fullmatch(raw):
                raise _ClientError(400, "evaluation_test_case_version must be an integer.")
            version = int(raw)
        with self._lock:
            if tc_uuid not in self._test_cases:
                raise _ClientError(404, "The evaluation test case could not be found.")
            runs = [
                r
                for r in self._runs.values()
                if r.test_case.uuid == tc_uuid and (version is None or r.test_case_version == version)
            ]
        now = time.monotonic()
        objects = [self._run_object(r, r.state(now)[0]) for r in reversed(runs)]
        return self._ok({"evaluation_runs": objects})

    @staticmethod
    def _error(status: int, message: str, request_id: str) -> bytes:
        return _dumps({"id": error_id(status), "message": message, "request_id": request_id})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128
    timeout = 1.0  # bounds handle_request() should a readiness report ever be spurious

    def __init__(
        self,
        address: tuple[str, int],
        handler: Callable[..., BaseHTTPRequestHandler],
        emulator: FakeGradientServer,
    ) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        super().__init__(address, handler)

    def serve_until_woken(self) -> None:
        """Accept connections until :meth:`wake` is called (no polling, so closing is immediate)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    self.handle_request()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (or the server closing) mid-response are expected; stay quiet.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gradient-evals-emulator"
    sys_version = ""
    timeout = 120
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method (GET, POST, DELETE, FOO, ...) goes through one dispatcher.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    # -------------------------------------------------------------------------------------- wire helpers

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _head(self, status: int, headers: list[tuple[str, str]], length: int, close: bool) -> bytes:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        lines = [f"HTTP/1.1 {status} {phrase}", f"Date: {formatdate(usegmt=True)}", "Server: gradient-evals"]
        lines += [f"{k}: {v}" for k, v in headers]
        lines.append(f"Content-Length: {length}")
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        head = self._head(status, headers, len(body), self.close_connection)
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def _abort(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines/headers: answer in the API's JSON error shape too.
        emu = self.server.emulator
        request_id = str(uuid.uuid4())
        body = emu._error(code, message or HTTPStatus(code).phrase, request_id)
        headers = [("content-type", "application/json"), ("x-request-id", request_id), *emu._rate_headers()]
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.write(self._head(code, headers, len(body), True) + body)

    # -------------------------------------------------------------------------------------- handling

    def _handle(self) -> None:
        emu = self.server.emulator
        method = self.command
        raw_path, _, raw_query = self.path.partition("?")
        raw_query = raw_query.partition("#")[0]
        request_id = str(uuid.uuid4())
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.send_error(400, "Malformed request body")
            return
        query = {k: v[0] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        auth = self.headers.get("Authorization")
        authorized = auth is not None and auth.strip() == f"Bearer {emu.token}"
        if auth is not None and not authorized:
            scheme, _, credential = auth.strip().partition(" ")
            authorized = scheme.lower() == "bearer" and credential.strip() == emu.token

        def record(status: int | None, fault: Fault | None) -> None:
            emu._record(
                RecordedRequest(
                    method=method,
                    path=raw_path,
                    query=query,
                    authorized=authorized,
                    status=status,
                    fault=fault.name if fault is not None else None,
                    had_authorization_header=auth is not None,
                    request_id=request_id,
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    time=time.time(),
                )
            )

        fault = emu._pick_fault(method, raw_path)
        wait = emu.latency + (fault.seconds if fault is not None and fault.kind == "delay" else 0.0)
        if wait > 0 and emu._stop.wait(wait):
            self._abort()
            return

        if fault is not None and fault.kind != "delay" and not fault.after_action:
            real = self._compute(method, raw_path, query, body, request_id, authorized) if method == "GET" else None
            self._apply_fault(fault, real, request_id, record)
            return
        response = self._compute(method, raw_path, query, body, request_id, authorized)
        if fault is not None and fault.kind != "delay":
            self._apply_fault(fault, response, request_id, record)
            return
        headers = [("content-type", response.content_type), ("x-request-id", request_id)]
        headers += emu._rate_headers()
        headers += response.headers
        record(response.status, fault)
        self._send(response.status, headers, response.body)

    def _compute(
        self,
        method: str,
        raw_path: str,
        query: dict[str, str],
        body: bytes,
        request_id: str,
        authorized: bool,
    ) -> _Response:
        emu = self.server.emulator
        try:
            if not authorized:
                raise _ClientError(401, "Unable to authenticate you.")
            return emu._dispatch(method, raw_path, query, body)
        except _ClientError as err:
            return _Response(err.status, emu._error(err.status, err.message, request_id), headers=err.headers)
        except UnicodeDecodeError:
            return _Response(404, emu._error(404, "Not found.", request_id))
        except Exception as err:
            message = f"Unexpected server-side error ({type(err).__name__})."
            return _Response(500, emu._error(500, message, request_id))

    def _apply_fault(
        self,
        fault: Fault,
        real: _Response | None,
        request_id: str,
        record: Callable[[int | None, Fault | None], None],
    ) -> None:
        emu = self.server.emulator
        kind = fault.kind
        if kind == "reset":
            record(None, fault)
            self._abort()
            return
        base = [("x-request-id", request_id)]
        if kind in ("status", "rate_limited"):
            status = fault.status_code or 500
            extra: list[tuple[str, str]] = []
            if kind == "rate_limited":
                wait = None if fault.retry_after is None else math.ceil(fault.retry_after)
                rate = emu._rate_headers(exhausted=True, reset_in=60 if wait is None else max(wait, 1))
                if wait is not None:
                    extra.append(("Retry-After", str(wait)))
                message = fault.message or "API rate limit exceeded."
            else:
                rate = emu._rate_headers()
                message = fault.message or f"Injected failure: HTTP {status}."
            body = emu._error(status, message, request_id)
            record(status, fault)
            self._send(status, [("content-type", "application/json"), *base, *rate, *extra], body)
            return
        if kind == "html_error":
            status = fault.status_code or 502
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "Error"
            body = (
                f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
                "</body>\r\n</html>\r\n"
            ).encode()
            record(status, fault)
            self._send(status, [("content-type", "text/html"), *base, *emu._rate_headers()], body)
            return
        headers = [("content-type", "application/json"), *base, *emu._rate_headers()]
        if kind == "malformed_json":
            record(200, fault)
            self._send(200, headers, b'{"evaluation_run": {"status": "EVALUATION_RUN_SUCC')
            return
        # truncated / stall: part of a 200 body whose Content-Length promises more.
        if real is not None and real.status == 200 and len(real.body) >= 2:
            body = real.body
        else:
            body = _dumps({"evaluation_run_uuids": [str(uuid.UUID(int=0))] * 8, "padding": "x" * 512})
        head = self._head(200, headers, len(body), True)
        self.close_connection = True
        record(200, fault)
        try:
            self.wfile.write(head + body[: len(body) // 2])
            if kind == "stall":
                emu._stop.wait(fault.seconds)
        finally:
            if kind == "stall":
                self._abort()
