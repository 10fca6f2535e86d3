"""``client.model_evaluation_presets``: saved model-evaluation settings: ``list``, ``retrieve``, ``delete``."""

from __future__ import annotations

from .._validation import check_uuid, path_segment
from ..types import ModelEvaluationPreset, ModelEvaluationPresetsList
from ..typing import Timeout
from ._base import AsyncResource, SyncResource, blocking

__all__ = ["AsyncModelEvaluationPresets", "ModelEvaluationPresets"]

_PRESETS = "/v2/gen-ai/model_evaluation_presets"


def _preset_path(eval_preset_uuid: str) -> str:
    return f"{_PRESETS}/{path_segment(check_uuid(eval_preset_uuid, 'eval_preset_uuid'))}"


class AsyncModelEvaluationPresets(AsyncResource):
    """Saved model-evaluation presets: ``list`` (every one: the API does not page them), ``retrieve``, ``delete``.

    A preset is saved by creating a model evaluation run with ``save_as_preset=True``.
    """

    async def list(self, *, timeout: Timeout = None) -> tuple[ModelEvaluationPreset, ...]:
        """Every saved preset of the account."""
        return (await self._get(_PRESETS, ModelEvaluationPresetsList, timeout=timeout)).presets

    async def retrieve(self, eval_preset_uuid: str, *, timeout: Timeout = None) -> ModelEvaluationPreset:
        """One preset with every section it saved."""
        return await self._get(_preset_path(eval_preset_uuid), ModelEvaluationPreset, key="preset", timeout=timeout)

    async def delete(self, eval_preset_uuid: str, *, timeout: Timeout = None) -> None:
        """Delete a preset; the runs made from it stay. The API's refusal (a preset in use, say) is raised typed."""
        await self._delete(_preset_path(eval_preset_uuid), dict, timeout=timeout)


class ModelEvaluationPresets(SyncResource[AsyncModelEvaluationPresets]):
    """Saved model-evaluation presets, blocking: the same methods as :class:`AsyncModelEvaluationPresets`."""

    list = blocking(AsyncModelEvaluationPresets.list)
    retrieve = blocking(AsyncModelEvaluationPresets.retrieve)
    delete = blocking(AsyncModelEvaluationPresets.delete)
