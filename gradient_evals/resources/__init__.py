"""The API's resources, one module each: the async class and its blocking twin.

:class:`ResourceSet` registers a resource on both clients in one line (see CONTRIBUTING, "Adding a resource").
"""

from ._registry import Registered
from .agents import Agents, AsyncAgents
from .custom_evaluation_metrics import AsyncCustomEvaluationMetrics, CustomEvaluationMetrics
from .evaluation_datasets import AsyncEvaluationDatasets, EvaluationDatasets
from .evaluation_metrics import AsyncEvaluationMetrics, EvaluationMetrics
from .evaluation_runs import AsyncEvaluationRuns, EvaluationRuns
from .evaluation_test_cases import AsyncEvaluationTestCases, EvaluationTestCases
from .model_evaluation_datasets import AsyncModelEvaluationDatasets, ModelEvaluationDatasets
from .model_evaluation_metrics import AsyncModelEvaluationMetrics, ModelEvaluationMetrics
from .model_evaluation_presets import AsyncModelEvaluationPresets, ModelEvaluationPresets
from .model_evaluation_runs import AsyncModelEvaluationRuns, ModelEvaluationRuns

__all__ = [
    "Agents",
    "AsyncAgents",
    "AsyncCustomEvaluationMetrics",
    "AsyncEvaluationDatasets",
    "AsyncEvaluationMetrics",
    "AsyncEvaluationRuns",
    "AsyncEvaluationTestCases",
    "AsyncModelEvaluationDatasets",
    "AsyncModelEvaluationMetrics",
    "AsyncModelEvaluationPresets",
    "AsyncModelEvaluationRuns",
    "CustomEvaluationMetrics",
    "EvaluationDatasets",
    "EvaluationMetrics",
    "EvaluationRuns",
    "EvaluationTestCases",
    "ModelEvaluationDatasets",
    "ModelEvaluationMetrics",
    "ModelEvaluationPresets",
    "ModelEvaluationRuns",
    "ResourceSet",
]


class ResourceSet:
    """The resources both clients get from one line each: ``AsyncGradientEvals`` and ``GradientEvals`` derive
    from this class, and each builds a resource on first use (see :class:`~gradient_evals.resources._registry.
    Registered`)."""

    model_evaluation_presets = Registered(AsyncModelEvaluationPresets, ModelEvaluationPresets)
    """Saved model-evaluation presets: list, retrieve, delete."""
    model_evaluation_datasets = Registered(AsyncModelEvaluationDatasets, ModelEvaluationDatasets)
    """Datasets for model evaluations: upload URLs, and upload in one call."""
    model_evaluation_metrics = Registered(AsyncModelEvaluationMetrics, ModelEvaluationMetrics)
    """The metrics a model evaluation scores with: list."""
    model_evaluation_runs = Registered(AsyncModelEvaluationRuns, ModelEvaluationRuns)
    """Model evaluation runs: create, list, retrieve, update, cancel, delete, wait, results."""
