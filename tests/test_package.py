"""The package's public surface: every name in __all__ resolves, and the blocking facade loads on demand."""

from __future__ import annotations

import enum
import subprocess
import sys

import attrs
import pytest

import gradient_evals


def test_every_public_name_resolves() -> None:
    for name in gradient_evals.__all__:
        assert getattr(gradient_evals, name) is not None, name
    assert set(gradient_evals.__all__) <= set(dir(gradient_evals))


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        gradient_evals.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def _run_fresh(code: str) -> None:
    """Run ``code`` in a new interpreter, where nothing of the package is loaded yet."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr


# What `import gradient_evals` alone must not load: the client and everything behind it (httpx, attrs, the models,
# the resources, the decoder), the blocking facade, and the command line's and converter's dependencies.
_NOT_LOADED_BY_IMPORT = (
    "gradient_evals._client",
    "gradient_evals._sync",
    "gradient_evals._loop",
    "gradient_evals.types",
    "gradient_evals.resources",
    "gradient_evals.workflows",
    "gradient_evals._convert",
    "httpx",
    "attrs",
    "anyio",
    "anyio.from_thread",
    "msgspec",
    "asyncio",
    "cattrs",
    "rich",
    "jinja2",
)


def test_import_loads_nothing_heavy_until_a_name_is_used() -> None:
    _run_fresh(
        "import sys, gradient_evals\n"
        f"loaded = [name for name in {_NOT_LOADED_BY_IMPORT!r} if name in sys.modules]\n"
        "assert not loaded, loaded\n"
        # The errors and the version come with the package itself.
        "assert issubclass(gradient_evals.APIError, gradient_evals.GradientEvalsError)\n"
        "assert gradient_evals.__version__\n"
        "assert set(gradient_evals.__all__) <= set(dir(gradient_evals))\n"
        "assert 'httpx' not in sys.modules and 'gradient_evals.types' not in sys.modules\n"
    )


def test_the_async_client_loads_without_the_blocking_facade_or_the_command_line() -> None:
    _run_fresh(
        "import sys\n"
        "from gradient_evals import AsyncGradientEvals, types\n"
        "assert AsyncGradientEvals.__module__ == 'gradient_evals._client'\n"
        "assert types.EvaluationRun.__module__ == 'gradient_evals.types.evaluation_runs'\n"
        "for name in ('gradient_evals._sync', 'gradient_evals._loop', 'anyio.from_thread', 'cattrs', 'rich',"
        " 'jinja2'):\n"
        "    assert name not in sys.modules, name\n"
        "assert 'asyncio' not in sys.modules, 'asyncio is loaded by the loop that runs the client, not by the import'\n"
        "from gradient_evals import GradientEvals, SyncPager\n"
        "import gradient_evals\n"
        "assert GradientEvals.__module__ == 'gradient_evals._sync'\n"
        "assert gradient_evals.SyncPager is SyncPager\n"
    )


def test_the_client_classes_load_their_dependencies_on_first_use() -> None:
    # What every program importing the SDK pays (the pytest plugin's, `gradient-evals --help`'s): no httpx, no
    # models, no workflows. Building a client loads the transport; reading a resource, its module and models.
    _run_fresh(
        "import sys\n"
        "from gradient_evals import AsyncGradientEvals, GradientEvals\n"
        "heavy = ('httpx', 'anyio', 'attrs', 'attr', 'cattrs', 'tenacity', 'gradient_evals.types',\n"
        "         'gradient_evals.resources.evaluation_runs', 'gradient_evals.workflows',\n"
        "         'gradient_evals._transport')\n"
        "loaded = [name for name in heavy if name in sys.modules]\n"
        "assert not loaded, loaded\n"
        "client = AsyncGradientEvals('tok')\n"
        "assert 'gradient_evals._transport' in sys.modules and 'httpx' in sys.modules\n"
        "assert 'gradient_evals.resources.model_evaluation_runs' not in sys.modules\n"
        "runs = client.evaluation_runs\n"
        "assert type(runs).__module__ == 'gradient_evals.resources.evaluation_runs'\n"
        "assert runs is client.evaluation_runs\n"
        "assert client.evaluation_runs._metrics is client.evaluation_metrics, 'one metric catalog per client'\n"
        "assert 'gradient_evals.resources.model_evaluation_runs' not in sys.modules\n"
    )


def test_each_public_name_imports_alone() -> None:
    # Each name first thing after a fresh import of the package: a lazily loaded name must not depend on another
    # having been loaded before it. One interpreter for all of them, its package modules dropped between names.
    _run_fresh(
        "import sys\n"
        "import gradient_evals\n"
        "names = list(gradient_evals.__all__)\n"
        "for name in names:\n"
        "    for module in [m for m in sys.modules if m == 'gradient_evals' or m.startswith('gradient_evals.')]:\n"
        "        del sys.modules[module]\n"
        "    namespace = {}\n"
        "    exec(f'from gradient_evals import {name} as value', namespace)\n"
        "    package = sys.modules['gradient_evals']\n"
        "    assert namespace['value'] is getattr(package, name), name\n"
        "    assert name in dir(package), name\n"
        f"    assert not {{'cattrs', *{_CLI_ONLY!r}}} & set(sys.modules), name\n"
        "assert len(names) > 30\n"
    )


def test_star_import_brings_every_public_name() -> None:
    _run_fresh(
        "import gradient_evals\n"
        "namespace = {}\n"
        "exec('from gradient_evals import *', namespace)\n"
        "missing = set(gradient_evals.__all__) - set(namespace)\n"
        "assert not missing, missing\n"
        "assert namespace['AsyncGradientEvals'] is gradient_evals.AsyncGradientEvals\n"
        "assert namespace['types'] is gradient_evals.types\n"
    )


def test_public_surface_is_short_and_sorted() -> None:
    names = list(gradient_evals.__all__)
    assert names == sorted(names)
    # Models live in `gradient_evals.types`, not at the top level.
    assert not {"EvaluationRun", "ResultsPage", "SpanCommon", "JSONValue", "EvaluationRunsPage"} & set(names)
    assert "types" in names


def test_models_import_from_types() -> None:
    from gradient_evals import types

    assert types.EvaluationRun.__module__ == "gradient_evals.types.evaluation_runs"
    assert types.PageMeta.__module__ == "gradient_evals.types._shared"
    assert sorted(types.__all__) == types.__all__
    for name in types.__all__:
        assert getattr(types, name) is not None, name
    assert set(types.__all__) <= set(dir(types))
    with pytest.raises(AttributeError, match="NoSuchModel"):
        types.NoSuchModel  # type: ignore[attr-defined]  # noqa: B018


def test_types_hold_only_what_the_api_sends() -> None:
    from gradient_evals import results, types

    assert not set(results.__all__) & set(types.__all__)
    assert results.__all__ == sorted(results.__all__)
    for name in results.__all__:
        assert getattr(results, name).__module__.startswith("gradient_evals.workflows."), name
    for name in types.__all__:
        value = getattr(types, name)
        if attrs.has(value) or (isinstance(value, type) and issubclass(value, enum.Enum)):  # not the aliases
            assert value.__module__.startswith("gradient_evals.types."), name


def test_typing_module_names_what_users_annotate_with() -> None:
    import typing

    from gradient_evals import typing as ge_typing

    assert ge_typing.__all__ == [
        "Baseline",
        "DatasetInput",
        "ExportFormat",
        "OnEvaluationProgress",
        "OnProgress",
        "OnUpdate",
        "Timeout",
    ]
    assert typing.get_args(ge_typing.ExportFormat) == ("jsonl", "csv")


def _loaded_by_the_dependencies() -> set[str]:
    """What importing the SDK's own dependencies loads here: httpx imports rich when click is installed (its
    command line), which is this environment's doing, not the SDK's."""
    code = "import sys, httpx, attrs, cattrs, anyio, tenacity; print(' '.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    return set(result.stdout.split())


_CLI_ONLY = sorted({"rich", "jinja2"} - _loaded_by_the_dependencies())
"""The command line's and the HTML report's dependencies that nothing else has loaded."""


def test_import_does_not_load_the_command_line_dependencies() -> None:
    # rich and jinja2 serve the command line and the report renderers only: the SDK must not pay for them.
    assert "jinja2" in _CLI_ONLY, "nothing in the SDK's dependencies imports jinja2"
    code = (
        "import sys, gradient_evals\n"
        "from gradient_evals import results\n"
        "from gradient_evals.workflows import report\n"
        "results.EvaluationReport\n"
        f"for name in {_CLI_ONLY!r}:\n"
        "    assert name not in sys.modules, name\n"
        "assert 'gradient_evals.reports.html' not in sys.modules\n"
        "import gradient_evals.reports.markdown, gradient_evals.reports.junit\n"
        f"assert not set({_CLI_ONLY!r}) & set(sys.modules)\n"
    )
    _run_fresh(code)


def test_each_name_has_one_home() -> None:
    # The package was never released with the models at the top level or the results in `types`: no alias of an
    # old home exists to keep.
    from gradient_evals import results, types

    for name in ("EvaluationRun", "RunSummary", "RateLimitInfo", "AsyncResultsIterator"):
        assert not hasattr(gradient_evals, name), name
    assert not hasattr(types, "EvaluationReport")
    assert not any(hasattr(results.EvaluationReport, m) for m in ("to_junit_xml", "to_markdown", "to_html"))
