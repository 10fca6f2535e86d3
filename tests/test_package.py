"""The package's public surface: every name in __all__ resolves, and the blocking facade loads on demand."""

from __future__ import annotations

import subprocess
import sys

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


@pytest.mark.parametrize("name", ["EvaluationRun", "ResultsPage", "RunSummary", "MetricResult", "SpanCommon"])
def test_old_top_level_model_names_still_work_with_a_deprecation_warning(name: str) -> None:
    from gradient_evals import types

    expected = rf"gradient_evals\.{name} is deprecated; import it from gradient_evals\.types"
    with pytest.warns(DeprecationWarning, match=expected):
        value = getattr(gradient_evals, name)
    assert value is getattr(types, name)


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
        "from gradient_evals import types\n"
        "from gradient_evals.workflows import report\n"
        "types.EvaluationReport\n"
        "assert 'rich' not in sys.modules, 'rich'\n"
        "assert 'jinja2' not in sys.modules, 'jinja2'\n"
        "assert 'gradient_evals.reports.html' not in sys.modules\n"
        "import gradient_evals.reports.markdown, gradient_evals.reports.junit\n"
        "assert 'jinja2' not in sys.modules and 'rich' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
