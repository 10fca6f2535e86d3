"""Finding one thing of the account by the name people call it (an agent, a test case).

A UUID is used as it is (the API says whether it exists); anything else is a name, matched first exactly, else
ignoring case, among ``(name, uuid)`` pairs listed once. No match, or several, is a :class:`NameMatchError`
listing the candidates, raised before anything that needed the UUID is sent.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Sequence
from typing import Final

from .._exceptions import ArgumentTypeError, GradientEvalsError, InvalidArgumentError
from .._validation import check_uuid

__all__ = ["NameMatchError", "known_uuid", "looks_like_uuid", "match_name"]

_SHOWN: Final = 10
"""Candidates an error lists at most: an account may have hundreds of them, a message should stay readable."""


class NameMatchError(GradientEvalsError, ValueError):
    """A name matched nothing, or several things: a usage error, raised before anything is sent.

    ``name`` is the name as given; ``candidates`` what it may have meant, as ``(name, uuid)`` pairs (the matches
    when it is ambiguous, the closest names when nothing matched).
    """

    def __init__(self, message: str, *, name: str, candidates: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.name = name
        self.candidates = tuple(candidates)


def looks_like_uuid(text: str) -> bool:
    """True when ``text`` is meant as a UUID (even a malformed or quoted one) rather than a name."""
    try:
        uuid.UUID(text.strip().strip("\"'"))
    except ValueError:
        return False
    return True


def _listed(pairs: Sequence[tuple[str, str]]) -> str:
    shown = ", ".join(f"{name!r} ({uuid_})" for name, uuid_ in pairs[:_SHOWN])
    more = len(pairs) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def known_uuid(ref: object, where: str, kind: str) -> str | None:
    """The UUID ``ref`` gives, ``None`` for a name of a ``kind``; a typed error for anything else.

    A UUID in literal quotes counts as a UUID, so that :func:`check_uuid` says what is wrong with it.
    """
    if isinstance(ref, uuid.UUID) or (isinstance(ref, str) and looks_like_uuid(ref)):
        return check_uuid(ref, where)
    a_kind = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    if not isinstance(ref, str):
        raise ArgumentTypeError(f"{where} must be {a_kind} name or UUID, got {type(ref).__name__}")
    if not ref.strip():
        raise InvalidArgumentError(f"{where}: {a_kind} name must not be empty")
    return None


def match_name(
    named: Sequence[tuple[str, str]], name: str, argument: str, *, kind: str, error: type[NameMatchError]
) -> str:
    """The UUID of the one ``(name, uuid)`` pair of ``named`` called ``name``, else ``error``.

    ``kind`` is what the pairs name (``"agent"``, ``"test case"``): the message says ``no agent is called ...``.
    """
    wanted = name.strip()
    found = [pair for pair in named if pair[0] == wanted]
    if not found:
        key = wanted.casefold()
        found = [pair for pair in named if pair[0].casefold() == key]
    if len(found) == 1:
        return found[0][1]
    if found:
        raise error(
            f"{argument}: {len(found)} {kind}s are called {name!r}: {_listed(found)}; pass the UUID of the one meant",
            name=name,
            candidates=found,
        )
    by_key = {pair[0].casefold(): pair for pair in named}
    close = [by_key[key] for key in difflib.get_close_matches(wanted.casefold(), list(by_key), n=_SHOWN, cutoff=0.5)]
    hint = (
        f"close matches: {_listed(close)}"
        if close
        else f"the {kind}s are: {_listed(list(named))}"
        if named
        else f"the account has no {kind}s"
    )
    raise error(f"{argument}: no {kind} is called {name!r} ({hint})", name=name, candidates=close)
