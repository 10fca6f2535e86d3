"""The API's resources, one module each: the async class and its blocking twin.

:class:`ResourceSet` registers a resource on both clients in one line (see CONTRIBUTING, "Adding a resource"). A
resource's module is imported when a client first reads the resource, or when its classes are imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._registry import Registered, resource_classes, resource_stem

if TYPE_CHECKING:
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
    """The resources of both clients, one line each: ``AsyncGradientEvals`` and ``GradientEvals`` derive from this
    class, and each builds a resource on first use (see :class:`~gradient_evals.resources._registry.Registered`)."""

    evaluation_metrics: Registered[AsyncEvaluationMetrics, EvaluationMetrics] = Registered(
        "The metric catalog: list metrics, resolve metric names to UUIDs."
    )
    evaluation_datasets: Registered[AsyncEvaluationDatasets, EvaluationDatasets] = Registered(
        "Evaluation datasets: upload, list, download, delete."
    )
    evaluation_runs: Registered[AsyncEvaluationRuns, EvaluationRuns] = Registered(
        "Evaluation runs: create, retrieve, list and stream results."
    )
    custom_evaluation_metrics: Registered[AsyncCustomEvaluationMetrics, CustomEvaluationMetrics] = Registered(
        "Custom LLM-as-judge metrics: create, update, delete."
    )
    evaluation_test_cases: Registered[AsyncEvaluationTestCases, EvaluationTestCases] = Registered(
        "Evaluation test cases: create, retrieve, update, list, and list their runs."
    )
    agents: Registered[AsyncAgents, Agents] = Registered(
        "The agents evaluations run against: list, iterate, retrieve, and their versions."
    )
    model_evaluation_presets: Registered[AsyncModelEvaluationPresets, ModelEvaluationPresets] = Registered(
        "Saved model-evaluation presets: list, retrieve, delete."
    )
    model_evaluation_datasets: Registered[AsyncModelEvaluationDatasets, ModelEvaluationDatasets] = Registered(
        "Datasets for model evaluations: upload URLs, and upload in one call."
    )
    model_evaluation_metrics: Registered[AsyncModelEvaluationMetrics, ModelEvaluationMetrics] = Registered(
        "The metrics a model evaluation scores with: list."
    )
    model_evaluation_runs: Registered[AsyncModelEvaluationRuns, ModelEvaluationRuns] = Registered(
        "Model evaluation runs: create, list, retrieve, update, cancel, delete, wait, results."
    )


def __getattr__(name: str) -> Any:
    # `from gradient_evals.resources import AsyncThings` imports the one module that defines it.
    stem = name.removeprefix("Async")
    for attribute, registered in vars(ResourceSet).items():
        if isinstance(registered, Registered) and resource_stem(attribute) == stem:
            async_class, sync_class = resource_classes(attribute)
            value = async_class if name.startswith("Async") else sync_class
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
