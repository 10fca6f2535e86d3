"""The API's resources, one module each: the async class and its blocking twin."""

from .evaluation_runs import AsyncEvaluationRuns, EvaluationRuns
from .evaluation_test_cases import AsyncEvaluationTestCases, EvaluationTestCases

__all__ = ["AsyncEvaluationRuns", "AsyncEvaluationTestCases", "EvaluationRuns", "EvaluationTestCases"]
