"""The Python API's argument names said as the command line's options, for messages that reach a shell user.

The SDK's checks name the keyword argument at fault (``agent_uuids: 'x' is not a UUID``), which is right for a
Python caller and wrong on a command line, where the user typed ``--agent x``. Commands that pass their options
straight to one SDK call run it inside :func:`speaking_flags`, which re-words the argument errors it raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Final

from .._exceptions import APIError, ConfigurationError
from ._context import EXIT_USAGE, CommandError
from ._settings_flags import SETTING_FLAGS

__all__ = ["FLAGS", "in_flag_words", "speaking_flags"]

FLAGS: Final[dict[str, str]] = {
    **SETTING_FLAGS,
    "agent_uuids": "--agent",
    "star_metric.success_threshold_pct": "--threshold-pct",
    "star_metric.success_threshold": "--threshold",
    "star_metric.metric_uuid": "--star-metric",
    "star_metric.name": "--star-metric",
    "test_case_uuid": "--test-case",
    "dataset_uuid": "--dataset",
    "workspace_uuid": "--workspace",
}
"""Keyword argument (or field of one) -> the option that sets it: every evaluation setting's, and more."""

# Names with an underscore or a dot are never English words, so they are replaced wherever they stand alone.
# `metrics`, `baseline`, `repeats` and `quarantine` are: they are replaced only where they name an argument, as
# `metrics=` or `baseline:` at the start of the message.
_NAMES: Final = sorted((n for n in FLAGS if "_" in n or "." in n), key=len, reverse=True)
_ARGUMENT: Final = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, _NAMES)) + r")(?![\w.])")
_KEYWORD: Final = re.compile(r"(?<![\w.-])(metrics|baseline|star_metric|test_case)=(?!\w)")
_LEADING: Final = re.compile(r"^(metrics|baseline|repeats|quarantine):")
# `agents` (names or UUIDs) and `metrics` are English words too: replaced as an indexed argument, `agents[0]: ...`.
_INDEXED: Final = {"agents": "--agent", "metrics": "--metric"}
_ITEM: Final = re.compile(r"(?<![\w.-])(agents|metrics)\[\d+\]")


def in_flag_words(message: str, options: Mapping[str, str] = FLAGS) -> str:
    """``message`` with every Python argument name it uses replaced by the option that sets it.

    ``options`` maps the argument names of :data:`FLAGS` to the options of the command at hand, where one differs.
    """
    message = _KEYWORD.sub(lambda m: options[m.group(1)], message)
    message = _LEADING.sub(lambda m: options[m.group(1)] + ":", message)
    message = _ITEM.sub(lambda m: _INDEXED[m.group(1)], message)
    return _ARGUMENT.sub(lambda m: options[m.group(1)], message)


@contextmanager
def speaking_flags(renamed: Mapping[str, str] | None = None) -> Iterator[None]:
    """Re-word the argument errors (``ValueError``, ``TypeError``) of the SDK calls inside as a usage error (2).

    ``renamed`` gives the options of a command whose options are not named as :data:`FLAGS` says (``runs create``
    takes the run's name as ``--name``: ``{"run_name": "--name"}``). API errors and the client's configuration
    errors pass through unchanged: they are not about an option.
    """
    options = {**FLAGS, **(renamed or {})}
    try:
        yield
    except (ValueError, TypeError) as exc:
        if isinstance(exc, APIError | ConfigurationError | UnicodeError):
            raise
        raise CommandError(f"invalid argument: {in_flag_words(str(exc), options)}", EXIT_USAGE) from None
