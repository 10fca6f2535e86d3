"""Untrusted text (run names, error messages, agents' inputs and outputs) never reaches a terminal raw.

A hostile or compromised server controls every string it sends; printed raw, an escape sequence could clear the
screen, rewrite earlier lines or retitle the window. Human-readable output shows such characters as escapes;
JSON output carries them as ``\\u`` escapes, so the values are unchanged once parsed.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cli.cli_support import Cli

from gradient_evals.cli import main
from gradient_evals.cli._render import StatusProgress, escape_text, render_table
from gradient_evals.testing import FakeGradientServer, Fault
from gradient_evals.types import EvaluationRun

HOSTILE = "\x1b[2J\x1b]0;pwned\x07ok\r\nverdict: PASSED\u202eevil\x9b31m\x7f"
STEERING = ["\x1b", "\x07", "\r", "\u202e", "\x9b", "\x7f"]


def assert_no_steering(text: str) -> None:
    for char in STEERING:
        assert char not in text, f"{char!r} reached the output raw"


def test_escape_text_shows_every_steering_character_as_an_escape() -> None:
    assert escape_text(HOSTILE) == ("\\x1b[2J\\x1b]0;pwned\\x07ok\\x0d\\x0averdict: PASSED\\u202eevil\\x9b31m\\x7f")
    assert escape_text("naïve café 日本 🙂 tab") == "naïve café 日本 🙂 tab", "printable text is left alone"


def test_table_cells_and_headers_are_escaped() -> None:
    table = render_table([f"H{HOSTILE}"], [[HOSTILE], [None]])
    assert_no_steering(table)
    assert table.count("\n") == 4, "a newline in a cell cannot add a line"


def test_status_lines_escape_what_the_server_sent() -> None:
    stream = io.StringIO()
    progress = StatusProgress(stream, tty=False)
    progress.update(EvaluationRun(evaluation_run_uuid=HOSTILE, status=HOSTILE))
    assert_no_steering(stream.getvalue())
    terminal = io.StringIO()
    with StatusProgress(terminal, tty=True) as drawn:
        drawn.update(EvaluationRun(evaluation_run_uuid="r", status=HOSTILE))
    drawn_text = terminal.getvalue()
    assert "\\x1b[2J" in drawn_text, "the server's escape is shown, escaped"
    # rich's own cursor codes (hide, show, up, erase line) are all the control sequences left
    assert_no_steering(re.sub(r"\x1b\[(\?25[lh]|\d*A|2K)", "", drawn_text).replace("\r", ""))


def test_run_names_and_errors_from_the_emulator(cli: Cli, server: FakeGradientServer, test_case: str) -> None:
    run = server.add_run(
        test_case_uuid=test_case, run_name=HOSTILE, status="EVALUATION_RUN_CANCELLED", error_description=HOSTILE
    )
    code, out, _ = cli("runs", "get", run)
    assert code == 0
    assert_no_steering(out)
    assert "\\x1b[2J" in out
    assert not any(line.startswith("verdict") for line in out.splitlines()), "no line forged by a newline"

    code, out, _ = cli("runs", "get", run, "--json")
    assert_no_steering(out)
    data = json.loads(out)
    assert data["run_name"] == HOSTILE, "JSON keeps the value exactly"
    assert data["error_description"] == HOSTILE

    code, out, _ = cli("test-cases", "runs", test_case)
    assert code == 0
    assert_no_steering(out)

    code, _, err = cli("runs", "wait", run)
    assert code == 4
    assert_no_steering(err)
    assert err.count("\n") == 2, "the status line and the failure, one line each"
    assert err.splitlines()[-1].startswith("gradient-evals: run failed: ")


def test_api_error_messages_are_escaped(cli: Cli, runs: list[str]) -> None:
    cli.server.inject(Fault.status(404, message=HOSTILE), times=1)
    code, _, err = cli("runs", "get", runs[0])
    assert code == 3
    assert_no_steering(err)
    assert "\\x1b]0;pwned" in err
    assert err.count("\n") == 1


class Hostile(BaseHTTPRequestHandler):
    """A server whose run and one page of results are full of escape sequences."""

    run_uuid = "123e4567-e89b-12d3-a456-426614174000"

    def do_GET(self) -> None:
        run = {"evaluation_run_uuid": self.run_uuid, "run_name": HOSTILE, "status": "EVALUATION_RUN_SUCCESSFUL"}
        metric = {"metric_name": f"score{HOSTILE}", "number_value": 5, "metric_value_type": "METRIC_VALUE_TYPE_NUMBER"}
        label = {"metric_name": "label", "string_value": HOSTILE, "metric_value_type": "METRIC_VALUE_TYPE_STRING"}
        prompt = {"prompt_id": 1, "input": HOSTILE, "output": HOSTILE, "prompt_level_metric_results": [metric, label]}
        body: dict[str, Any] = {"evaluation_run": run}
        if self.path.split("?")[0].endswith("/results"):
            body.update(prompts=[prompt], meta={"page": 1, "pages": 1, "total": 1}, links={})
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hostile_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_results_on_a_terminal_are_escaped(
    hostile_url: str, fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    code = main(["--token", "t", "--base-url", hostile_url, "runs", "results", Hostile.run_uuid, "--format", fmt])
    assert code == 0
    out = terminal.getvalue()
    assert_no_steering(out)
    if fmt == "jsonl":
        record = json.loads(out)
        assert record["input"] == HOSTILE
        assert record["output"] == HOSTILE


def test_csv_into_a_pipe_stays_exact(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--token", "t", "--base-url", hostile_url, "runs", "results", Hostile.run_uuid, "--format", "csv"])
    assert code == 0
    assert "\x1b[2J" in capsys.readouterr().out, "data for programs is not altered"


def test_summaries_and_comparisons_are_escaped(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--token", "t", "--base-url", hostile_url, "runs"]
    assert main([*argv, "summary", Hostile.run_uuid]) == 0
    assert_no_steering(capsys.readouterr().out)
    assert main([*argv, "compare", Hostile.run_uuid, Hostile.run_uuid, "--fail-on-regression"]) == 0
    out, err = capsys.readouterr()
    assert_no_steering(out + err)
    assert main([*argv, "compare", Hostile.run_uuid, Hostile.run_uuid, "--json"]) == 0
    out = capsys.readouterr().out
    assert_no_steering(out)
    assert json.loads(out)["base"]["run"]["run_name"] == HOSTILE
