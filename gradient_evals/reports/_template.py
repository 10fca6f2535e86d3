"""The Jinja2 environment the HTML report renders with: autoescaping, and one sanitiser for every printed value."""

from __future__ import annotations

import jinja2
import markupsafe

from ._format import clean

__all__ = ["template_environment"]


def _finalize(value: object) -> object:
    # Every value the template prints goes through the one sanitiser, whatever field it came from.
    if isinstance(value, markupsafe.Markup) or not isinstance(value, str):
        return value
    return clean(value)


def template_environment() -> jinja2.Environment:
    """The Jinja2 environment of the HTML report: every value escaped and cleaned, undefined names an error."""
    return jinja2.Environment(
        finalize=_finalize,
        loader=jinja2.PackageLoader("gradient_evals.reports", "templates"),
        autoescape=True,  # every value is escaped; the template marks nothing safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
