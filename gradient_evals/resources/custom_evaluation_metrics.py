"""``client.custom_evaluation_metrics``: create, update and delete your own LLM-as-judge metrics."""

from __future__ import annotations

from typing import Any

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from .._validation import check_name, check_uuid, optional_fields, path_segment
from ..types import EvaluationMetric
from ..typing import Timeout
from ._base import SyncResource, blocking
from .evaluation_metrics import CatalogUser

__all__ = ["AsyncCustomEvaluationMetrics", "CustomEvaluationMetrics"]

_CUSTOM = "/v2/gen-ai/custom_evaluation_metrics"


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{name} must be True or False, got {type(value).__name__}")
    return value


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


class AsyncCustomEvaluationMetrics(CatalogUser):
    """Custom evaluation metrics: ``create``, ``update``, ``delete`` (list them with ``evaluation_metrics.list``)."""

    async def create(
        self,
        *,
        metric_name: str,
        scoring_prompt: str,
        description: str | None = None,
        requires_ground_truth: bool = False,
        timeout: Timeout = None,
    ) -> EvaluationMetric:
        """Create a metric scored by an LLM judge following ``scoring_prompt``.

        The judge always sees the prompt and the agent's answer; with ``requires_ground_truth=True`` every
        dataset row must have a ground truth, which the judge sees too. Not retried once sent (a second request
        would make a second metric). The client's metric catalog is refreshed on next use.
        """
        body: dict[str, Any] = {
            "metric_name": check_name(metric_name, "metric_name"),
            "config": {
                "scoring_prompt": check_name(scoring_prompt, "scoring_prompt"),
                "requires_ground_truth": _check_bool(requires_ground_truth, "requires_ground_truth"),
            },
        }
        optional_fields(body, description=(description, _check_text))
        created = await self._post(_CUSTOM, EvaluationMetric, body=body, key="metric", timeout=timeout)
        self._metrics.invalidate()
        return created

    async def update(
        self,
        metric_uuid: str,
        *,
        metric_name: str | None = None,
        scoring_prompt: str | None = None,
        description: str | None = None,
        requires_ground_truth: bool | None = None,
        timeout: Timeout = None,
    ) -> EvaluationMetric:
        """Change a custom metric; only the arguments given are sent.

        The API issues a **new metric UUID** on update: use the returned metric's ``metric_uuid`` from now on
        (test cases made with the old UUID keep scoring with the old definition). Raises ``ValueError`` when
        nothing is to change.
        """
        uuid = check_uuid(metric_uuid, "metric_uuid")
        body = optional_fields(
            {"metric_uuid": uuid}, metric_name=(metric_name, check_name), description=(description, _check_text)
        )
        config = optional_fields(
            {},
            scoring_prompt=(scoring_prompt, check_name),
            requires_ground_truth=(requires_ground_truth, _check_bool),
        )
        if config:
            body["config"] = config
        if len(body) == 1:
            raise InvalidArgumentError(
                "nothing to update: give metric_name, description, scoring_prompt or requires_ground_truth"
            )
        path = f"{_CUSTOM}/{path_segment(uuid)}"
        updated = await self._put(path, EvaluationMetric, body=body, key="metric", timeout=timeout)
        self._metrics.invalidate()
        return updated

    async def delete(self, metric_uuid: str, *, timeout: Timeout = None) -> None:
        """Delete a custom metric (the API keeps it for past results but no longer offers it).

        Saved model-evaluation presets that use it (``EvaluationMetric.associated_presets``) go with it.
        """
        path = f"{_CUSTOM}/{path_segment(check_uuid(metric_uuid, 'metric_uuid'))}"
        await self._delete(path, dict, timeout=timeout)
        self._metrics.invalidate()


class CustomEvaluationMetrics(SyncResource[AsyncCustomEvaluationMetrics]):
    """Custom evaluation metrics, blocking: the same methods as :class:`AsyncCustomEvaluationMetrics`."""

    create = blocking(AsyncCustomEvaluationMetrics.create)
    update = blocking(AsyncCustomEvaluationMetrics.update)
    delete = blocking(AsyncCustomEvaluationMetrics.delete)
