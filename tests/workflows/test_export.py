"""Results as data: records, JSONL/CSV exports, summaries and comparisons, checked against the raw JSON.

The expected values are computed here from the emulator's pages fetched with plain httpx, never from the SDK's
own models, so a conversion mistake cannot hide in both.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gradient_evals import AsyncGradientEvals, GradientEvals, NotFoundError, RetryPolicy
from gradient_evals.results import RunSummary
from gradient_evals.testing import FakeGradientServer, Fault
from gradient_evals.types import EvaluationPrompt, MetricResult, PageMeta, ResultsPage
from gradient_evals.workflows.compare import compare_pages
from gradient_evals.workflows.export import write_csv, write_jsonl
from gradient_evals.workflows.records import BASE_COLUMNS
from gradient_evals.workflows.summary import summarize_pages

NO_BACKOFF = RetryPolicy(initial_backoff=0, max_backoff=0, jitter=False)
PROMPTS = 157  # not a multiple of the page size: the last page is short


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server() -> Iterator[FakeGradientServer]:
    with FakeGradientServer(seed=11, run_duration=0.3) as srv:
        yield srv


@pytest.fixture
def runs(server: FakeGradientServer) -> tuple[str, str]:
    tc = server.add_test_case(prompts=PROMPTS)
    return server.add_run(test_case_uuid=tc), server.add_run(test_case_uuid=tc)


@pytest.fixture
async def client(server: FakeGradientServer) -> AsyncIterator[AsyncGradientEvals]:
    async with AsyncGradientEvals(server.token, base_url=server.base_url, retry=NO_BACKOFF) as c:
        yield c


# -- the independent oracle ----------------------------------------------------------------------------------


def raw_prompts(server: FakeGradientServer, run_uuid: str) -> list[dict[str, Any]]:
    prompts: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as http:
        page = 1
        while True:
            body = http.get(
                f"/v2/gen-ai/evaluation_runs/{run_uuid}/results", params={"page": page, "per_page": 50}
            ).json()
            if not body["prompts"]:
                return prompts
            prompts.extend(body["prompts"])
            page += 1


def raw_value(metric: dict[str, Any]) -> Any:
    if metric.get("error_description") or metric.get("status") == "EVALUATION_METRIC_RESULT_STATUS_FAILED":
        return None
    if metric["metric_value_type"] == "METRIC_VALUE_TYPE_STRING":
        return metric.get("string_value")
    return metric.get("number_value")


def raw_record(run_uuid: str, prompt: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "evaluation_run_uuid": run_uuid,
        "prompt_id": prompt["prompt_id"],
        "trace_id": prompt.get("trace_id"),
        "input": prompt.get("input"),
        "output": prompt.get("output"),
        "ground_truth": prompt.get("ground_truth"),
        "input_tokens": int(prompt["input_tokens"]),
        "output_tokens": int(prompt["output_tokens"]),
    }
    for metric in prompt["prompt_level_metric_results"]:
        record["metric:" + metric["metric_name"]] = raw_value(metric)
        if metric.get("error_description"):
            record["metric_error:" + metric["metric_name"]] = metric["error_description"]
    return record


def raw_numbers(prompts: list[dict[str, Any]], name: str) -> list[float]:
    out = []
    for prompt in prompts:
        for metric in prompt["prompt_level_metric_results"]:
            if metric["metric_name"] == name and isinstance(raw_value(metric), int | float):
                out.append(float(raw_value(metric)))
    return out


def raw_errors(prompts: list[dict[str, Any]], name: str) -> int:
    return sum(
        1
        for p in prompts
        for m in p["prompt_level_metric_results"]
        if m["metric_name"] == name and m.get("error_description")
    )


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


# -- records and files ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_records_match_the_raw_json(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals
) -> None:
    run_uuid = runs[0]
    expected = [raw_record(run_uuid, p) for p in raw_prompts(server, run_uuid)]
    records = await client.evaluation_runs.to_records(run_uuid, per_page=40)
    assert len(records) == PROMPTS
    assert records == expected
    assert any("metric_error:context_adherence" in r for r in records), "the seed yields errored metrics"
    assert list(records[0])[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)


@pytest.mark.anyio
async def test_jsonl_export_streams_every_prompt(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals, tmp_path: Path
) -> None:
    run_uuid = runs[0]
    progress: list[tuple[int, int | None]] = []
    path = tmp_path / "results.jsonl"

    written = await client.evaluation_runs.export(
        run_uuid, path, per_page=50, on_progress=lambda done, total: progress.append((done, total))
    )

    assert written == PROMPTS
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [raw_record(run_uuid, p) for p in raw_prompts(server, run_uuid)]
    assert progress == [(50, PROMPTS), (100, PROMPTS), (150, PROMPTS), (PROMPTS, PROMPTS)]
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_csv_export_has_first_page_columns_and_raw_values(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals, tmp_path: Path
) -> None:
    run_uuid = runs[1]
    path = tmp_path / "results.csv"
    assert await client.evaluation_runs.export(run_uuid, str(path), format="csv", per_page=60) == PROMPTS

    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        header = reader.fieldnames
    names = ["context_adherence", "correctness", "tone"]
    assert header == [
        *BASE_COLUMNS,
        *(f"metric:{n}" for n in names),
        *(f"metric_error:{n}" for n in names),
        "extra_metrics",
    ]
    expected = [raw_record(run_uuid, p) for p in raw_prompts(server, run_uuid)]
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert row["prompt_id"] == str(want["prompt_id"])
        assert row["input"] == want["input"]
        assert row["output"] == want["output"]
        assert row["input_tokens"] == str(want["input_tokens"])
        for name in names:
            value = want.get(f"metric:{name}")
            if value is None:
                assert row[f"metric:{name}"] == ""
            elif isinstance(value, str):
                assert row[f"metric:{name}"] == value
            else:
                assert float(row[f"metric:{name}"]) == pytest.approx(value)
            assert row[f"metric_error:{name}"] == (want.get(f"metric_error:{name}") or "")
        assert row["extra_metrics"] == ""


def _metric(name: str, value: float | str | None, error: str | None = None) -> MetricResult:
    if error is not None:
        return MetricResult(metric_name=name, error_description=error, status="EVALUATION_METRIC_RESULT_STATUS_FAILED")
    if isinstance(value, str):
        return MetricResult(metric_name=name, metric_value_type="METRIC_VALUE_TYPE_STRING", string_value=value)
    return MetricResult(metric_name=name, metric_value_type="METRIC_VALUE_TYPE_NUMBER", number_value=value)


def _page(*prompts: tuple[int, str, list[MetricResult]]) -> ResultsPage:
    return ResultsPage(
        prompts=tuple(
            EvaluationPrompt(prompt_id=pid, input=text, prompt_level_metric_results=tuple(metrics))
            for pid, text, metrics in prompts
        ),
        meta=PageMeta(total=None),
    )


async def _aiter(*pages: ResultsPage) -> AsyncIterator[ResultsPage]:
    for page in pages:
        yield page


@pytest.mark.anyio
async def test_csv_puts_metrics_first_seen_later_into_extra_metrics(tmp_path: Path) -> None:
    pages = (
        _page((1, "a", [_metric("score", 1.0)])),
        _page((2, "b", [_metric("score", 2.0), _metric("late", "pass")]), (3, "c", [_metric("late", None, "boom")])),
    )
    path = tmp_path / "x.csv"
    assert await write_csv(_aiter(*pages), path, run_uuid="r") == 3
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == [*BASE_COLUMNS, "metric:score", "metric_error:score", "extra_metrics"]
    assert [r["metric:score"] for r in rows] == ["1.0", "2.0", ""]
    assert rows[0]["extra_metrics"] == ""
    assert json.loads(rows[1]["extra_metrics"]) == {"metric:late": "pass"}
    assert json.loads(rows[2]["extra_metrics"]) == {"metric:late": None, "metric_error:late": "boom"}


@pytest.mark.anyio
async def test_empty_run_exports_a_header_only_csv_and_an_empty_jsonl(tmp_path: Path) -> None:
    assert await write_csv(_aiter(), tmp_path / "e.csv") == 0
    assert (tmp_path / "e.csv").read_text(encoding="utf-8") == ",".join([*BASE_COLUMNS, "extra_metrics"]) + "\n"
    assert await write_jsonl(_aiter(), tmp_path / "e.jsonl") == 0
    assert (tmp_path / "e.jsonl").read_text(encoding="utf-8") == ""


@pytest.mark.anyio
async def test_a_failed_export_leaves_no_file_behind(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals, tmp_path: Path
) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text("previous export\n", encoding="utf-8")
    server.inject(Fault.status(404), on_request=3, path="/results")
    with pytest.raises(NotFoundError):
        await client.evaluation_runs.export(runs[0], path, per_page=20)
    assert path.read_text(encoding="utf-8") == "previous export\n", "the old file is untouched"
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_export_refuses_an_unknown_format(
    runs: tuple[str, str], client: AsyncGradientEvals, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="jsonl"):
        await client.evaluation_runs.export(runs[0], tmp_path / "x", format="xlsx")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_to_pandas_names_the_extra_when_pandas_is_missing(
    runs: tuple[str, str], client: AsyncGradientEvals, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas looks like to import
    with pytest.raises(ImportError, match=r"gradient-evals\[pandas\]"):
        await client.evaluation_runs.to_pandas(runs[0])


@pytest.mark.anyio
@pytest.mark.skipif(
    importlib.util.find_spec("pandas") is None, reason="pandas is an optional extra; nox -s tests installs it"
)
async def test_to_pandas_has_one_row_per_prompt(runs: tuple[str, str], client: AsyncGradientEvals) -> None:
    frame = await client.evaluation_runs.to_pandas(runs[0])
    assert len(frame) == PROMPTS
    assert "metric:correctness" in frame.columns


# -- summaries -----------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_summary_matches_statistics_of_the_raw_json(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals
) -> None:
    run_uuid = runs[0]
    prompts = raw_prompts(server, run_uuid)
    summary = await client.evaluation_runs.summarize(run_uuid, pass_thresholds={"correctness": 70}, per_page=33)

    assert isinstance(summary, RunSummary)
    assert summary.prompt_count == PROMPTS
    assert summary.run is not None
    assert summary.run.evaluation_run_uuid == run_uuid
    assert list(summary.metrics) == ["context_adherence", "correctness", "tone"]
    for name in ("correctness", "context_adherence"):
        values = raw_numbers(prompts, name)
        metric = summary.metrics[name]
        assert metric.count == len(values)
        assert metric.errors == raw_errors(prompts, name)
        assert metric.mean == pytest.approx(math.fsum(values) / len(values))
        assert metric.min == min(values)
        assert metric.max == max(values)
    correctness = summary.metrics["correctness"]
    assert correctness.passed == sum(v >= 70 for v in raw_numbers(prompts, "correctness"))
    assert correctness.pass_rate == pytest.approx(correctness.passed / correctness.count)
    assert summary.metrics["context_adherence"].pass_rate is None, "no threshold, no pass rate"
    tone = summary.metrics["tone"]
    tones = [raw_value(m) for p in prompts for m in p["prompt_level_metric_results"] if m["metric_name"] == "tone"]
    assert sum(tone.value_counts.values()) == tone.count == sum(t is not None for t in tones)
    assert tone.mean is None
    assert tone.pass_rate is None
    assert tone.score is None
    assert summary.error_count == sum(raw_errors(prompts, n) for n in ("correctness", "context_adherence", "tone"))


@pytest.mark.anyio
async def test_pass_fail_strings_have_a_pass_rate_and_gates_use_the_score() -> None:
    pages = (
        _page((1, "a", [_metric("grounded", "PASS"), _metric("score", 90.0)])),
        _page(
            (2, "b", [_metric("grounded", "fail"), _metric("score", 60.0)]),
            (3, "c", [_metric("grounded", "Pass"), _metric("score", None, "judge timed out")]),
            (4, "d", [_metric("grounded", "true")]),
        ),
    )
    summary = await summarize_pages(_aiter(*pages), "run")
    grounded = summary.metrics["grounded"]
    assert (grounded.passed, grounded.failed, grounded.count) == (3, 1, 4)
    assert grounded.score == pytest.approx(75.0)
    score = summary.metrics["score"]
    assert (score.count, score.errors, score.mean) == (2, 1, pytest.approx(75.0))

    assert summary.check({"grounded": 75, "score": 70}).passed
    verdict = summary.check({"grounded": 80, "score": 70, "missing": 1})
    assert not verdict.passed
    assert len(verdict.reasons) == 2
    assert verdict.reasons[0].startswith("grounded: 75 is below 80")
    assert "missing" in verdict.reasons[1]


def test_sync_summary_and_export(server: FakeGradientServer, runs: tuple[str, str], tmp_path: Path) -> None:
    with GradientEvals(server.token, base_url=server.base_url, retry=NO_BACKOFF) as client:
        summary = client.evaluation_runs.summarize(runs[0])
        assert summary.prompt_count == PROMPTS
        assert client.evaluation_runs.export(runs[0], tmp_path / "r.csv", format="csv") == PROMPTS
        assert len(client.evaluation_runs.to_records(runs[1])) == PROMPTS


# -- comparisons ---------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_compare_matches_prompts_by_id_and_counts_regressions(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals
) -> None:
    base_uuid, cand_uuid = runs
    base = {p["prompt_id"]: p for p in raw_prompts(server, base_uuid)}
    cand = {p["prompt_id"]: p for p in raw_prompts(server, cand_uuid)}

    result = await client.evaluation_runs.compare(base_uuid, cand_uuid, tolerance=5.0)

    assert (result.matched, result.unmatched_base, result.unmatched_candidate) == (PROMPTS, 0, 0)
    for name in ("correctness", "context_adherence"):
        mean_b = math.fsum(raw_numbers(list(base.values()), name)) / len(raw_numbers(list(base.values()), name))
        mean_c = math.fsum(raw_numbers(list(cand.values()), name)) / len(raw_numbers(list(cand.values()), name))
        assert result.metrics[name].delta == pytest.approx(mean_c - mean_b)

    def value(prompt: dict[str, Any], name: str) -> Any:
        return next(raw_value(m) for m in prompt["prompt_level_metric_results"] if m["metric_name"] == name)

    expected = sorted(
        pid
        for pid in base
        if value(base[pid], "correctness") is not None
        and value(cand[pid], "correctness") is not None
        and value(cand[pid], "correctness") < value(base[pid], "correctness") - 5.0
    )
    got = sorted(r.candidate_prompt_id for r in result.regressions if r.metric == "correctness")
    assert got == expected
    assert expected
    assert result.metrics["correctness"].regressed == len(expected)
    assert all(r.delta < -5.0 for r in result.regressions)
    assert result.metrics["tone"].delta is None


@pytest.mark.anyio
async def test_compare_verdict_thresholds(
    server: FakeGradientServer, runs: tuple[str, str], client: AsyncGradientEvals
) -> None:
    # The two scores alone (regression_test="point"): the paired decision has tests of its own.
    base_uuid, cand_uuid = runs
    forward = await client.evaluation_runs.compare(base_uuid, cand_uuid, regression_test="point")
    backward = await client.evaluation_runs.compare(cand_uuid, base_uuid, regression_test="point")
    delta = forward.metrics["correctness"].delta
    assert delta is not None
    assert delta != 0
    better, worse = (forward, backward) if delta > 0 else (backward, forward)
    assert better.metrics["correctness"].delta == pytest.approx(abs(delta))
    assert not worse.passed, "on the two scores, with no thresholds, any drop of a score fails"
    assert any(reason.startswith("correctness: dropped by") for reason in worse.verdict.reasons)

    loose = abs(delta) + 0.5
    lenient = await client.evaluation_runs.compare(
        worse.base.evaluation_run_uuid,
        worse.candidate.evaluation_run_uuid,
        thresholds={"correctness": -loose},
        regression_test="point",
    )
    assert lenient.passed, lenient.verdict.reasons
    strict = await client.evaluation_runs.compare(
        better.base.evaluation_run_uuid,
        better.candidate.evaluation_run_uuid,
        thresholds={"correctness": abs(delta) + 1},
        min_scores={"correctness": 101, "tone": 1},
    )
    assert not strict.passed
    assert [r.split(":")[0] for r in strict.verdict.reasons] == ["correctness", "correctness", "tone"]


@pytest.mark.anyio
async def test_compare_falls_back_to_the_input_text_when_ids_differ() -> None:
    base = _page((1, "q1", [_metric("s", 80.0)]), (2, "q2", [_metric("s", 70.0)]), (3, "only-base", []))
    candidate = _page((11, "q2", [_metric("s", 50.0)]), (12, "q1", [_metric("s", 85.0)]), (13, "new", []))
    result = await compare_pages(_aiter(base), _aiter(candidate), "b", "c")
    assert (result.matched, result.unmatched_base, result.unmatched_candidate) == (2, 1, 1)
    [regression] = result.regressions
    assert (regression.base_prompt_id, regression.candidate_prompt_id, regression.input) == (2, 11, "q2")
    assert regression.delta == -20.0
    with pytest.raises(ValueError):
        await compare_pages(_aiter(), _aiter(), "b", "c", tolerance=-1)
