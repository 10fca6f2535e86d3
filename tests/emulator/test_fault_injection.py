from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx
import pytest

from gradient_evals.testing import FakeGradientServer, Fault

RUNS = "/v2/gen-ai/evaluation_runs"


@pytest.fixture
def run(server: FakeGradientServer) -> str:
    return server.add_run(prompts=50)


def test_status_fault_fires_on_the_nth_request_only(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    rule = server.inject(Fault.status(503), on_request=3)
    codes = [api.get(f"{RUNS}/{run}").status_code for _ in range(6)]
    assert codes == [200, 200, 503, 200, 200, 200]
    assert rule.fired == 1
    assert rule.seen == 6
    log = server.requests
    assert [r.fault for r in log] == [None, None, "status:503", None, None, None]


def test_status_fault_body(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.status(500, message="boom"))
    resp = api.get(f"{RUNS}/{run}")
    assert resp.status_code == 500
    assert resp.json() == {"id": "server_error", "message": "boom", "request_id": resp.headers["x-request-id"]}
    assert resp.headers["ratelimit-limit"] == "5000"


def test_every_times_method_and_path(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.status(502), every=2, times=2, path="/results")
    codes = []
    for _ in range(3):
        codes.append(api.get(f"{RUNS}/{run}").status_code)  # never matches: no /results
        codes.append(api.get(f"{RUNS}/{run}/results").status_code)
    codes.append(api.get(f"{RUNS}/{run}/results").status_code)
    codes.append(api.get(f"{RUNS}/{run}/results").status_code)
    assert codes == [200, 200, 200, 502, 200, 200, 502, 200]  # 2nd and 4th match, then times=2 is spent
    server.clear_faults()
    assert server.faults == []
    server.inject(Fault.status(500), method="POST")
    assert api.get(f"{RUNS}/{run}").status_code == 200
    assert api.post(RUNS, json={}).status_code == 500


def test_rate_is_deterministic_for_a_seed() -> None:
    def pattern(seed: int) -> list[int]:
        with FakeGradientServer(seed=seed) as srv:
            run = srv.add_run(prompts=1)
            srv.inject(Fault.html_error(502), rate=0.3)
            with httpx.Client(headers={"Authorization": f"Bearer {srv.token}"}) as client:
                return [client.get(srv.url_for(f"{RUNS}/{run}")).status_code for _ in range(40)]

    first = pattern(1)
    assert first == pattern(1)
    assert 3 <= first.count(502) <= 25
    assert set(first) == {200, 502}


def test_first_injected_rule_wins(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    a = server.inject(Fault.status(503), on_request=1)
    b = server.inject(Fault.status(504))
    assert [api.get(f"{RUNS}/{run}").status_code for _ in range(2)] == [503, 504]
    assert (a.fired, b.fired) == (1, 1)
    server.remove_fault(b)
    assert api.get(f"{RUNS}/{run}").status_code == 200


def test_inject_argument_validation(server: FakeGradientServer) -> None:
    with pytest.raises(ValueError):
        server.inject(Fault.reset(), on_request=1, every=2)
    with pytest.raises(ValueError):
        server.inject(Fault.reset(), rate=1.5)
    with pytest.raises(ValueError):
        server.inject(Fault.reset(), on_request=0)
    with pytest.raises(ValueError):
        Fault.status(200)


def test_rate_limited_with_retry_after(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.rate_limited(retry_after=0), every=5, path="/results")
    codes = [api.get(f"{RUNS}/{run}/results").status_code for _ in range(10)]
    assert codes == [200, 200, 200, 200, 429] * 2
    server.clear_faults()
    server.inject(Fault.rate_limited(retry_after=2.2))
    resp = api.get(f"{RUNS}/{run}")
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "3"
    assert resp.headers["ratelimit-remaining"] == "0"
    assert int(resp.headers["ratelimit-reset"]) >= int(time.time()) + 2
    body = resp.json()
    assert body["id"] == "too_many_requests"
    assert body["request_id"] == resp.headers["x-request-id"]


def test_rate_limited_without_retry_after(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.rate_limited(retry_after=None))
    resp = api.get(f"{RUNS}/{run}")
    assert resp.status_code == 429
    assert "retry-after" not in resp.headers
    assert int(resp.headers["ratelimit-reset"]) > time.time()
    assert resp.headers["ratelimit-remaining"] == "0"


def test_html_error(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.html_error(504))
    resp = api.get(f"{RUNS}/{run}")
    assert resp.status_code == 504
    assert resp.headers["content-type"].startswith("text/html")
    assert resp.text.lstrip().startswith("<html>")
    assert "x-request-id" in resp.headers


def test_malformed_json(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.malformed_json())
    resp = api.get(f"{RUNS}/{run}")
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()


def test_reset(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.reset(), on_request=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.get(f"{RUNS}/{run}")
    assert api.get(f"{RUNS}/{run}").status_code == 200  # the client reconnects
    first = server.requests[0]
    assert first.status is None
    assert first.fault == "reset"


def test_reset_is_abortive(server: FakeGradientServer, run: str) -> None:
    server.inject(Fault.reset())
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        request = f"GET {RUNS}/{run} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.token}\r\n\r\n"
        sock.sendall(request.encode())
        with pytest.raises(ConnectionResetError):
            _drain(sock)


def _drain(sock: socket.socket) -> None:
    while sock.recv(1024):
        pass


def test_truncated(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.truncated(), on_request=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(f"{RUNS}/{run}/results")
    assert server.requests[0].fault == "truncated"
    assert api.get(f"{RUNS}/{run}/results").status_code == 200


def test_stall_times_out_the_client(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.stall(5.0), on_request=1)
    # A read timeout, not the connection error the stall's end gives 5 s later.
    with pytest.raises(httpx.ReadTimeout):
        api.get(f"{RUNS}/{run}/results", timeout=0.3)
    assert api.get(f"{RUNS}/{run}").status_code == 200


def test_delay_and_latency(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    server.inject(Fault.delay(0.25), on_request=1)
    started = time.monotonic()
    assert api.get(f"{RUNS}/{run}").status_code == 200
    assert time.monotonic() - started >= 0.25
    assert server.requests[0].fault == "delay"
    server.latency = 0.15
    started = time.monotonic()
    assert api.get(f"{RUNS}/{run}").status_code == 200
    assert time.monotonic() - started >= 0.15
    server.latency = 0.0
    assert api.get(f"{RUNS}/{run}").status_code == 200
    assert server.requests[-1].fault is None


def test_faulted_post_creates_nothing(server: FakeGradientServer, api: httpx.Client) -> None:
    tc = server.add_test_case(prompts=3)
    for fault in (Fault.status(500), Fault.reset(), Fault.truncated(), Fault.html_error()):
        server.clear_faults()
        server.inject(fault, method="POST")
        with contextlib.suppress(httpx.TransportError):
            api.post(RUNS, json={"test_case_uuid": tc, "agent_uuids": ["a"]})
    assert server.created_run_count == 0
    assert server.runs_of(tc) == []


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.status(500, after_action=True), 500),
        (Fault.html_error(502, after_action=True), 502),
        (Fault.reset(after_action=True), httpx.TransportError),
        (Fault.truncated(after_action=True), httpx.RemoteProtocolError),
    ],
)
def test_after_action_post_fault_creates_the_run(
    server: FakeGradientServer, api: httpx.Client, fault: Fault, expected: int | type[Exception]
) -> None:
    tc = server.add_test_case(prompts=3)
    server.inject(fault, method="POST", on_request=1)
    if isinstance(expected, int):
        resp = api.post(RUNS, json={"test_case_uuid": tc, "agent_uuids": ["a"]})
        assert resp.status_code == expected
    else:
        with pytest.raises(expected):
            api.post(RUNS, json={"test_case_uuid": tc, "agent_uuids": ["a"]})
    assert server.created_run_count == 1
    assert len(server.runs_of(tc)) == 1
    listed = api.get(f"/v2/gen-ai/evaluation_test_cases/{tc}/evaluation_runs").json()["evaluation_runs"]
    assert [r["evaluation_run_uuid"] for r in listed] == server.runs_of(tc)


def test_request_log_fields(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    api.get(f"{RUNS}/{run}/results", params={"page": 2, "per_page": 5})
    httpx.get(server.url_for(f"{RUNS}/{run}"))
    api.post(RUNS, json={"test_case_uuid": "x", "agent_uuids": ["a"]})
    first, second, third = server.requests
    assert (first.method, first.path, first.query) == ("GET", f"{RUNS}/{run}/results", {"page": "2", "per_page": "5"})
    assert (first.authorized, first.had_authorization_header, first.status, first.fault) == (True, True, 200, None)
    assert (second.authorized, second.had_authorization_header, second.status) == (False, False, 401)
    assert second.query == {}
    assert (third.method, third.status) == ("POST", 404)
    assert b'"test_case_uuid"' in third.body
    assert third.headers["authorization"] == f"Bearer {server.token}"
    server.clear_requests()
    assert server.requests == []


def test_close_is_prompt_with_a_stalled_connection() -> None:
    srv = FakeGradientServer().start()
    run = srv.add_run(prompts=5)
    srv.inject(Fault.stall(30))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.get(srv.url_for(f"{RUNS}/{run}"), headers={"Authorization": f"Bearer {srv.token}"}, timeout=10)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while not srv.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    srv.close()
    assert time.monotonic() - started < 15, "close waited for the 30 s stall"
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert len(errors) == 1
    # Dropped by the close, not timed out by the client 10 s into the stall.
    assert isinstance(errors[0], httpx.TransportError)
    assert not isinstance(errors[0], httpx.TimeoutException), repr(errors[0])
    srv.close()  # idempotent


def test_concurrent_requests_each_get_their_page(server: FakeGradientServer) -> None:
    run = server.add_run(prompts=1000)
    server.latency = 0.02
    results: list[list[int]] = []

    def fetch(page: int) -> None:
        resp = httpx.get(
            server.url_for(f"{RUNS}/{run}/results"),
            params={"page": page, "per_page": 100},
            headers={"Authorization": f"Bearer {server.token}"},
        )
        results.append([p["prompt_id"] for p in resp.json()["prompts"]])

    threads = [threading.Thread(target=fetch, args=(page,)) for page in range(1, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Correctness under concurrency only: how fast is for the benchmarks, not for a loaded test machine.
    assert sorted(pid for page in results for pid in page) == server.prompt_ids(run)


def test_on_request_counts_from_the_injection(server: FakeGradientServer, api: httpx.Client, run: str) -> None:
    for _ in range(4):
        assert api.get(f"{RUNS}/{run}").status_code == 200
    server.inject(Fault.status(503), on_request=2)
    assert [api.get(f"{RUNS}/{run}").status_code for _ in range(3)] == [200, 503, 200]


def test_faults_fire_before_authentication(server: FakeGradientServer, run: str) -> None:
    server.inject(Fault.status(503), on_request=1)
    resp = httpx.get(server.url_for(f"{RUNS}/{run}"))
    assert resp.status_code == 503
    entry = server.requests[0]
    assert (entry.authorized, entry.had_authorization_header, entry.fault) == (False, False, "status:503")
