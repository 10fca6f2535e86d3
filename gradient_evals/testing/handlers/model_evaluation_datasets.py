"""``/v2/gen-ai/model_evaluation/datasets/file_upload_presigned_urls``: upload URLs for a model evaluation's
dataset, into the same object store (and answered the same way) as the evaluation datasets' own."""

from __future__ import annotations

from .._routes import Route
from .evaluation_datasets import presigned_urls

__all__ = ["ROUTES"]

ROUTES = (Route("POST", "/v2/gen-ai/model_evaluation/datasets/file_upload_presigned_urls", presigned_urls),)
