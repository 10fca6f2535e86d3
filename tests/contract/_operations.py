"""The SDK call of every operation of the specification the SDK covers, shared by the contract tests.

``OPERATIONS`` maps an operationId to its HTTP method, path template, the SDK call that makes it, and a check of
what the call returns for the specification's own example body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gradient_evals import AsyncGradientEvals
from gradient_evals.types import (
    Agent,
    AgentsPage,
    AgentVersion,
    AgentVersionsPage,
    CreatedEvaluationRuns,
    EvaluationDataset,
    EvaluationDatasetDownloadUrl,
    EvaluationMetric,
    EvaluationPrompt,
    EvaluationRun,
    EvaluationTestCase,
    FileUploadPresignedUrls,
    ModelEvaluationPreset,
    ModelEvaluationResultsDownloadUrl,
    ModelEvaluationRun,
    ModelEvaluationRunsPage,
    ModelEvaluationRunSummary,
    ResultsPage,
    StarMetric,
    UpdatedEvaluationTestCase,
)

RUN = "0b4a1bd5-4c2f-4d5e-9b1a-7e3f2c1d0a01"
TEST_CASE = "5d1f6c2e-8a3b-4c7d-9e0f-1a2b3c4d5e6f"
AGENT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
METRIC = "3f1c2b4a-1111-4a5b-8c6d-7e8f9a0b1c2d"
DATASET = "8d7c6b5a-4939-4281-8e7f-6a5b4c3d2e1f"
WORKSPACE = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
AGENT_DOCUMENTED = "123e4567-e89b-12d3-a456-426614174000"  # the specification's own example of an agent UUID
PRESET = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
STAR = StarMetric(metric_uuid=METRIC, success_threshold_pct=80)


def _test_cases(result: Any) -> bool:
    return isinstance(result, tuple) and all(isinstance(x, EvaluationTestCase) for x in result)


Call = Callable[[AsyncGradientEvals], Awaitable[Any]]

# operationId -> (HTTP method, path template, the SDK call, what it must return)
OPERATIONS: dict[str, tuple[str, str, Call, Callable[[Any], bool]]] = {
    "genai_run_evaluation_test_case": (
        "post",
        "/v2/gen-ai/evaluation_runs",
        lambda c: c.evaluation_runs.create(test_case_uuid=TEST_CASE, agent_uuids=[AGENT]),
        lambda r: isinstance(r, CreatedEvaluationRuns) and bool(r.evaluation_run_uuids),
    ),
    "genai_get_evaluation_run": (
        "get",
        "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}",
        lambda c: c.evaluation_runs.retrieve(RUN),
        lambda r: isinstance(r, EvaluationRun) and r.evaluation_run_uuid is not None and r.queued_at is not None,
    ),
    "genai_get_evaluation_run_results": (
        "get",
        "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}/results",
        lambda c: c.evaluation_runs.list_results(RUN, page=1, per_page=10),
        lambda r: isinstance(r, ResultsPage) and bool(r.prompts) and r.evaluation_run is not None,
    ),
    "genai_get_evaluation_run_prompt_results": (
        "get",
        "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}/results/{prompt_id}",
        lambda c: c.evaluation_runs.retrieve_results(RUN, 1),
        lambda r: isinstance(r, EvaluationPrompt) and r.prompt_id is not None,
    ),
    "genai_list_evaluation_runs_by_test_case": (
        "get",
        "/v2/gen-ai/evaluation_test_cases/{evaluation_test_case_uuid}/evaluation_runs",
        lambda c: c.evaluation_test_cases.list_evaluation_runs(TEST_CASE),
        lambda r: isinstance(r, list) and bool(r) and all(isinstance(x, EvaluationRun) for x in r),
    ),
    "genai_list_evaluation_metrics": (
        "get",
        "/v2/gen-ai/evaluation_metrics",
        lambda c: c.evaluation_metrics.list(),
        lambda r: isinstance(r, tuple) and all(isinstance(x, EvaluationMetric) for x in r),
    ),
    "genai_create_custom_evaluation_metric": (
        "post",
        "/v2/gen-ai/custom_evaluation_metrics",
        lambda c: c.custom_evaluation_metrics.create(
            metric_name="politeness", scoring_prompt="Is the answer polite?", description="tone"
        ),
        lambda r: isinstance(r, EvaluationMetric),
    ),
    "genai_update_custom_evaluation_metric": (
        "put",
        "/v2/gen-ai/custom_evaluation_metrics/{metric_uuid}",
        lambda c: c.custom_evaluation_metrics.update(METRIC, scoring_prompt="Is it kind?", requires_ground_truth=True),
        lambda r: isinstance(r, EvaluationMetric),
    ),
    "genai_delete_custom_evaluation_metric": (
        "delete",
        "/v2/gen-ai/custom_evaluation_metrics/{metric_uuid}",
        lambda c: c.custom_evaluation_metrics.delete(METRIC),
        lambda r: r is None,
    ),
    "genai_list_evaluation_test_cases": (
        "get",
        "/v2/gen-ai/evaluation_test_cases",
        lambda c: c.evaluation_test_cases.list(),
        _test_cases,
    ),
    "genai_create_evaluation_test_case": (
        "post",
        "/v2/gen-ai/evaluation_test_cases",
        lambda c: c.evaluation_test_cases.create(
            name="support",
            dataset_uuid=DATASET,
            metrics=[METRIC],
            star_metric=STAR,
            description="FAQ",
            workspace_uuid=WORKSPACE,
            agent_workspace_name="support-ws",
        ),
        lambda r: isinstance(r, str),
    ),
    "genai_get_evaluation_test_case": (
        "get",
        "/v2/gen-ai/evaluation_test_cases/{test_case_uuid}",
        lambda c: c.evaluation_test_cases.retrieve(TEST_CASE, evaluation_test_case_version=2),
        lambda r: isinstance(r, EvaluationTestCase),
    ),
    "genai_update_evaluation_test_case": (
        "put",
        "/v2/gen-ai/evaluation_test_cases/{test_case_uuid}",
        lambda c: c.evaluation_test_cases.update(
            TEST_CASE, name="support v2", dataset_uuid=DATASET, metrics=[METRIC], star_metric=STAR
        ),
        lambda r: isinstance(r, UpdatedEvaluationTestCase),
    ),
    "genai_list_evaluation_test_cases_by_workspace": (
        "get",
        "/v2/gen-ai/workspaces/{workspace_uuid}/evaluation_test_cases",
        lambda c: c.evaluation_test_cases.list_by_workspace(WORKSPACE),
        _test_cases,
    ),
    "genai_list_agents": (
        "get",
        "/v2/gen-ai/agents",
        lambda c: c.agents.list(page=1, per_page=20, only_deployed=True),
        lambda r: isinstance(r, AgentsPage) and all(isinstance(a, Agent) for a in r.agents),
    ),
    "genai_get_agent": (
        "get",
        "/v2/gen-ai/agents/{uuid}",
        lambda c: c.agents.retrieve(AGENT_DOCUMENTED),
        lambda r: isinstance(r, Agent),
    ),
    "genai_list_model_evaluation_presets": (
        "get",
        "/v2/gen-ai/model_evaluation_presets",
        lambda c: c.model_evaluation_presets.list(),
        lambda r: isinstance(r, tuple) and all(isinstance(p, ModelEvaluationPreset) for p in r),
    ),
    "genai_get_model_evaluation_preset": (
        "get",
        "/v2/gen-ai/model_evaluation_presets/{eval_preset_uuid}",
        lambda c: c.model_evaluation_presets.retrieve(PRESET),
        lambda r: isinstance(r, ModelEvaluationPreset) and r.eval_preset_uuid is not None,
    ),
    "genai_delete_model_evaluation_preset": (
        "delete",
        "/v2/gen-ai/model_evaluation_presets/{eval_preset_uuid}",
        lambda c: c.model_evaluation_presets.delete(PRESET),
        lambda r: r is None,
    ),
    "genai_list_model_evaluation_metrics": (
        "get",
        "/v2/gen-ai/model_evaluation_metrics",
        lambda c: c.model_evaluation_metrics.list(),
        lambda r: isinstance(r, tuple) and all(isinstance(x, EvaluationMetric) for x in r),
    ),
    "genai_list_model_evaluation_runs": (
        "get",
        "/v2/gen-ai/model_evaluation_runs",
        lambda c: c.model_evaluation_runs.list(page=1, per_page=10, statuses=["successful"], sort_by="created_at"),
        lambda r: (
            isinstance(r, ModelEvaluationRunsPage) and all(isinstance(x, ModelEvaluationRunSummary) for x in r.runs)
        ),
    ),
    "genai_create_model_evaluation_run": (
        "post",
        "/v2/gen-ai/model_evaluation_runs",
        lambda c: c.model_evaluation_runs.create(
            dataset_uuid=DATASET, candidate_model="llama3-8b-instruct", judge_model_uuid=AGENT, metric_uuids=[METRIC]
        ),
        lambda r: isinstance(r, str) and bool(r),
    ),
    "genai_get_model_evaluation_run": (
        "get",
        "/v2/gen-ai/model_evaluation_runs/{eval_run_uuid}",
        lambda c: c.model_evaluation_runs.retrieve(RUN),
        lambda r: isinstance(r, ModelEvaluationRun) and r.eval_run_uuid is not None,
    ),
    "genai_update_model_evaluation_run": (
        "patch",
        "/v2/gen-ai/model_evaluation_runs/{eval_run_uuid}",
        lambda c: c.model_evaluation_runs.update(RUN, name="renamed"),
        lambda r: isinstance(r, ModelEvaluationRunSummary),
    ),
    "genai_delete_model_evaluation_run": (
        "delete",
        "/v2/gen-ai/model_evaluation_runs/{eval_run_uuid}",
        lambda c: c.model_evaluation_runs.delete(RUN),
        lambda r: r is None,
    ),
    "genai_cancel_model_evaluation_run": (
        "put",
        "/v2/gen-ai/model_evaluation_runs/{eval_run_uuid}/cancel",
        lambda c: c.model_evaluation_runs.cancel(RUN),
        lambda r: isinstance(r, ModelEvaluationRunSummary),
    ),
    "genai_get_model_evaluation_run_results_download_url": (
        "get",
        "/v2/gen-ai/model_evaluation_runs/{eval_run_uuid}/results/download_url",
        lambda c: c.model_evaluation_runs.results_download_url(RUN),
        lambda r: isinstance(r, ModelEvaluationResultsDownloadUrl) and r.download_url is not None,
    ),
    "genai_list_agent_versions": (
        "get",
        "/v2/gen-ai/agents/{uuid}/versions",
        lambda c: c.agents.list_versions(AGENT, page=1, per_page=10),
        lambda r: isinstance(r, AgentVersionsPage) and all(isinstance(v, AgentVersion) for v in r.agent_versions),
    ),
    "genai_create_model_eval_dataset_upload_presigned_urls": (
        "post",
        "/v2/gen-ai/model_evaluation/datasets/file_upload_presigned_urls",
        lambda c: c.model_evaluation_datasets.create_upload_urls(files=[{"file_name": "rows.csv", "file_size": 120}]),
        lambda r: isinstance(r, FileUploadPresignedUrls) and bool(r.uploads),
    ),
    "genai_list_evaluation_datasets": (
        "get",
        "/v2/gen-ai/evaluation_datasets",
        lambda c: c.evaluation_datasets.list(),
        lambda r: isinstance(r, tuple) and all(isinstance(d, EvaluationDataset) for d in r),
    ),
    "genai_create_evaluation_dataset": (
        "post",
        "/v2/gen-ai/evaluation_datasets",
        lambda c: c.evaluation_datasets.create(
            name="contract",
            file_upload_dataset={
                "original_file_name": "rows.csv",
                "stored_object_key": "uploads/rows.csv",
                "size_in_bytes": 120,
            },
        ),
        lambda r: isinstance(r, str) and bool(r),
    ),
    "genai_create_evaluation_dataset_file_upload_presigned_urls": (
        "post",
        "/v2/gen-ai/evaluation_datasets/file_upload_presigned_urls",
        lambda c: c.evaluation_datasets.create_file_upload_presigned_urls(
            files=[{"file_name": "rows.csv", "file_size": 120}]
        ),
        lambda r: isinstance(r, FileUploadPresignedUrls) and bool(r.uploads),
    ),
    "genai_get_evaluation_dataset_download_url": (
        "get",
        "/v2/gen-ai/evaluation_datasets/{dataset_uuid}/download_url",
        lambda c: c.evaluation_datasets.get_download_url(DATASET),
        lambda r: isinstance(r, EvaluationDatasetDownloadUrl),
    ),
    "genai_delete_evaluation_dataset": (
        "delete",
        "/v2/gen-ai/evaluation_datasets/{dataset_uuid}",
        lambda c: c.evaluation_datasets.delete(DATASET),
        lambda r: r is None,
    ),
}
