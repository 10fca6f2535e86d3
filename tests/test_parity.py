"""The sync facade mirrors the async API exactly: every public method, with the same signature.

The surfaces are enumerated, not listed by hand, so a method added to an async resource (or a resource added
to the client) without its blocking twin, or a twin whose signature drifts, fails here.
"""

from __future__ import annotations

import inspect
import pydoc
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from _annotations import CLIENT_NAMES, evaluated

from gradient_evals import AsyncGradientEvals, AsyncPager, GradientEvals, SyncPager
from gradient_evals._blocking import blocking, blocking_doc
from gradient_evals._streaming import AsyncStream
from gradient_evals.resources import ResourceSet
from gradient_evals.resources._registry import Registered

# Async names whose blocking twin is spelled differently.
_RENAMED = {"aclose": "close"}


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[AsyncGradientEvals, GradientEvals]]:
    with GradientEvals("tok-parity", base_url="https://api.test") as sync_client:
        yield sync_client.async_client, sync_client


def _resources(client: object) -> dict[str, Any]:
    # The resources ResourceSet registers (built on first read).
    registered = [name for name, value in vars(ResourceSet).items() if isinstance(value, Registered)]
    return {name: getattr(client, name) for name in registered}


def test_a_registered_resource_is_one_instance_per_client(clients: tuple[AsyncGradientEvals, GradientEvals]) -> None:
    async_client, sync_client = clients
    for name, value in vars(ResourceSet).items():
        if isinstance(value, Registered):
            assert getattr(async_client, name) is getattr(async_client, name)
            assert getattr(sync_client, name) is getattr(sync_client, name)
            assert getattr(sync_client, name)._async is getattr(async_client, name)


def _public_methods(cls: type) -> list[str]:
    return sorted(
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(member) or inspect.ismethoddescriptor(member))
    )


def _sync_return(annotation: Any) -> Any:
    """What the blocking twin returns for an async method returning ``annotation``."""
    if typing.get_origin(annotation) in (AsyncPager, AsyncStream):
        return SyncPager[typing.get_args(annotation)]  # type: ignore[misc]
    assert annotation is not AsyncPager, "an async method returns an unparameterised AsyncPager"
    return annotation


def _describe(signature: inspect.Signature) -> list[tuple[str, Any, Any, Any]]:
    return [(p.name, p.kind, p.default, p.annotation) for p in signature.parameters.values()]


def _assert_twins(async_method: Any, sync_method: Any, where: str) -> None:
    assert callable(sync_method), where
    assert not inspect.iscoroutinefunction(sync_method), f"{where} must block, not return a coroutine"
    expected = inspect.signature(async_method, eval_str=True)
    actual = inspect.signature(sync_method, eval_str=True)
    assert _describe(actual) == _describe(expected), f"{where}: parameters differ"
    assert actual.return_annotation == _sync_return(expected.return_annotation), f"{where}: return type differs"
    # The same text, with the examples spelled for blocking code (``for`` where the async one says ``async for``).
    assert inspect.getdoc(sync_method) == blocking_doc(inspect.getdoc(async_method)), f"{where}: docstring differs"


def test_the_sync_client_has_every_resource(clients: tuple[AsyncGradientEvals, GradientEvals]) -> None:
    async_client, sync_client = clients
    resources = _resources(async_client)
    assert resources, "no resource found on the async client"
    for name in resources:
        assert hasattr(sync_client, name), f"GradientEvals has no {name!r}"


def test_every_async_resource_method_has_a_sync_twin(clients: tuple[AsyncGradientEvals, GradientEvals]) -> None:
    async_client, sync_client = clients
    checked = 0
    for resource_name, async_resource in _resources(async_client).items():
        sync_resource = getattr(sync_client, resource_name)
        async_names = _public_methods(type(async_resource))
        assert async_names, f"{resource_name} has no public method"
        for name in async_names:
            where = f"{resource_name}.{name}"
            assert hasattr(sync_resource, name), f"the sync client lacks {where}"
            _assert_twins(getattr(async_resource, name), getattr(sync_resource, name), where)
            checked += 1
        extra = set(_public_methods(type(sync_resource))) - set(async_names)
        assert not extra, f"sync {resource_name} has methods the async one lacks: {sorted(extra)}"
    assert checked >= 6


def test_iter_results_returns_a_sync_pager(clients: tuple[AsyncGradientEvals, GradientEvals]) -> None:
    # Spelled out once, so the generic mapping above cannot hide the one case that differs.
    _, sync_client = clients
    returned = inspect.signature(sync_client.evaluation_runs.iter_results, eval_str=True).return_annotation
    assert typing.get_origin(returned) is SyncPager
    assert "self" not in inspect.signature(sync_client.evaluation_runs.iter_results).parameters
    assert isinstance(sync_client.evaluation_runs.iter_results("6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f"), SyncPager)


def test_the_clients_take_the_same_options() -> None:
    expected = evaluated(inspect.signature(AsyncGradientEvals.__init__))
    actual = evaluated(inspect.signature(GradientEvals.__init__))
    assert _describe(actual) == _describe(expected)


def test_the_clients_expose_the_same_members(clients: tuple[AsyncGradientEvals, GradientEvals]) -> None:
    async_client, sync_client = clients
    names = {n for n in dir(async_client) if not n.startswith("_")}
    assert {"aclose", "base_url", "evaluation_runs", "evaluation_test_cases"} <= names
    for name in sorted(names):
        twin = _RENAMED.get(name, name)
        assert hasattr(sync_client, twin), f"GradientEvals lacks {twin!r}"
        async_member = inspect.getattr_static(AsyncGradientEvals, name, None)
        sync_member = inspect.getattr_static(GradientEvals, twin, None)
        if isinstance(async_member, property):
            assert isinstance(sync_member, property), f"{twin} should be a property"
            hints = typing.get_type_hints(async_member.fget, globalns=CLIENT_NAMES)
            assert typing.get_type_hints(sync_member.fget, globalns=CLIENT_NAMES) == hints, name
            assert getattr(sync_client, twin) == getattr(async_client, name), name
        elif inspect.isfunction(async_member):
            # A plain method (close) or a blocking twin of the async one (evaluate), as the resources' methods are.
            assert inspect.isfunction(sync_member) or isinstance(sync_member, blocking), f"{twin} should be a method"
            expected = evaluated(inspect.signature(getattr(async_client, name)))
            actual = evaluated(inspect.signature(getattr(sync_client, twin)))
            assert _describe(actual) == _describe(expected), name
            assert actual.return_annotation == expected.return_annotation, name


def test_blocking_docstrings_speak_of_blocking_code(clients: tuple[AsyncGradientEvals, GradientEvals]) -> None:
    _, sync_client = clients
    doc = sync_client.evaluation_runs.iter_results.__doc__ or ""
    assert "async for" not in doc
    assert "``for prompt in client.evaluation_runs.iter_results(uuid)``" in doc
    for name in _public_methods(type(sync_client.evaluation_runs)):
        assert "async for" not in (getattr(sync_client.evaluation_runs, name).__doc__ or ""), name


@pytest.mark.parametrize("client_class", [AsyncGradientEvals, GradientEvals])
def test_help_and_dir_of_each_client_class_list_every_resource(
    clients: tuple[AsyncGradientEvals, GradientEvals], client_class: type
) -> None:
    async_client, sync_client = clients
    instance = async_client if client_class is AsyncGradientEvals else sync_client
    names = sorted(_resources(async_client))
    assert len(names) >= 6
    assert set(names) <= set(dir(client_class)), "the class itself names them"
    page = pydoc.render_doc(client_class, renderer=pydoc.plaintext)
    for name in names:
        kind = type(getattr(instance, name)).__name__
        # "AsyncKind (blocking: Kind): summary" on both clients.
        entry = page.split(f"|  {name}\n |      ", 1)[1].split("\n")[0] if f"|  {name}\n |      " in page else ""
        assert entry.startswith(f"{kind} (") or f"{kind}):" in entry, (name, entry)
    with pytest.raises(AttributeError, match="set once"):
        instance.agents = instance.agents  # type: ignore[misc]
