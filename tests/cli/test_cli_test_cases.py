"""``gradient-evals test-cases ...``."""

from __future__ import annotations

import json

from cli.cli_support import MISSING, Cli

from gradient_evals.testing import FakeGradientServer


def test_test_cases_runs(cli: Cli, server: FakeGradientServer, test_case: str, runs: list[str]) -> None:
    server.add_test_case_version(test_case)
    newer = server.add_run(test_case_uuid=test_case)
    code, out, _ = cli("test-cases", "runs", test_case)
    assert code == 0
    assert all(u in out for u in [*runs, newer])
    code, out, _ = cli("test-cases", "runs", test_case, "--version", "2", "--json")
    assert [r["evaluation_run_uuid"] for r in json.loads(out)] == [newer]
    assert cli("test-cases", "runs", MISSING)[0] == 3
