"""The ``gradient-evals`` command line (``python -m gradient_evals`` does the same).

Layers, each importing only the ones before it: ``_render`` (tables, progress, JSON, escaping of untrusted text),
``_context`` (exit codes, :class:`CommandError`, the context a command runs in), ``_args`` (argument types, option
groups, ``add_command``), ``commands/<name>.py`` (one module per resource or tool, each with a ``register``
function, listed in ``commands/__init__.py``), and ``_app`` (the top-level parser and ``main``).
"""

from ._app import main

__all__ = ["main"]
