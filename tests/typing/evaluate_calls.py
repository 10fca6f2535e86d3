"""How ``evaluate`` calls type-check: read by ``mypy --strict`` (``nox -s typecheck``), never run.

The calls a user writes must pass; each wrong call carries a ``type: ignore`` that ``--strict`` (which warns about
unused ignores) turns into a failure the day the type checker stops refusing it.
"""

from __future__ import annotations

from gradient_evals import AsyncGradientEvals, EvaluationSettings, GradientEvals
from gradient_evals.results import EvaluationReport


async def with_keywords(client: AsyncGradientEvals) -> EvaluationReport:
    return await client.evaluate(
        dataset="evals/support.csv", test_case="support-bot", metrics=["correctness"], fail_under={"correctness": 75}
    )


async def with_a_value(client: AsyncGradientEvals, settings: EvaluationSettings) -> EvaluationReport:
    return await client.evaluate(settings)


def blocking(client: GradientEvals, settings: EvaluationSettings) -> list[EvaluationReport]:
    return [client.evaluate(dataset="evals/support.csv", test_case="support-bot"), client.evaluate(settings)]


async def refused(client: AsyncGradientEvals, sync_client: GradientEvals, settings: EvaluationSettings) -> None:
    await client.evaluate(datset="evals/support.csv", test_case="support-bot")  # type: ignore[call-overload]
    await client.evaluate(dataset="evals/support.csv", test_case="t", timeout="soon")  # type: ignore[call-overload]
    await client.evaluate(dataset="evals/support.csv")  # type: ignore[call-overload]
    await client.evaluate(settings, timeout=5)  # type: ignore[call-overload]
    sync_client.evaluate(settings, run_name="x")  # type: ignore[call-overload]
    EvaluationSettings(dataset="evals/support.csv", test_case="t", timout=5)  # type: ignore[call-arg]
