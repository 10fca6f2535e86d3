"""``gradient-evals datasets list|upload|download|delete``."""

from __future__ import annotations

import io
import json
from pathlib import Path

from cli.cli_support import MISSING, Cli

from gradient_evals.cli.commands.datasets import _UploadProgress
from gradient_evals.testing import FakeGradientServer


def _csv(tmp_path: Path, text: str = "query,expected_response\nhi,hello\nbye,goodbye\n") -> Path:
    path = tmp_path / "questions.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_upload_list_download_delete(cli: Cli, server: FakeGradientServer, tmp_path: Path) -> None:
    path = _csv(tmp_path)
    code, out, _ = cli("datasets", "upload", str(path), "--name", "support <b>")
    assert code == 0
    uuid = out.strip()
    assert server.dataset_rows(uuid) == [
        {"query": "hi", "expected_response": "hello"},
        {"query": "bye", "expected_response": "goodbye"},
    ]
    assert not server.object_store.authorization_seen

    code, out, _ = cli("datasets", "list")
    assert code == 0
    assert uuid in out
    assert "support <b>" in out
    assert "unknown" in out  # the type, shortened
    code, out, _ = cli("datasets", "list", "--json")
    (listed,) = json.loads(out)
    assert (listed["dataset_uuid"], listed["row_count"], listed["has_ground_truth"]) == (uuid, 2, True)

    target = tmp_path / "copy.csv"
    code, out, err = cli("datasets", "download", uuid, str(target), "--json")
    assert code == 0
    assert json.loads(out) == {"path": str(target), "bytes": path.stat().st_size}
    assert target.read_bytes() == path.read_bytes()

    code, out, err = cli("datasets", "delete", uuid)
    assert code == 0
    assert uuid in err
    assert cli("datasets", "list")[1].strip() == "no datasets"
    assert cli("datasets", "delete", uuid)[0] == 3  # gone: the API's 404


def test_upload_json_and_type(cli: Cli, server: FakeGradientServer, tmp_path: Path) -> None:
    path = _csv(tmp_path, 'query\n"{""messages"": []}"\n')
    code, out, _ = cli("datasets", "upload", str(path), "--name", "adk", "--type", "adk", "--json")
    assert code == 0
    uuid = json.loads(out)["evaluation_dataset_uuid"]
    assert [d["dataset_uuid"] for d in json.loads(cli("datasets", "list", "--type", "adk", "--json")[1])] == [uuid]


def test_bad_files_are_usage_errors_and_send_nothing(cli: Cli, server: FakeGradientServer, tmp_path: Path) -> None:
    code, _, err = cli("datasets", "upload", str(_csv(tmp_path, "query,b\nhi,x\n\n,y\n")), "--name", "n")
    assert code == 2
    assert "row 2 (line 4), column 'query': empty" in err
    code, _, err = cli("datasets", "upload", str(_csv(tmp_path, "query\nnot json\n")), "--name", "n", "--type", "adk")
    assert code == 2
    assert "not valid JSON" in err
    code, _, err = cli("datasets", "upload", str(tmp_path / "absent.csv"), "--name", "n")
    assert code == 2
    assert "no such file" in err
    assert server.requests == []


def test_a_failed_upload_is_an_api_error(cli: Cli, server: FakeGradientServer, tmp_path: Path) -> None:
    server.object_store.fail_next(403, times=3)
    code, out, err = cli("datasets", "upload", str(_csv(tmp_path)), "--name", "n")
    assert code == 3
    assert out == ""
    assert "API error" in err
    assert "X-Signature" not in err  # the presigned URL's signature is not printed
    assert cli("datasets", "download", MISSING, str(tmp_path / "x.csv"))[0] == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_draws_on_a_terminal_only() -> None:
    terminal = _Terminal()
    with _UploadProgress(terminal, tty=True) as progress:
        progress(0, 4 * 2**20)
        progress(2 * 2**20, 4 * 2**20)
        assert "uploading" in terminal.getvalue()
        assert "2.0/4.0 MiB" in terminal.getvalue()
    assert terminal.getvalue().endswith("\x1b[2K")  # rich erases the bar at the end
    pipe = io.StringIO()
    with _UploadProgress(pipe, tty=False) as progress:
        progress(2 * 2**20, 4 * 2**20)
    assert pipe.getvalue() == ""
