"""Read the latest runs of a test case concurrently from async code (asyncio or trio).

    DIGITALOCEAN_ACCESS_TOKEN=... python examples/async_service.py TEST_CASE_UUID

Without a token it runs against the embedded emulator instead.
"""

from __future__ import annotations

import os
import sys

import anyio

from gradient_evals import AsyncGradientEvals
from gradient_evals.testing import FakeGradientServer
from gradient_evals.types import EvaluationRun


async def prompt_counts(client: AsyncGradientEvals, test_case_uuid: str) -> None:
    runs = await client.evaluation_test_cases.list_evaluation_runs(test_case_uuid)
    counts: dict[str, int] = {}

    async def count(run: EvaluationRun) -> None:
        assert run.evaluation_run_uuid is not None
        page = await client.evaluation_runs.list_results(run.evaluation_run_uuid, per_page=1)
        counts[run.evaluation_run_uuid] = page.meta.total or 0

    async with anyio.create_task_group() as group:
        for run in runs:
            group.start_soon(count, run)
    for run in runs:
        print(f"{run.run_name}: {run.status}, {counts[run.evaluation_run_uuid or '']} prompts")


async def main() -> None:
    if os.environ.get("DIGITALOCEAN_ACCESS_TOKEN") and len(sys.argv) > 1:
        async with AsyncGradientEvals() as client:
            await prompt_counts(client, sys.argv[1])
        return
    with FakeGradientServer() as server:
        test_case = server.add_test_case(name="support-bot", prompts=120)
        for _ in range(3):
            server.add_run(test_case_uuid=test_case)
        async with AsyncGradientEvals(access_token=server.token, base_url=server.base_url) as client:
            await prompt_counts(client, test_case)


if __name__ == "__main__":
    anyio.run(main)
