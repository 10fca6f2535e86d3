"""The access token's own check: refused before any request when it could not travel in an HTTP header."""

from __future__ import annotations

from ._exceptions import ArgumentTypeError, ConfigurationError

__all__ = ["check_access_token"]


def check_access_token(token: object, variable: str) -> str:
    """The access token, refused before any request when it could not travel in an HTTP header; ``variable``
    names the environment variable it may come from.

    Messages never quote the token: at most the position and code point of the one character that is wrong.
    """
    if token is None or (isinstance(token, str) and not token.strip()):
        raise ConfigurationError(f"no access token: pass access_token=... or set the {variable} environment variable")
    if not isinstance(token, str):
        raise ArgumentTypeError(f"access_token must be a string, got {type(token).__name__}")
    for position, char in enumerate(token):
        if char.isspace():
            raise ConfigurationError(
                f"the access token must be a single word; it has white space at position {position}"
            )
        if not (char.isascii() and char.isprintable()):
            # A pasted smart quote or a stray control character: only printable ASCII goes into a header.
            raise ConfigurationError(
                "the access token must be printable ASCII; it has U+"
                f"{ord(char):04X} at position {position} (a quote or character pasted with it?)"
            )
    return token
