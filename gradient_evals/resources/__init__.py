"""The API's resources, one module each: the async class and its blocking twin."""

from .custom_evaluation_metrics import AsyncCustomEvaluationMetrics, CustomEvaluationMetrics
from .evaluation_datasets import AsyncEvaluationDatasets, EvaluationDatasets
from .evaluation_metrics import AsyncEvaluationMetrics, EvaluationMetrics
from .evaluation_runs import AsyncEvaluationRuns, EvaluationRuns
from .evaluation_test_cases import AsyncEvaluationTestCases, EvaluationTestCases

__all__ = [
    "AsyncCustomEvaluationMetrics",
    "AsyncEvaluationDatasets",
    "AsyncEvaluationMetrics",
    "AsyncEvaluationRuns",
    "AsyncEvaluationTestCases",
    "CustomEvaluationMetrics",
    "EvaluationDatasets",
    "EvaluationMetrics",
    "EvaluationRuns",
    "EvaluationTestCases",
]
