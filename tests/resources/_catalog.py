"""A small metric catalog as the API would list it, shared by the resource tests."""

from __future__ import annotations

from typing import Any

BASE = "https://api.digitalocean.com"
METRICS_URL = f"{BASE}/v2/gen-ai/evaluation_metrics"
CORRECTNESS = "3f1c2b4a-1111-4a5b-8c6d-7e8f9a0b1c2d"
HALLUCINATION = "3f1c2b4a-2222-4a5b-8c6d-7e8f9a0b1c2d"
TONE = "3f1c2b4a-3333-4a5b-8c6d-7e8f9a0b1c2d"
TONE_CUSTOM = "3f1c2b4a-4444-4a5b-8c6d-7e8f9a0b1c2d"
DATASET = "8d7c6b5a-4939-4281-8e7f-6a5b4c3d2e1f"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
WORKSPACE = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"


def catalog_body(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "metric_uuid": CORRECTNESS,
                "metric_name": "Correctness",
                "category": "METRIC_CATEGORY_CORRECTNESS",
                "metric_value_type": "METRIC_VALUE_TYPE_PERCENTAGE",
                "range_min": 0,
                "range_max": 100,
                "inverted": False,
                "source": "EVALUATION_METRIC_SOURCE_BUILTIN",
            },
            {
                "metric_uuid": HALLUCINATION,
                "metric_name": "Hallucination rate",
                "category": "METRIC_CATEGORY_SAFETY_AND_SECURITY",
                "metric_value_type": "METRIC_VALUE_TYPE_NUMBER",
                "range_min": 0,
                "range_max": 1,
                "inverted": True,
                "source": "EVALUATION_METRIC_SOURCE_BUILTIN",
            },
            {"metric_uuid": TONE, "metric_name": "Tone", "source": "EVALUATION_METRIC_SOURCE_BUILTIN"},
            *extra,
        ]
    }
