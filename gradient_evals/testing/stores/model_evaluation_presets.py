"""Saved model-evaluation presets: ``eval_preset_uuid -> preset object``, with two presets from the start.

Reached as ``state.store(PresetStore)`` (or ``server.store(PresetStore)`` to seed one): no registration elsewhere.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from .._records import format_timestamp
from .model_evaluation_metrics import KNOWN_MODELS

__all__ = ["PresetStore"]

_NAMESPACE = uuid.UUID("5e0c2a7d-9f41-4b38-a6d2-71c3e8b90f15")
_JUDGE = KNOWN_MODELS[0]
_STARTING = (
    ("support answers, small model", KNOWN_MODELS[1].uuid, KNOWN_MODELS[1].slug),
    ("support answers, large model", KNOWN_MODELS[0].uuid, KNOWN_MODELS[0].slug),
)


class PresetStore:
    """Presets by uuid, in the order they were saved; ``in_use`` holds the uuids a live run refers to."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._presets: dict[str, dict[str, Any]] = {}
        self.in_use: set[str] = set()
        for name, model_uuid, model_name in _STARTING:
            self.add(name=name, candidate_model_uuid=model_uuid, candidate_model_name=model_name)

    def add(
        self,
        *,
        name: str,
        candidate_model_uuid: str,
        candidate_model_name: str,
        dataset_uuid: str = "",
        metrics: list[dict[str, Any]] | None = None,
        eval_preset_uuid: str | None = None,
    ) -> str:
        """Save a preset (its uuid drawn from its position unless given) and return its uuid."""
        with self.lock:
            preset_uuid = eval_preset_uuid or str(uuid.uuid5(_NAMESPACE, f"preset:{len(self._presets)}"))
            self._presets[preset_uuid] = {
                "eval_preset_uuid": preset_uuid,
                "name": name,
                "created_at": format_timestamp(time.time_ns()),
                "candidate_model_uuid": candidate_model_uuid,
                "candidate_model_name": candidate_model_name,
                "candidate_model_source": "CANDIDATE_MODEL_SOURCE_SERVERLESS",
                "candidate_inference_config": {"temperature": 0.2, "max_tokens": 512},
                "judge_model_uuid": _JUDGE.uuid,
                "judge_model_name": _JUDGE.slug,
                "dataset_uuid": dataset_uuid,
                "metrics": list(metrics or []),
                "saved_sections": ["PRESET_SAVE_SECTION_CANDIDATE", "PRESET_SAVE_SECTION_JUDGE"],
            }
            return preset_uuid

    def all(self) -> list[dict[str, Any]]:
        """Every preset, oldest first."""
        with self.lock:
            return list(self._presets.values())

    def get(self, preset_uuid: str) -> dict[str, Any] | None:
        """The preset, or None."""
        with self.lock:
            return self._presets.get(preset_uuid)

    def remove(self, preset_uuid: str) -> str | None:
        """Delete a preset; the reason it cannot be (unknown, in use), or None once deleted."""
        with self.lock:
            if preset_uuid not in self._presets:
                return "unknown"
            if preset_uuid in self.in_use:
                return "in use"
            del self._presets[preset_uuid]
            return None
