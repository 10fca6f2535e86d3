"""The clients' resources declared on the classes, so that ``help()``, ``dir()`` and completion list them.

The clients set their resources in ``__init__``; an attribute set only there is invisible on the class: ``help
(GradientEvals)`` and ``dir(GradientEvals)`` would not name ``evaluation_runs`` or ``agents``. Each client class
inherits its resources' declarations from here: a :class:`ResourceSlot` names one, with its resource's summary as
its documentation, and holds the instance's value in the instance's ``__dict__``; it is set once (a resource is
never swapped under a caller).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

from .resources.agents import Agents, AsyncAgents
from .resources.custom_evaluation_metrics import AsyncCustomEvaluationMetrics, CustomEvaluationMetrics
from .resources.evaluation_datasets import AsyncEvaluationDatasets, EvaluationDatasets
from .resources.evaluation_metrics import AsyncEvaluationMetrics, EvaluationMetrics
from .resources.evaluation_runs import AsyncEvaluationRuns, EvaluationRuns
from .resources.evaluation_test_cases import AsyncEvaluationTestCases, EvaluationTestCases

__all__ = ["AsyncClientResources", "ClientResources", "ResourceSlot"]

R = TypeVar("R")


class ResourceSlot(Generic[R]):
    """A resource attribute of a client class: documented on the class, set once by the client's ``__init__``."""

    def __init__(self, kind: type[R]) -> None:
        summary = " ".join((kind.__doc__ or "").split("\n\n")[0].split())
        self.__doc__ = f"{kind.__name__}: {summary}" if summary else kind.__name__
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> ResourceSlot[R]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> R: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> ResourceSlot[R] | R:
        if instance is None:
            return self
        try:
            value: R = vars(instance)[self._name]
        except KeyError:
            raise AttributeError(f"{type(instance).__name__!r} object has no attribute {self._name!r} yet") from None
        return value

    def __set__(self, instance: object, value: R) -> None:
        held: dict[str, Any] = vars(instance)
        if self._name in held:
            raise AttributeError(f"{self._name} is set once, by the client")
        held[self._name] = value


class AsyncClientResources:
    """The resources of :class:`~gradient_evals.AsyncGradientEvals`, set by its ``__init__``."""

    evaluation_metrics = ResourceSlot(AsyncEvaluationMetrics)
    evaluation_datasets = ResourceSlot(AsyncEvaluationDatasets)
    evaluation_runs = ResourceSlot(AsyncEvaluationRuns)
    custom_evaluation_metrics = ResourceSlot(AsyncCustomEvaluationMetrics)
    evaluation_test_cases = ResourceSlot(AsyncEvaluationTestCases)
    agents = ResourceSlot(AsyncAgents)


class ClientResources:
    """The resources of :class:`~gradient_evals.GradientEvals`, set by its ``__init__``."""

    evaluation_metrics = ResourceSlot(EvaluationMetrics)
    evaluation_datasets = ResourceSlot(EvaluationDatasets)
    evaluation_runs = ResourceSlot(EvaluationRuns)
    custom_evaluation_metrics = ResourceSlot(CustomEvaluationMetrics)
    evaluation_test_cases = ResourceSlot(EvaluationTestCases)
    agents = ResourceSlot(Agents)
