"""Export files under hostile conditions: planted links, concurrent exports, bad destinations, formula cells,
text UTF-8 cannot hold, and a format that must follow the file name.

Pages come from the emulator or from hand-written JSON served by a mock transport; expected values are written
out here, never computed with the SDK's own encoders.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from gradient_evals import AsyncGradientEvals, ExportError, GradientEvals, GradientEvalsError, RetryPolicy
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationPrompt, PageMeta, ResultsPage
from gradient_evals.workflows._formats import jsonl_text
from gradient_evals.workflows.export import write_jsonl

pytestmark = pytest.mark.anyio

NO_BACKOFF = RetryPolicy(initial_backoff=0, max_backoff=0, jitter=False)
PROMPTS = 45


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=4, latency=0.0) as srv:
        yield srv


@pytest.fixture
def run_uuid(server: FakeGradientServer) -> str:
    return server.add_run(prompts=PROMPTS)


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(server.token, base_url=server.base_url, retry=NO_BACKOFF) as c:
        yield c


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- temporary files -------------------------------------------------------------------------------------


async def test_the_temporary_file_is_unpredictable_and_private_while_written(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    path = tmp_path / "results.jsonl"
    during: list[tuple[str, int]] = []

    def look(done: int, total: int | None) -> None:
        for entry in tmp_path.iterdir():
            during.append((entry.name, stat.S_IMODE(entry.lstat().st_mode)))

    await client.evaluation_runs.export(run_uuid, path, per_page=10, on_progress=look)

    names = {name for name, _ in during}
    assert len(names) == 1, "one temporary file per export, reused for every page"
    (name,) = names
    assert name.startswith(".results.jsonl.")
    assert name.endswith(".part")
    assert name != f".results.jsonl.{os.getpid()}.part", "the name must not be derivable from the pid"
    assert {mode for _, mode in during} == {0o600}, "nobody else can read a half-written export"
    # Finished, it has the permissions a plain open() would have given it.
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~current_umask()
    assert entries(tmp_path) == ["results.jsonl"]


async def test_replacing_a_file_keeps_its_permissions(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o640)
    await client.evaluation_runs.export(run_uuid, path, per_page=50)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert len(path.read_text(encoding="utf-8").splitlines()) == PROMPTS


async def test_a_symlink_planted_at_the_old_temporary_name_is_not_followed(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    path = tmp_path / "results.jsonl"
    planted = tmp_path / f".results.jsonl.{os.getpid()}.part"
    planted.symlink_to(victim)

    assert await client.evaluation_runs.export(run_uuid, path, per_page=20) == PROMPTS

    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert planted.is_symlink(), "the planted link is left alone"
    assert os.readlink(planted) == str(victim)
    assert not path.is_symlink()
    assert len(path.read_text(encoding="utf-8").splitlines()) == PROMPTS


def _text_page(prefix: str, start: int, count: int) -> ResultsPage:
    prompts = tuple(EvaluationPrompt(prompt_id=start + i, input=f"{prefix}-{start + i}") for i in range(count))
    return ResultsPage(prompts=prompts, meta=PageMeta(total=None))


async def test_two_exports_to_one_path_in_one_process_never_mix(tmp_path: Path) -> None:
    """Both exports write their pages alternately (forced with events); the file is one of them, whole."""
    path = tmp_path / "same.jsonl"
    turns = {"a": [anyio.Event() for _ in range(4)], "b": [anyio.Event() for _ in range(4)]}

    async def pages(me: str, other: str) -> AsyncIterator[ResultsPage]:
        for n in range(3):
            if me == "b" or n > 0:
                await turns[other][n if me == "b" else n - 1].wait()
            yield _text_page(me, n * 10, 10)
            turns[me][n].set()

    results: dict[str, int] = {}

    async def export(me: str, other: str) -> None:
        results[me] = await write_jsonl(pages(me, other), path)

    async with anyio.create_task_group() as group:
        group.start_soon(export, "a", "b")
        group.start_soon(export, "b", "a")

    assert results == {"a": 30, "b": 30}
    inputs = [json.loads(line)["input"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert inputs in ([f"a-{i}" for i in range(30)], [f"b-{i}" for i in range(30)])
    assert entries(tmp_path) == ["same.jsonl"]


# -- destinations that cannot be written ---------------------------------------------------------------------


async def test_a_directory_as_destination_is_refused_before_any_request(
    server: FakeGradientServer, client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ExportError) as caught:
        await client.evaluation_runs.export(run_uuid, target)
    error = caught.value
    assert isinstance(error, GradientEvalsError)
    assert isinstance(error, OSError)
    assert error.path == str(target)
    assert "directory" in str(error)
    assert ".part" not in str(error)
    assert server.requests == []
    assert entries(tmp_path) == ["out"]
    assert entries(target) == []


async def test_a_missing_folder_is_refused_before_any_request(
    server: FakeGradientServer, client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        await client.evaluation_runs.export(run_uuid, tmp_path / "nowhere" / "r.csv")
    assert server.requests == []


async def test_a_destination_that_turns_into_a_directory_midway_leaves_nothing_behind(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    path = tmp_path / "results.csv"

    def sabotage(done: int, total: int | None) -> None:
        if not path.exists():
            path.mkdir()
            (path / "keep").write_text("x", encoding="utf-8")

    with pytest.raises(ExportError) as caught:
        await client.evaluation_runs.export(run_uuid, path, per_page=20, on_progress=sabotage)
    assert caught.value.path == str(path)
    assert ".part" not in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert entries(tmp_path) == ["results.csv"]
    assert entries(path) == ["keep"]


async def test_a_failed_write_raises_export_error_and_removes_the_temporary_file(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk: the write fails with ENOSPC after the first page."""
    from gradient_evals.workflows._files import AtomicFile

    real_write = AtomicFile._write
    calls: list[str] = []

    def full_disk(self: Any, file: Any, text: str) -> None:
        calls.append(text)
        if len(calls) > 1:
            file.write = _raise_enospc
        real_write(self, file, text)

    monkeypatch.setattr(AtomicFile, "_write", full_disk)
    with pytest.raises(ExportError, match="No space left") as caught:
        await client.evaluation_runs.export(run_uuid, tmp_path / "r.jsonl", per_page=20)
    assert caught.value.errno == 28
    assert entries(tmp_path) == []


def _raise_enospc(text: str) -> int:
    raise OSError(28, "No space left on device")


# -- the format follows the file name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header_first"),
    [("r.csv", True), ("R.CSV", True), ("r.jsonl", False), ("r.ndjson", False), ("r.json", False), ("r", False)],
)
async def test_without_format_the_extension_decides(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path, name: str, header_first: bool
) -> None:
    path = tmp_path / name
    assert await client.evaluation_runs.export(run_uuid, path, per_page=20) == PROMPTS
    lines = path.read_text(encoding="utf-8").splitlines()
    if header_first:
        assert lines[0].startswith("evaluation_run_uuid,prompt_id,")
        assert len(list(csv.DictReader(lines))) == PROMPTS
    else:
        assert [json.loads(line)["evaluation_run_uuid"] for line in lines] == [run_uuid] * PROMPTS


@pytest.mark.parametrize(("name", "fmt"), [("r.csv", "jsonl"), ("r.jsonl", "csv"), ("r.ndjson", "csv")])
async def test_a_format_that_contradicts_the_extension_is_refused_before_any_request(
    server: FakeGradientServer, client: AsyncGradientEvals, run_uuid: str, tmp_path: Path, name: str, fmt: Any
) -> None:
    with pytest.raises(ValueError, match="does not match the file name"):
        await client.evaluation_runs.export(run_uuid, tmp_path / name, format=fmt)
    assert server.requests == []
    assert entries(tmp_path) == []


async def test_an_explicit_format_wins_for_other_extensions(
    client: AsyncGradientEvals, run_uuid: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.txt"
    await client.evaluation_runs.export(run_uuid, path, format="csv")
    assert path.read_text(encoding="utf-8").startswith("evaluation_run_uuid,")


def test_the_blocking_export_takes_the_format_from_the_extension(
    server: FakeGradientServer, run_uuid: str, tmp_path: Path
) -> None:
    with GradientEvals(server.token, base_url=server.base_url, retry=NO_BACKOFF) as sync:
        parameter = inspect.signature(sync.evaluation_runs.export).parameters["format"]
        assert parameter.default is None
        sync.evaluation_runs.export(run_uuid, tmp_path / "r.csv")
        with pytest.raises(ValueError):
            sync.evaluation_runs.export(run_uuid, tmp_path / "r.csv", format="jsonl")
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("evaluation_run_uuid,")


# -- hostile content -----------------------------------------------------------------------------------------

BASE = "https://api.test"
RUN = "7a6b5c4d-3e2f-4a1b-8c9d-000000000001"


def _serve_raw_page(httpx_mock: HTTPXMock, prompts_json: str) -> None:
    """One results page whose ``prompts`` array is the given JSON text, written by hand."""
    body = '{"prompts": ' + prompts_json + ', "meta": {"page": 1, "pages": 1, "total": 1}, "links": {}}'
    httpx_mock.add_response(
        url=httpx.URL(f"{BASE}/v2/gen-ai/evaluation_runs/{RUN}/results", params={"page": 1, "per_page": 200}),
        content=body.encode("ascii"),
        headers={"content-type": "application/json"},
        is_reusable=True,
    )


HOSTILE_CELLS = {
    "input": '=HYPERLINK("http://evil.example","x")',
    "output": "+cmd|' /C calc'!A0",
    "ground_truth": "-2+3",
    "trace_id": "@SUM(A1:A2)",
}


async def test_csv_cells_that_would_run_as_formulas_are_neutralised(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    prompt = {
        "prompt_id": 1,
        **HOSTILE_CELLS,
        "input_tokens": "5",
        "prompt_level_metric_results": [
            {"metric_name": "delta", "metric_value_type": "METRIC_VALUE_TYPE_NUMBER", "number_value": -3.5},
            {"metric_name": "tab", "metric_value_type": "METRIC_VALUE_TYPE_STRING", "string_value": "\tx"},
            {"metric_name": "cr", "metric_value_type": "METRIC_VALUE_TYPE_STRING", "string_value": "\r=1"},
            {"metric_name": "wide", "metric_value_type": "METRIC_VALUE_TYPE_STRING", "string_value": "\uff1d1+1"},
            {"metric_name": "neg_text", "metric_value_type": "METRIC_VALUE_TYPE_STRING", "string_value": "-1.5"},
            {"metric_name": "fine", "metric_value_type": "METRIC_VALUE_TYPE_STRING", "string_value": "a=b"},
        ],
    }
    _serve_raw_page(httpx_mock, json.dumps([prompt]))
    path = tmp_path / "r.csv"
    async with AsyncGradientEvals("t", base_url=BASE, retry=NO_BACKOFF) as client:
        await client.evaluation_runs.export(RUN, path)
    with path.open(encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    for column, text in HOSTILE_CELLS.items():
        assert row[column] == "'" + text
    assert row["metric:tab"] == "'\tx"
    assert row["metric:cr"] == "'\r=1"
    assert row["metric:wide"] == "'\uff1d1+1"
    assert row["metric:delta"] == "-3.5", "a negative number stays a number"
    assert row["metric:neg_text"] == "-1.5", "text that is a plain number cannot be a formula"
    assert row["metric:fine"] == "a=b"
    assert row["input_tokens"] == "5"


async def test_jsonl_keeps_formula_like_text_unchanged(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    _serve_raw_page(httpx_mock, json.dumps([{"prompt_id": 1, **HOSTILE_CELLS}]))
    path = tmp_path / "r.jsonl"
    async with AsyncGradientEvals("t", base_url=BASE, retry=NO_BACKOFF) as client:
        await client.evaluation_runs.export(RUN, path)
    (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {k: record[k] for k in HOSTILE_CELLS} == HOSTILE_CELLS


LONE = '"bad \\ud800 and \\udfff end"'  # JSON text: valid JSON, but no UTF-8 can hold these code points


async def test_a_lone_surrogate_round_trips_through_jsonl(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    _serve_raw_page(httpx_mock, '[{"prompt_id": 1, "output": ' + LONE + ', "input": "caf\\u00e9 \\ud83d\\ude00"}]')
    path = tmp_path / "r.jsonl"
    async with AsyncGradientEvals("t", base_url=BASE, retry=NO_BACKOFF) as client:
        assert await client.evaluation_runs.export(RUN, path) == 1
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # strictly valid UTF-8
    assert "\\ud800" in text
    assert "\\udfff" in text
    assert "café 😀" in text, "characters UTF-8 can hold are written as themselves"
    (record,) = [json.loads(line) for line in text.splitlines()]
    assert record["output"] == json.loads(LONE)
    assert record["input"] == "café 😀"


async def test_a_lone_surrogate_in_csv_is_written_as_its_escape(httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    _serve_raw_page(httpx_mock, '[{"prompt_id": 1, "output": ' + LONE + "}]")
    path = tmp_path / "r.csv"
    async with AsyncGradientEvals("t", base_url=BASE, retry=NO_BACKOFF) as client:
        await client.evaluation_runs.export(RUN, path)
    with path.open(encoding="utf-8", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["output"] == "bad \\ud800 and \\udfff end"


def test_jsonl_text_escapes_lone_surrogates_for_any_stream() -> None:
    text = jsonl_text([EvaluationPrompt(prompt_id=1, output="x\udcff")])
    text.encode("utf-8")  # must not raise
    assert json.loads(text)["output"] == "x\udcff"
