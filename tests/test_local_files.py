"""Small local files the SDK reads (suite configurations, JSON schemas, quarantine lists): bounded before they are
decoded, and each way a file cannot be used named in its reader's own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradient_evals import RepeatsError
from gradient_evals._local_files import LocalFileError, read_bounded, read_bounded_text
from gradient_evals.checks import CheckError, schema_from_file
from gradient_evals.workflows._toml_files import TomlFileError, read_toml
from gradient_evals.workflows.quarantine import MAX_QUARANTINE_BYTES, read_quarantine


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_bytes(b"x" * 10)
    assert read_bounded(file, 10) == b"x" * 10
    with pytest.raises(LocalFileError) as refused:
        read_bounded(file, 9)
    assert (refused.value.problem, refused.value.detail) == ("too large", "9 bytes")


def test_each_problem_is_named(tmp_path: Path) -> None:
    with pytest.raises(LocalFileError) as missing:
        read_bounded(tmp_path / "absent", 10)
    assert (missing.value.problem, missing.value.detail) == ("missing", "No such file or directory")
    with pytest.raises(LocalFileError) as unreadable:
        read_bounded(tmp_path, 10)  # a folder
    assert unreadable.value.problem == "unreadable"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"one\ntwo \xff\n")
    with pytest.raises(LocalFileError) as undecodable:
        read_bounded_text(bad, 100)
    assert (undecodable.value.problem, undecodable.value.detail) == ("not UTF-8", "byte 0xff on line 2")


def test_utf8_sig_drops_a_byte_order_mark(tmp_path: Path) -> None:
    file = tmp_path / "bom.txt"
    file.write_bytes(b"\xef\xbb\xbfhello")
    assert read_bounded_text(file, 100, encoding="utf-8-sig") == "hello"
    assert read_bounded_text(file, 100) == "\ufeffhello"


def test_each_reader_words_the_problem_in_its_own_error(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * (MAX_QUARANTINE_BYTES + 1))
    with pytest.raises(RepeatsError, match=r"quarantine: '.*big' is larger than 4 MiB"):
        read_quarantine(big)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    with pytest.raises(RepeatsError, match=r"quarantine: '.*latin.txt' is not UTF-8 text \(byte 0xe9 on line 1\)"):
        read_quarantine(latin)
    with pytest.raises(CheckError, match=r"the schema file '.*absent.json' does not exist"):
        schema_from_file(tmp_path / "absent.json")
    with pytest.raises(CheckError, match="is larger than 1 MiB"):
        schema_from_file(big)
    with pytest.raises(TomlFileError, match=r"it is not UTF-8 text \(byte 0xe9 on line 1\)"):
        read_toml(latin)
    with pytest.raises(TomlFileError, match="it is larger than 1 MiB"):
        read_toml(big)
