"""What the command-line tests share: a runner of ``main`` against the emulator, and raw reads of the API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gradient_evals.cli import main
from gradient_evals.testing import FakeGradientServer

AGENTS = ["9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"]
MISSING = "00000000-0000-4000-8000-000000000000"
PROMPTS = 120


class Cli:
    """Runs ``main`` with the emulator's URL and token; returns (exit code, stdout, stderr)."""

    def __init__(self, server: FakeGradientServer, capsys: pytest.CaptureFixture[str]) -> None:
        self.server = server
        self.capsys = capsys

    def __call__(self, *argv: str, auth: bool = True) -> tuple[int, str, str]:
        prefix = ["--token", self.server.token, "--base-url", self.server.base_url] if auth else []
        self.capsys.readouterr()
        code = main([*prefix, *argv])
        out, err = self.capsys.readouterr()
        assert self.server.token not in out + err, "the token is never printed"
        assert "Traceback" not in err
        return code, out, err


def raw_prompts(server: FakeGradientServer, run_uuid: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {server.token}"}
    url = f"{server.base_url}/v2/gen-ai/evaluation_runs/{run_uuid}/results"
    prompts: list[dict[str, Any]] = []
    with httpx.Client(headers=headers, timeout=10) as http:
        for page in range(1, 100):
            body = http.get(url, params={"page": page, "per_page": 50}).json()
            if not body["prompts"]:
                break
            prompts.extend(body["prompts"])
    return prompts


def raw_mean(prompts: list[dict[str, Any]], name: str) -> float:
    values = [
        float(m["number_value"])
        for p in prompts
        for m in p["prompt_level_metric_results"]
        if m["metric_name"] == name and "number_value" in m and not m.get("error_description")
    ]
    return sum(values) / len(values)
