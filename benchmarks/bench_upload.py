"""Upload a 200 MB dataset file: peak RSS above the process's baseline (target: under 50 MiB).

``evaluation_datasets.upload`` checks the file, asks for a presigned URL, streams the file to it and creates the
dataset. Each round is a fresh interpreter that imports the SDK, makes the client, notes ``ru_maxrss`` (the
baseline), uploads the file, and reports ``ru_maxrss`` again: the growth is what checking and streaming the file
cost. The API and the object store are a minimal sink in their own process on two loopback ports (so their
memory is not counted): the store reads each PUT in pieces, counts the bytes and notes whether any request
carried an ``Authorization`` header.

    python benchmarks/bench_upload.py [--rounds N] [--json PATH]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _harness import arguments, emit, fmt_bytes, quiet_env, run_rounds, series_data

TARGET_GROWTH = 50 * 1024 * 1024
ROWS = 1_000

# The API's two upload endpoints and an object store, each a ThreadingHTTPServer on its own port.
_SINK_CODE = r"""
import json, signal, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

stats = {"bytes": 0, "puts": 0, "authorization_seen": False, "content_type": None, "content_length": None}
urls = {}

class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def _json(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.endswith("/file_upload_presigned_urls"):
            self._json({"uploads": [{"presigned_url": urls["storage"] + "/bucket/data.csv?sig=x",
                                     "object_key": "bucket/data.csv", "expires_at": "2099-01-01T00:00:00Z"}]})
        elif self.path == "/v2/gen-ai/evaluation_datasets":
            self._json({"evaluation_dataset_uuid": "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"})
        else:
            self.send_error(404)
    def do_GET(self):
        self._json(stats)

class Storage(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_PUT(self):
        stats["authorization_seen"] |= "authorization" in {k.lower() for k in self.headers}
        stats["content_type"] = self.headers.get("content-type")
        remaining = stats["content_length"] = int(self.headers["content-length"])
        while remaining:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
            stats["bytes"] += len(chunk)
        stats["puts"] += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for handler in (Api, Storage)]
urls["api"], urls["storage"] = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
for server in servers:
    threading.Thread(target=server.serve_forever, daemon=True).start()
print(json.dumps(urls), flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
"""

_CHILD = r"""
import asyncio, json, resource, sys
from gradient_evals import AsyncGradientEvals

cfg = json.loads(sys.argv[1])

async def main():
    async with AsyncGradientEvals("bench-token", base_url=cfg["api"]) as client:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        uuid = await client.evaluation_datasets.upload(cfg["path"], name="bench")
    return before, uuid

before, uuid = asyncio.run(main())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before": before * 1024, "peak": peak * 1024, "uuid": uuid}))
"""


@contextmanager
def sink() -> Iterator[dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-c", _SINK_CODE], stdout=subprocess.PIPE, text=True, env=quiet_env())
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the sink process exited before it listened")
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write_dataset(path: Path, megabytes: int) -> int:
    """A valid dataset of ``ROWS`` rows filling about ``megabytes`` MB: a short query and a long context cell."""
    cell = "x" * (megabytes * 1_000_000 // ROWS - 40)
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write("query,expected_response,context\n")
        for i in range(ROWS):
            file.write(f"question {i},answer {i},{cell}\n")
    return path.stat().st_size


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=3)
    megabytes = 200  # the size the issue asks for
    with tempfile.TemporaryDirectory() as scratch, sink() as urls:
        path = Path(scratch) / "dataset.csv"
        size = write_dataset(path, megabytes)
        cfg = json.dumps({"api": urls["api"], "path": str(path)})
        peaks: list[float] = []

        def measure() -> float:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, cfg], check=True, capture_output=True, text=True, env=quiet_env()
            )
            result = json.loads(out.stdout)
            peaks.append(result["peak"])
            return float(result["peak"] - result["before"])

        growth = run_rounds([("upload", measure)], rounds=args.rounds)["upload"]
        with urllib.request.urlopen(urls["api"] + "/stats") as answer:
            stats = json.loads(answer.read())
    # Every round (the warm-up too) sent the whole file, and never with the API token.
    assert stats["bytes"] == size * stats["puts"], stats
    assert not stats["authorization_seen"], "the API token reached the object store"
    worst = max(growth.values)
    met = worst < TARGET_GROWTH
    markdown = "\n".join(
        [
            "| measure | median | min..max | target | result |",
            "|---|---:|---:|---|---|",
            f"| peak RSS growth uploading {size / 1e6:.0f} MB | {fmt_bytes(growth.median)} | "
            f"{fmt_bytes(min(growth.values))}..{fmt_bytes(worst)} | < {fmt_bytes(TARGET_GROWTH)} | "
            f"{'met' if met else '**not met**'} |",
            "",
            f"File: {ROWS:,} rows, {size:,} bytes. Peak RSS of the uploading process: {fmt_bytes(max(peaks))}. "
            f"Object store: {stats['puts']} PUTs, Content-Type {stats['content_type']}, Content-Length "
            f"{stats['content_length']}, Authorization header seen: {stats['authorization_seen']}.",
        ]
    )
    emit(args, "Upload memory", markdown, {"series": series_data([growth]), "file_bytes": size, "sink": stats})


if __name__ == "__main__":
    main()
