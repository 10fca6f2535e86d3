"""Create recovery against scripted servers that lie: about names, about the time, about how long the list is.

Each server here loses the answer to a create (a 502, after or before it made the run) and then lists the test
case's runs as scripted. Recovery must return only runs it can prove the create made, never send the create
twice while its runs may exist, and end (in pages and in time) with :class:`RunCreationUnknownError` carrying
what it saw when it cannot decide. Time is asserted only as a generous upper bound.
"""

from __future__ import annotations

import email.utils
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest
from transport.hostile_servers import AGENT, TEST_CASE, Connection, HostileServer, client_of, head

from gradient_evals import RunCreationUnknownError
from gradient_evals.workflows import recover as recover_module
from gradient_evals.workflows.recover import MAX_PAGES, RECHECKS

pytestmark = pytest.mark.anyio

DAY = 86_400.0
GUARD = 60.0  # far beyond what any recovery here may take: reaching it means recovery was not bounded
RUNS_PATH = f"/v2/gen-ai/evaluation_test_cases/{TEST_CASE}/evaluation_runs"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")


def run_json(name: str, *, queued_at: float, agent: str = AGENT, run_uuid: str | None = None) -> dict[str, Any]:
    return {
        "evaluation_run_uuid": run_uuid or str(uuid.uuid4()),
        "run_name": name,
        "test_case_uuid": TEST_CASE,
        "agent_uuid": agent,
        "status": "EVALUATION_RUN_QUEUED",
        "queued_at": iso(queued_at),
    }


class ScriptedApi:
    """Creates and lists runs as scripted; every answer carries a ``Date`` ``date_offset`` s from the truth.

    ``posts`` says what each create does in turn: ``"act-then-502"`` makes the run and loses the answer,
    ``"502"`` loses it having done nothing, ``"ok"`` makes the run and answers. ``listing`` shapes the run list:
    ``"whole"`` (one page), ``"loop"`` (page 1 links to itself) or ``"endless"`` (every page links to one more,
    each with a run of its own).
    """

    def __init__(
        self,
        *,
        posts: list[str],
        date_offset: float = 0.0,
        runs: list[dict[str, Any]] | None = None,
        listing: str = "whole",
        echo_queued_before: float | None = None,
    ) -> None:
        self.posts = posts
        self.date_offset = date_offset
        self.runs = list(runs or [])
        self.listing = listing
        self.echo_queued_before = echo_queued_before  # lists a run of the asked name, queued this long before
        self.created = 0
        self.post_count = 0
        self.list_count = 0
        self.port = 0

    def __call__(self, conn: Connection) -> None:
        request_line, _, rest = conn.request.partition(b"\r\n")
        method, target, _ = request_line.decode().split(" ", 2)
        body = rest.partition(b"\r\n\r\n")[2]
        if method == "POST":
            self._create(conn, json.loads(body))
        else:
            self._list(conn, target)

    def _send(self, conn: Connection, status: str, payload: dict[str, Any] | None) -> None:
        data = b"<html>bad gateway</html>" if payload is None else json.dumps(payload).encode()
        date = email.utils.formatdate(time.time() + self.date_offset, usegmt=True)
        conn.send(head(status, f"Date: {date}", f"Content-Length: {len(data)}", "Connection: close") + data)

    def _create(self, conn: Connection, body: dict[str, Any]) -> None:
        action = self.posts[min(self.post_count, len(self.posts) - 1)]
        self.post_count += 1
        name = body["run_name"]
        if self.echo_queued_before is not None:
            self.runs.append(run_json(name, queued_at=time.time() - self.echo_queued_before))
            self.echo_queued_before = None
        if action == "502":
            self._send(conn, "502 Bad Gateway", None)
            return
        made = run_json(name, queued_at=time.time())
        self.runs.append(made)
        self.created += 1
        if action == "ok":
            self._send(conn, "200 OK", {"evaluation_run_uuids": [made["evaluation_run_uuid"]]})
        else:
            self._send(conn, "502 Bad Gateway", None)

    def _list(self, conn: Connection, target: str) -> None:
        self.list_count += 1
        page = int(target.split("page=", 1)[1].split("&")[0]) if "page=" in target else 1
        base = f"http://127.0.0.1:{self.port}{RUNS_PATH}"
        if self.listing == "whole":
            self._send(conn, "200 OK", {"evaluation_runs": self.runs})
        elif self.listing == "loop":
            self._send(conn, "200 OK", {"evaluation_runs": self.runs, "links": {"pages": {"next": f"{base}?page=1"}}})
        else:  # endless: page n holds the runs on page 1 and one new run on every later page
            runs = self.runs if page == 1 else [run_json(f"other-{page}", queued_at=time.time())]
            links = {"pages": {"next": f"{base}?page={page + 1}"}}
            self._send(conn, "200 OK", {"evaluation_runs": runs, "links": links, "meta": {"page": page}})


def serve(hostile: Callable[..., HostileServer], api: ScriptedApi) -> HostileServer:
    server = hostile(api)
    api.port = server.port
    return server


async def create(server: HostileServer, *, warm_up: bool = False, **options: Any) -> list[str]:
    """Create a run; with ``warm_up``, after an earlier call (so the client has seen the server's ``Date``)."""
    with anyio.fail_after(GUARD):
        async with client_of(server.url) as client:
            if warm_up:
                await client.evaluation_test_cases.list_evaluation_runs(TEST_CASE)
            created = await client.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT], **options)
    return list(created.evaluation_run_uuids or [])


async def unknown(server: HostileServer, **options: Any) -> RunCreationUnknownError:
    with pytest.raises(RunCreationUnknownError) as info:
        await create(server, **options)
    return info.value


def uuids_of(error: RunCreationUnknownError) -> list[str | None]:
    return [run.evaluation_run_uuid for run in error.candidates]


# -- item 9: the generated name on a run of another time --------------------------------------------------------


async def test_a_generated_name_echoed_on_a_run_a_year_old_is_not_claimed(
    hostile: Callable[..., HostileServer],
) -> None:
    api = ScriptedApi(posts=["502"], echo_queued_before=365 * DAY)
    error = await unknown(serve(hostile, api))
    assert len(error.candidates) == 1  # reported, so the caller can judge it
    assert error.candidates[0].run_name == error.run_name
    assert api.post_count == 1  # and not sent again while a run bearing the name exists


async def test_a_generated_name_in_time_is_still_recovered(hostile: Callable[..., HostileServer]) -> None:
    api = ScriptedApi(posts=["act-then-502"])
    assert await create(serve(hostile, api)) == [api.runs[0]["evaluation_run_uuid"]]
    assert api.post_count == 1


# -- item 10: a caller's name proves nothing --------------------------------------------------------------------


async def test_another_process_run_of_the_callers_name_is_not_returned_as_ours(
    hostile: Callable[..., HostileServer],
) -> None:
    theirs = run_json("nightly", queued_at=time.time() + 0.5)  # same name, agent and moment; this create did nothing
    api = ScriptedApi(posts=["502"], runs=[theirs])
    error = await unknown(serve(hostile, api), run_name="nightly")
    assert uuids_of(error) == [theirs["evaluation_run_uuid"]]
    assert "chosen by the caller" in str(error)
    assert api.post_count == 1


# -- item 11: the server's clock far from ours ------------------------------------------------------------------


@pytest.mark.parametrize("warm_up", [False, True], ids=["first-call", "later-call"])
async def test_a_date_an_hour_ahead_neither_resends_nor_loses_the_run(
    warm_up: bool, hostile: Callable[..., HostileServer]
) -> None:
    api = ScriptedApi(posts=["act-then-502", "ok"], date_offset=3600)
    error = await unknown(serve(hostile, api), run_name="nightly", warm_up=warm_up)
    assert api.created == 1  # no second run
    assert api.post_count == 1
    assert uuids_of(error) == [api.runs[0]["evaluation_run_uuid"]]


async def test_a_date_an_hour_ahead_still_recovers_a_generated_name(hostile: Callable[..., HostileServer]) -> None:
    api = ScriptedApi(posts=["act-then-502", "ok"], date_offset=3600)
    assert await create(serve(hostile, api), warm_up=True) == [api.runs[0]["evaluation_run_uuid"]]
    assert api.created == 1


@pytest.mark.parametrize("warm_up", [False, True], ids=["first-call", "later-call"])
async def test_a_date_two_days_behind_does_not_claim_yesterdays_run(
    warm_up: bool, hostile: Callable[..., HostileServer]
) -> None:
    yesterdays = run_json("nightly", queued_at=time.time() - DAY)
    api = ScriptedApi(posts=["502", "ok"], date_offset=-2 * DAY, runs=[yesterdays])
    created = await create(serve(hostile, api), run_name="nightly", warm_up=warm_up)
    # The create did nothing and no run of its name is of its time by either clock: sent again, its own run back.
    assert created == [api.runs[-1]["evaluation_run_uuid"]]
    assert created != [yesterdays["evaluation_run_uuid"]]
    assert (api.post_count, api.created) == (2, 1)


# -- item 12: a run list that loops or never ends ---------------------------------------------------------------


async def test_a_next_link_loop_ends_in_unknown_with_what_was_found(hostile: Callable[..., HostileServer]) -> None:
    api = ScriptedApi(posts=["act-then-502"], listing="loop")
    error = await unknown(serve(hostile, api))
    assert uuids_of(error) == [api.runs[0]["evaluation_run_uuid"]]  # the run may well exist: reported
    assert "repeating" in str(error) or "points back" in str(error)
    assert api.post_count == 1


async def test_an_endless_run_list_is_read_to_a_bound(hostile: Callable[..., HostileServer]) -> None:
    api = ScriptedApi(posts=["act-then-502"], listing="endless")
    started = time.monotonic()
    error = await unknown(serve(hostile, api))
    assert uuids_of(error) == [api.runs[0]["evaluation_run_uuid"]]
    assert f"past {MAX_PAGES} pages" in str(error)
    assert api.list_count <= MAX_PAGES * (1 + RECHECKS) + 2  # prefetch may ask for one page more
    assert api.post_count == 1
    assert time.monotonic() - started < GUARD


async def test_a_run_list_that_stalls_is_given_up_in_time(
    hostile: Callable[..., HostileServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recover_module, "LOOK_TIME", 1.0)
    api = ScriptedApi(posts=["act-then-502"])

    def stall_listings(conn: Connection) -> None:
        if conn.request.startswith(b"POST"):
            api(conn)
        else:
            conn.stop.wait(GUARD)  # headers never come

    server = hostile(stall_listings)
    started = time.monotonic()
    error = await unknown(server)
    assert "took longer than 1 s" in str(error)
    assert api.post_count == 1
    assert time.monotonic() - started < 30  # LOOK_TIME (1 s) with generous room; the listing's own timeout is 60 s
