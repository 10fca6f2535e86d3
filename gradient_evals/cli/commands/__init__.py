"""The commands of ``gradient-evals``, one module per resource or tool.

Each module exposes ``register(commands)``, which adds its commands to the top-level subparsers with
:func:`~gradient_evals.cli._args.add_command` (or a group of them with ``add_group``); each command's handler
takes a :class:`~gradient_evals.cli._context.Context` and returns an exit code. A new module is registered with one
line in :data:`COMMAND_MODULES` (in the order ``--help`` lists them).
"""

from __future__ import annotations

import importlib
from typing import Final

from .._args import Subcommands

__all__ = ["COMMAND_MODULES", "register_all"]

COMMAND_MODULES: Final = (
    "demo",
    "emulator",
    "evaluate",
    "init",
    "metrics",
    "runs",
    "test_cases",
    "datasets",
    "agents",
    "models",
)


def register_all(commands: Subcommands) -> None:
    """Add every command module's commands to ``commands``."""
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(commands)
