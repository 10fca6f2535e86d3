"""Stream every prompt result of a run and print the ones that failed a metric.

    DIGITALOCEAN_ACCESS_TOKEN=... python examples/stream_results.py RUN_UUID

Without a token it runs against the embedded emulator instead.
"""

from __future__ import annotations

import contextlib
import os
import sys

from gradient_evals import GradientEvals
from gradient_evals.testing import FakeGradientServer


def report(client: GradientEvals, run_uuid: str) -> None:
    run = client.evaluation_runs.retrieve(run_uuid)
    print(f"{run.run_name}: {run.status} (test case {run.test_case_name})")
    seen = errored = 0
    for prompt in client.evaluation_runs.iter_results(run_uuid, per_page=100):
        seen += 1
        for result in prompt.prompt_level_metric_results:
            if result.is_error:
                errored += 1
                print(f"  prompt {prompt.prompt_id}: {result.metric_name} failed: {result.error_description}")
    print(f"{seen} prompts, {errored} metric errors")


def main() -> None:
    with contextlib.ExitStack() as stack:
        if os.environ.get("DIGITALOCEAN_ACCESS_TOKEN") and len(sys.argv) > 1:
            client = stack.enter_context(GradientEvals())
            run_uuid = sys.argv[1]
        else:
            server = stack.enter_context(FakeGradientServer())
            run_uuid = server.add_run(prompts=300)
            client = stack.enter_context(GradientEvals(access_token=server.token, base_url=server.base_url))
        report(client, run_uuid)


if __name__ == "__main__":
    main()
