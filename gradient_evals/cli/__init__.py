"""The ``gradient-evals`` command line (``python -m gradient_evals`` does the same)."""

from ._main import main

__all__ = ["main"]
