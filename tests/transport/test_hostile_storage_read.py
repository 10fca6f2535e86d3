"""``evaluation_datasets.read`` of a hostile store's file: what it returns, what it refuses, what it may cost."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
from transport.hostile_servers import Connection, HostileServer, client_of, head, whole
from transport.storage_servers import DATASET, PIECE, api_and_store, peak_rss_growth

from gradient_evals import InvalidDatasetError

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
GUARD = 120.0
DEFAULT_MAX_CELL_CHARS = 1024 * 1024  # read()'s documented default


async def _read(server: HostileServer, **limits: int) -> list[dict[str, str]]:
    async with client_of(server.url) as client:
        with anyio.fail_after(GUARD):
            return await client.evaluation_datasets.read(DATASET, **limits)


async def test_read_returns_every_value_as_a_string(hostile: Callable[..., HostileServer]) -> None:
    server = api_and_store(hostile, whole(b'\xef\xbb\xbfquery,expected_response\r\n"a, ""b""",x\r\n\r\nc,\r\n'))
    assert await _read(server) == [
        {"query": 'a, "b"', "expected_response": "x"},
        {"query": "c", "expected_response": ""},
    ]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        pytest.param(b"query\nfine\n\xff\xfe\n", 3, "not UTF-8", id="invalid-utf8"),
        pytest.param(b'query,b\nfine,x\n"open,y\nmore\n', 3, "not valid CSV", id="unterminated-quote"),
        pytest.param(b"query,b\nfine,x\nextra,y,z\n", 3, "3 cells where the header has 2", id="extra-cell"),
        pytest.param(b"query,b\nfine,x\nshort\n", 3, "1 cells where the header has 2", id="missing-cell"),
        pytest.param(b"query,a,a\nfine,x,y\n", 1, "'a' appears twice", id="duplicate-header"),
    ],
)
async def test_a_bad_file_is_a_typed_error_naming_the_dataset_and_line(
    body: bytes, line: int, words: str, hostile: Callable[..., HostileServer]
) -> None:
    server = api_and_store(hostile, whole(body))
    with pytest.raises(InvalidDatasetError) as caught:
        await _read(server)
    message = str(caught.value)
    assert f"dataset {DATASET}" in message, message
    assert words in message, message
    assert f"line {line}" in message, message
    assert caught.value.dataset == f"dataset {DATASET}"
    assert caught.value.line == line


async def test_rows_are_bounded_by_default_and_configurable(hostile: Callable[..., HostileServer]) -> None:
    server = api_and_store(hostile, whole(b"query\n" + b"q\n" * 1001))
    with pytest.raises(InvalidDatasetError, match=r"row 1001 \(line 1002\): more than 1,000 rows"):
        await _read(server)
    assert len(await _read(server, max_rows=1001)) == 1001


async def test_cells_are_bounded_by_default_and_configurable(hostile: Callable[..., HostileServer]) -> None:
    cell = b"c" * (DEFAULT_MAX_CELL_CHARS + 1)
    server = api_and_store(hostile, whole(b"query,b\nq," + cell + b"\n"))
    with pytest.raises(InvalidDatasetError, match=r"row 1 \(line 2\).*longer than 1,048,576 characters"):
        await _read(server)
    (row,) = await _read(server, max_cell_chars=DEFAULT_MAX_CELL_CHARS + 1)
    assert len(row["b"]) == DEFAULT_MAX_CELL_CHARS + 1


def _streamed(first: bytes, repeated: bytes, times: int, last: bytes) -> Callable[[Connection], None]:
    """``first``, ``repeated`` ``times`` times and ``last``, chunked, without building the body in memory."""

    def respond(conn: Connection) -> None:
        if not conn.send(head("200 OK", "Transfer-Encoding: chunked")) or not conn.send_chunk(first):
            return
        block = repeated * max(1, PIECE // len(repeated))
        per_block = len(block) // len(repeated)
        left = times
        while left > 0 and not conn.stop.is_set():
            count = min(left, per_block)
            if not conn.send_chunk(block[: count * len(repeated)]):
                return
            left -= count
        if conn.send_chunk(last):
            conn.send(b"0\r\n\r\n")

    return respond


_READ = """
from gradient_evals import AsyncGradientEvals, GradientEvalsError, RetryPolicy

async def main(url):
    async with AsyncGradientEvals("tok_x", base_url=url, retry=RetryPolicy(max_retries=0)) as client:
        try:
            rows = await client.evaluation_datasets.read(DATASET)
        except GradientEvalsError as exc:
            return type(exc).__name__ + ": " + str(exc)[:300]
    return f"{len(rows)} rows"
""".replace("DATASET", repr(DATASET))


@pytest.mark.parametrize(
    ("responder", "words"),
    [
        pytest.param(_streamed(b"query\n", b"q\n", 1_000_000, b""), "more than 1,000 rows", id="a-million-rows"),
        pytest.param(
            _streamed(b'query\n"', b"c" * 1024, 100 * 1024, b'"\n'),
            "row 1 (line 2): a cell is longer than 1,048,576 characters",
            id="a-100-MiB-cell",
        ),
    ],
)
def test_what_read_loads_is_bounded_in_memory(
    responder: Callable[[Connection], None], words: str, hostile: Callable[..., HostileServer]
) -> None:
    server = api_and_store(hostile, responder)
    growth, result = peak_rss_growth(_READ, server.url)
    assert growth < 64 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB ({result})"
    assert result.startswith("InvalidDatasetError"), result
    assert words in result, result
