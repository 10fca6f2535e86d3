"""The local checks of a dataset before upload: each problem is a ValueError naming the row and column."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from gradient_evals import InvalidDatasetError
from gradient_evals.workflows._csv_checks import (
    GROUND_TRUTH_COLUMN,
    MAX_FILE_BYTES,
    MAX_ROWS,
    QUERY_COLUMN,
    check_csv_file,
    read_csv_rows,
    write_rows_csv,
)


def _file(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "data.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def test_the_documented_limits() -> None:
    assert (MAX_ROWS, MAX_FILE_BYTES, QUERY_COLUMN, GROUND_TRUTH_COLUMN) == (
        1_000,
        1_000_000_000,
        "query",
        "expected_response",
    )


def test_a_good_file_is_described(tmp_path: Path) -> None:
    text = "query,expected_response,notes\n" + "".join(f'"line one\nline two {i}",a{i},\n' for i in range(MAX_ROWS))
    checked = check_csv_file(_file(tmp_path, text), adk=False)
    assert checked.rows == MAX_ROWS  # quoted newlines are inside a row, not between rows
    assert checked.columns == ("query", "expected_response", "notes")
    assert checked.has_ground_truth
    assert (checked.offset, checked.size) == (0, len(text.encode()))


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    assert check_csv_file(_file(tmp_path, "query\na\n\nb\n\n"), adk=False).rows == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (b"\xef\xbb\xbf", "the file is empty"),
        ("query\n", "a header but no rows"),
        ("prompt,answer\nhi,there\n", "the header has no 'query' column .*'prompt', 'answer'"),
        ("Query\nhi\n", "header column 1 is 'Query'.*exactly 'query'"),
        ("query,Expected Response\nhi,x\n", "header column 2 is 'Expected Response'.*exactly 'expected_response'"),
        ("query,ground_truth\nhi,x\n", "'ground_truth'.*exactly 'expected_response'"),
        ("query,query\nhi,x\n", "column 'query' appears twice"),
        ("query,b\nhi,x\nho\n", r"row 2 \(line 3\): 1 cells where the header has 2 columns"),
        ("query,b\nhi,x\n  ,y\n", r"row 2 \(line 3\), column 'query': empty"),
        ('query\n"unterminated\n', "not valid CSV"),
        (b"query\nh\xe9llo\n", r"not UTF-8 text: the byte at offset 7 \(line 2\)"),
    ],
)
def test_bad_files(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_csv_file(_file(tmp_path, content), adk=False)


def test_more_rows_than_the_limit(tmp_path: Path) -> None:
    text = "query\n" + "q\n" * (MAX_ROWS + 1)
    with pytest.raises(ValueError, match=r"row 1,001 \(line 1002\)|row 1001 \(line 1002\): more than 1,000 rows"):
        check_csv_file(_file(tmp_path, text), adk=False)


def test_a_file_over_1_gb_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with open(path, "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    with pytest.raises(ValueError, match="1,000,000,001 bytes is over the API's limit"):
        check_csv_file(path, adk=False)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        check_csv_file(tmp_path / "absent.csv", adk=False)


def test_adk_queries_must_be_json(tmp_path: Path) -> None:
    text = 'query,expected_response\n"{""messages"": []}",x\n"{not json",y\n'
    with pytest.raises(ValueError, match=r"row 2 \(line 3\), column 'query': not valid JSON"):
        check_csv_file(_file(tmp_path, text), adk=True)
    # The same file is fine for a dataset that is not ADK.
    assert check_csv_file(_file(tmp_path, text), adk=False).rows == 2


def test_a_cell_larger_than_the_csv_modules_default_limit(tmp_path: Path) -> None:
    text = "query\n" + "x" * 200_000 + "\n"
    assert check_csv_file(_file(tmp_path, text), adk=False).rows == 1


# -- rows written to a file -----------------------------------------------------------------------------------


def test_rows_round_trip(tmp_path: Path) -> None:
    rows = [
        {"query": "a, b", "expected_response": "x", "n": 1, "ok": True, "score": 0.5},
        {"query": {"k": ["v"]}, "n": None},
    ]
    path = tmp_path / "rows.csv"
    assert write_rows_csv(rows, path) == 2
    assert read_csv_rows(path) == [
        {"query": "a, b", "expected_response": "x", "n": "1", "ok": "true", "score": "0.5"},
        {"query": '{"k": ["v"]}', "expected_response": "", "n": "", "ok": "", "score": ""},
    ]


@pytest.mark.parametrize(
    ("rows", "error", "message"),
    [
        ([], ValueError, "no rows"),
        ({"query": "a"}, TypeError, "not a single mapping"),
        ("query\na\n", TypeError, "source must be a path"),
        ([{"query": "a"}, ["b"]], TypeError, "row 2 must be a mapping"),
        ([{"query": "a"}, {"query": "b", "extra": 1}], ValueError, "row 2, column 'extra': not a column of row 1"),
        ([{"query": "a"}, {"query": object()}], TypeError, "row 2, column 'query': a object cannot be written"),
        ([{1: "a"}], TypeError, "column names must be strings"),
    ],
)
def test_bad_rows(tmp_path: Path, rows: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        write_rows_csv(rows, tmp_path / "rows.csv")


def test_an_endless_iterable_is_not_read_past_the_limit(tmp_path: Path) -> None:
    taken = 0

    def endless() -> Iterator[dict[str, str]]:
        nonlocal taken
        for i in itertools.count():
            taken += 1
            yield {"query": f"q{i}"}

    with pytest.raises(ValueError, match="more than 1,000 rows"):
        write_rows_csv(endless(), tmp_path / "rows.csv")
    assert taken == MAX_ROWS + 1


def test_a_header_is_bounded_in_columns_and_length(tmp_path: Path) -> None:
    too_wide = ",".join(["query", *(f"c{n}" for n in range(1000))]) + "\n" + "q" + "," * 1000 + "\n"
    with pytest.raises(InvalidDatasetError, match=r"the header \(line 1\): 1,001 columns"):
        check_csv_file(_file(tmp_path, too_wide), adk=False)
    too_long = "query," + "c" * (64 * 1024) + "\nq,x\n"
    with pytest.raises(InvalidDatasetError, match=r"the header \(line 1\): longer than 65,536 characters"):
        check_csv_file(_file(tmp_path, too_long), adk=False)


def test_the_error_says_where_as_attributes(tmp_path: Path) -> None:
    path = _file(tmp_path, "query,b\nfine,x\nextra,y,z\n")
    with pytest.raises(InvalidDatasetError) as caught:
        check_csv_file(path, adk=False)
    assert (caught.value.dataset, caught.value.line, caught.value.row) == (str(path), 3, 2)
