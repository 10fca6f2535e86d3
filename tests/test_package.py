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


def test_import_does_not_load_the_blocking_facade_until_asked() -> None:
    code = (
        "import sys, gradient_evals\n"
        "assert 'gradient_evals._sync' not in sys.modules\n"
        "assert 'gradient_evals._loop' not in sys.modules\n"
        "assert 'anyio.from_thread' not in sys.modules\n"
        "assert 'asyncio' not in sys.modules, 'asyncio is loaded by the loop that runs the client, not by the import'\n"
        "assert 'cattrs' not in sys.modules\n"
        "from gradient_evals import GradientEvals, SyncPager\n"
        "assert GradientEvals.__module__ == 'gradient_evals._sync'\n"
        "assert gradient_evals.SyncPager is SyncPager\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr


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


@pytest.mark.parametrize("name", ["EvaluationRun", "ResultsPage", "MetricResult", "SpanCommon"])
def test_old_top_level_model_names_still_work_with_a_deprecation_warning(name: str) -> None:
    from gradient_evals import types

    expected = rf"gradient_evals\.{name} is deprecated; import it from gradient_evals\.types"
    with pytest.warns(DeprecationWarning, match=expected):
        value = getattr(gradient_evals, name)
    assert value is getattr(types, name)


@pytest.mark.parametrize("name", ["RunSummary", "Verdict", "RunComparison", "MetricSummary"])
def test_old_top_level_result_names_point_to_their_new_home(name: str) -> None:
    from gradient_evals import results

    expected = rf"gradient_evals\.{name} is deprecated; import it from gradient_evals\.results"
    with pytest.warns(DeprecationWarning, match=expected):
        value = getattr(gradient_evals, name)
    assert value is getattr(results, name)


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


@pytest.mark.parametrize("name", ["EvaluationReport", "AgentResult", "GateResult", "RunSummary", "Verdict"])
def test_results_imported_from_types_warn_for_one_release(name: str) -> None:
    from gradient_evals import results, types

    expected = rf"gradient_evals\.types\.{name} is deprecated; import it from gradient_evals\.results"
    with pytest.warns(DeprecationWarning, match=expected):
        value = getattr(types, name)
    assert value is getattr(results, name)


@pytest.mark.parametrize(("module", "name"), [("reports", "EvaluationReport"), ("summaries", "RunComparison")])
def test_results_imported_from_the_old_types_modules_warn(module: str, name: str) -> None:
    import importlib

    from gradient_evals import results

    old = importlib.import_module(f"gradient_evals.types.{module}")
    with pytest.warns(DeprecationWarning, match=rf"gradient_evals\.types\.{module}\.{name} is deprecated"):
        value = getattr(old, name)
    assert value is getattr(results, name)
    with pytest.raises(AttributeError, match="NoSuchThing"):
        old.NoSuchThing  # noqa: B018


def test_old_results_iterator_alias_warns() -> None:
    with pytest.warns(DeprecationWarning, match="AsyncResultsIterator is deprecated"):
        alias = gradient_evals.AsyncResultsIterator  # type: ignore[attr-defined]
    assert alias.__origin__ is gradient_evals.AsyncPager


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


def test_import_does_not_load_the_command_line_dependencies() -> None:
    # rich and jinja2 serve the command line and the report renderers only: the SDK must not pay for them.
    code = (
        "import sys, gradient_evals\n"
        "from gradient_evals import results\n"
        "from gradient_evals.workflows import report\n"
        "results.EvaluationReport\n"
        "assert 'rich' not in sys.modules, 'rich'\n"
        "assert 'jinja2' not in sys.modules, 'jinja2'\n"
        "assert 'gradient_evals.reports.html' not in sys.modules\n"
        "import gradient_evals.reports.markdown, gradient_evals.reports.junit\n"
        "assert 'jinja2' not in sys.modules and 'rich' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr


def test_rate_limit_info_is_deprecated_and_names_what_replaces_it() -> None:
    from gradient_evals._responses import RateLimitInfo

    assert "RateLimitInfo" not in gradient_evals.__all__
    with pytest.warns(DeprecationWarning, match=r"gradient_evals\.RateLimitInfo is deprecated; .*client\.rate_limit"):
        value = gradient_evals.RateLimitInfo  # type: ignore[attr-defined]
    assert value is RateLimitInfo
