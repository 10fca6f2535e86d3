"""The API's resources: what each endpoint is, and the model it returns."""

from .evaluation_runs import AsyncEvaluationRuns
from .evaluation_test_cases import AsyncEvaluationTestCases

__all__ = ["AsyncEvaluationRuns", "AsyncEvaluationTestCases"]
