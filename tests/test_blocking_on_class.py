"""A blocking twin read on its class looks like the method it is: ``help(GradientEvals.evaluate_failed)``,
``inspect.signature`` and editors see its real signature and docstring, and ``Class.method(instance, ...)`` calls it.

Every twin of every blocking class is enumerated (``vars(cls)``), so a new one is checked without being listed.
"""

from __future__ import annotations

import inspect
import pydoc
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from _annotations import checker_names, evaluated

from gradient_evals import AsyncGradientEvals, AsyncPager, GradientEvals, SyncPager
from gradient_evals._blocking import blocking, blocking_doc, blocking_iterator
from gradient_evals._streaming import AsyncStream
from gradient_evals.resources import ResourceSet
from gradient_evals.resources._registry import Registered, resource_classes
from gradient_evals.testing import FakeGradientServer


def _class_pairs() -> list[tuple[type, type]]:
    """(blocking class, its async original) for the client and every resource."""
    pairs: list[tuple[type, type]] = [(GradientEvals, AsyncGradientEvals)]
    for name, value in vars(ResourceSet).items():
        if isinstance(value, Registered):
            async_class, sync_class = resource_classes(name)
            pairs.append((sync_class, async_class))
    return pairs


def _twins() -> list[tuple[type, type, str]]:
    return [
        (sync_cls, async_cls, name)
        for sync_cls, async_cls in _class_pairs()
        for name, member in vars(sync_cls).items()
        if isinstance(member, blocking | blocking_iterator)
    ]


TWINS = _twins()


def test_every_blocking_class_has_twins_to_check() -> None:
    classes = {sync_cls for sync_cls, _, _ in TWINS}
    assert GradientEvals in classes
    assert len(classes) >= 6, classes  # the client and its five resources
    assert len(TWINS) >= 30


def _sync_return(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (AsyncPager, AsyncStream):
        return SyncPager[typing.get_args(annotation)]  # type: ignore[misc]
    return annotation


@pytest.mark.parametrize(("sync_cls", "async_cls", "name"), TWINS, ids=[f"{s.__name__}.{n}" for s, _, n in TWINS])
def test_the_twin_on_its_class_shows_the_real_method(sync_cls: type, async_cls: type, name: str) -> None:
    on_class = getattr(sync_cls, name)
    original = getattr(async_cls, name)
    assert inspect.isfunction(on_class), f"{sync_cls.__name__}.{name} reads as {on_class!r} on the class"
    assert on_class is getattr(sync_cls, name), "the same function on every access, as a method's is"
    assert on_class.__name__ == name
    assert on_class.__qualname__ == f"{sync_cls.__qualname__}.{name}"
    assert on_class.__module__ == sync_cls.__module__
    assert on_class.__wrapped__ is original
    assert not inspect.iscoroutinefunction(on_class)

    # Annotations as a type checker reads them (the client's own name types imported for type checkers only).
    names = checker_names(original.__module__)
    expected = evaluated(inspect.signature(original), names)
    actual = evaluated(inspect.signature(on_class), names)
    assert list(actual.parameters) == list(expected.parameters)
    assert next(iter(actual.parameters)) == "self"
    assert [(p.kind, p.default, p.annotation) for p in actual.parameters.values()] == [
        (p.kind, p.default, p.annotation) for p in expected.parameters.values()
    ]
    assert actual.return_annotation == _sync_return(expected.return_annotation)
    # What editors and typing.get_type_hints read: the annotations, evaluated.
    returned = actual.return_annotation
    assert typing.get_type_hints(on_class, globalns=names)["return"] == (type(None) if returned is None else returned)

    assert inspect.getdoc(on_class) == blocking_doc(inspect.getdoc(original))
    assert inspect.getdoc(on_class), f"{sync_cls.__name__}.{name} has no docstring"

    page = pydoc.plain(pydoc.render_doc(on_class))
    assert "blocking object" not in page
    assert f"{name}(self, " in page or f"{name}(self)" in page, page[:300]
    first_line = inspect.getdoc(on_class).splitlines()[0]  # type: ignore[union-attr]
    assert first_line in page


@pytest.fixture
def served() -> Iterator[tuple[GradientEvals, str]]:
    with FakeGradientServer(latency=0.0) as server:
        run_uuid = server.add_run(prompts=5)
        with GradientEvals(server.token, base_url=server.base_url) as client:
            yield client, run_uuid


def test_a_twin_read_on_its_class_calls_like_a_method(served: tuple[GradientEvals, str]) -> None:
    client, run_uuid = served
    runs_cls = type(client.evaluation_runs)
    run = runs_cls.retrieve(client.evaluation_runs, run_uuid)
    assert run.evaluation_run_uuid == run_uuid
    pager = runs_cls.iter_results(client.evaluation_runs, run_uuid)
    assert isinstance(pager, SyncPager)
    assert len(list(pager)) == 5
