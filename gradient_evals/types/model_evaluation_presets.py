"""Models of ``client.model_evaluation_presets``: saved settings of a model evaluation (candidate, judge, metrics,
dataset, system prompt), and the parts of them a model evaluation run shares."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from .evaluation_metrics import EvaluationMetric
from .evaluation_test_cases import StarMetric

__all__ = [
    "CandidateInferenceConfig",
    "CandidateModelSource",
    "ModelEvaluationPreset",
    "ModelEvaluationPresetsList",
    "PresetSaveSection",
]


class CandidateModelSource(StrEnum):
    """Where the candidate model of a model evaluation runs."""

    SERVERLESS = "CANDIDATE_MODEL_SOURCE_SERVERLESS"
    DEDICATED = "CANDIDATE_MODEL_SOURCE_DEDICATED"
    ROUTER = "CANDIDATE_MODEL_SOURCE_ROUTER"


class PresetSaveSection(StrEnum):
    """A part of a model evaluation's settings that a preset keeps."""

    UNSPECIFIED = "PRESET_SAVE_SECTION_UNSPECIFIED"
    CANDIDATE = "PRESET_SAVE_SECTION_CANDIDATE"
    METRICS = "PRESET_SAVE_SECTION_METRICS"
    JUDGE = "PRESET_SAVE_SECTION_JUDGE"
    DATASET = "PRESET_SAVE_SECTION_DATASET"
    SYSTEM_PROMPT = "PRESET_SAVE_SECTION_SYSTEM_PROMPT"


@attrs.frozen(kw_only=True)
class CandidateInferenceConfig:
    """How the candidate model is called for each row: system prompt, sampling and stop settings."""

    system_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stop_token: str | None = None


@attrs.frozen(kw_only=True)
class ModelEvaluationPreset:
    """A saved model evaluation: the sections it keeps (``saved_sections``) and their values."""

    eval_preset_uuid: str | None = None
    name: str | None = None
    created_at: datetime | None = None
    candidate_model_uuid: str | None = None
    candidate_model_name: str | None = None
    candidate_model_source: CandidateModelSource | str | None = None
    candidate_inference_config: CandidateInferenceConfig | None = None
    candidate_system_prompt: str | None = None
    judge_model_uuid: str | None = None
    judge_model_name: str | None = None
    dataset_uuid: str | None = None
    dataset_name: str | None = None
    metrics: tuple[EvaluationMetric, ...] = ()
    star_metric: StarMetric | None = None
    saved_sections: tuple[PresetSaveSection | str, ...] = ()


@attrs.frozen(kw_only=True)
class ModelEvaluationPresetsList:
    """The body of ``GET /v2/gen-ai/model_evaluation_presets`` (the API does not page it)."""

    presets: tuple[ModelEvaluationPreset, ...] = ()
