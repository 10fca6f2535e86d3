"""Every failure the SDK raises on purpose is a ``GradientEvalsError``: an argument it refuses is an
``InvalidArgumentError`` (a ``ValueError``) or an ``ArgumentTypeError`` (a ``TypeError``), a client or stream used
out of turn a ``ClientStateError`` (a ``RuntimeError``). ``except GradientEvalsError`` catches all of them, and
``except ValueError`` still catches what it always did.

The source is read, so a new ``raise ValueError(...)`` fails here without a test of its own. The emulator
(``gradient_evals.testing``) is left out: its errors are a test double's, raised at the test that seeds it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gradient_evals
from gradient_evals import (
    ArgumentTypeError,
    AsyncGradientEvals,
    ClientStateError,
    GradientEvalsError,
    InvalidArgumentError,
)

PACKAGE = Path(gradient_evals.__file__).parent
BUILTIN_FAILURES = {"ValueError", "TypeError", "RuntimeError", "OSError", "Exception", "LookupError"}


def _builtin_raises() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "testing":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(raised, ast.Name) and raised.id in BUILTIN_FAILURES:
                    found.append(f"{relative}:{node.lineno}: raise {raised.id}")
    return found


def test_the_package_raises_no_bare_builtin_failure() -> None:
    found = _builtin_raises()
    assert not found, "raise a GradientEvalsError subclass instead:\n  " + "\n  ".join(found)


def test_the_scan_sees_a_bare_raise(tmp_path: Path) -> None:
    tree = ast.parse("def f():\n    raise ValueError('x')\n")
    [node] = [n for n in ast.walk(tree) if isinstance(n, ast.Raise)]
    assert isinstance(node.exc, ast.Call)
    assert isinstance(node.exc.func, ast.Name)
    assert node.exc.func.id in BUILTIN_FAILURES


def test_argument_errors_are_both_the_sdks_and_the_builtin_kind() -> None:
    assert issubclass(InvalidArgumentError, GradientEvalsError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(ArgumentTypeError, GradientEvalsError)
    assert issubclass(ArgumentTypeError, TypeError)


@pytest.mark.anyio
async def test_a_refused_argument_is_caught_as_a_gradient_evals_error(client: AsyncGradientEvals) -> None:
    with pytest.raises(InvalidArgumentError, match="evaluation_run_uuid"):
        await client.evaluation_runs.retrieve("not-a-uuid")
    with pytest.raises(GradientEvalsError):
        await client.evaluation_runs.list_results("6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f", per_page=0)
    with pytest.raises(ArgumentTypeError, match="http_client"):
        AsyncGradientEvals("tok", http_client=object())  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_stream_used_out_of_turn_is_a_client_state_error(client: AsyncGradientEvals) -> None:
    stream = client.evaluation_runs.stream_results("6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f")
    with pytest.raises(ClientStateError, match="async with"):
        async for _ in stream:
            pass
