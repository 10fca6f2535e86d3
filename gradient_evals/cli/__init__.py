"""The ``gradient-evals`` command line (``python -m gradient_evals`` does the same).

Layers, each importing only the ones before it:

- ``_render``: escaping of untrusted text, tables, JSON, progress lines;
- ``_views``: runs, prompt results, summaries and comparisons as text;
- ``_context``: the exit codes, :class:`CommandError`, the context a command runs in (with its typed client);
- ``_args``: argument types, option groups, ``add_command``/``add_group``;
- ``_settings_flags``: which flag of ``evaluate`` sets which field of ``EvaluationSettings``;
- ``_flags``: the SDK's argument names said as the options that set them, in error messages;
- ``commands/<name>.py``: one module per resource or tool, each with ``register(commands)``, listed in
  ``commands/__init__.py``;
- ``_app``: the top-level parser, ``main``, and the mapping of failures to exit codes.
"""

from ._app import main

__all__ = ["main"]
