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
        "assert 'cattrs' not in sys.modules\n"
        "from gradient_evals import GradientEvals, SyncPager\n"
        "assert GradientEvals.__module__ == 'gradient_evals._sync'\n"
        "assert gradient_evals.SyncPager is SyncPager\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
