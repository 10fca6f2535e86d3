"""The reports of several suites as one file of each kind: the renderers of one report, put side by side.

- JUnit: one ``<testsuite>`` per suite and agent, named ``<suite> / <agent>``; a suite that could not run is one
  ``<testsuite>`` holding one ``<error>``.
- Markdown: one section per suite (``## Suite <name>``) holding that suite's summary one heading level down.
- HTML: one page, one ``<section>`` per suite holding that suite's page body; the styles are the single report's.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Protocol

from ..results import EvaluationReport
from ._answers import AnswersBudget
from ._format import clean, one_line, truncate

__all__ = ["SuiteReport", "SuitesDocument", "render_suites_html", "render_suites_junit", "render_suites_markdown"]

_MESSAGE_LIMIT = 300


class SuiteReport(Protocol):
    """A suite's name and its report, or the error that stopped it."""

    @property
    def name(self) -> str: ...

    @property
    def report(self) -> EvaluationReport | None: ...

    @property
    def error(self) -> Exception | None: ...


def _error_text(error: Exception | None) -> str:
    return "" if error is None else f"{type(error).__name__}: {error}"


def render_suites_junit(suites: Sequence[SuiteReport]) -> str:
    """One JUnit XML document over every suite."""
    from .junit import render_junit

    root = ET.Element("testsuites", name="gradient-evals suites")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for item in suites:
        if item.report is None:
            suite = ET.SubElement(root, "testsuite", name=one_line(item.name), tests="1", failures="0", errors="1")
            suite.set("skipped", "0")
            case = ET.SubElement(suite, "testcase", name="evaluate", classname=one_line(item.name), time="0")
            error = ET.SubElement(case, "error", message=truncate(_error_text(item.error), _MESSAGE_LIMIT))
            error.set("type", type(item.error).__name__ if item.error is not None else "error")
            error.text = clean(_error_text(item.error))
            totals["tests"] += 1
            totals["errors"] += 1
            continue
        single = ET.fromstring(render_junit(item.report))  # noqa: S314 - our own document, not input
        for suite in single.findall("testsuite"):
            suite.set("name", one_line(f"{item.name} / {suite.get('name', '')}"))
            for case in suite.iter("testcase"):
                case.set("classname", one_line(f"{item.name}.{case.get('classname', '')}"))
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
            total_time += float(suite.get("time", "0") or 0)
            root.append(suite)
    for index, suite in enumerate(root.findall("testsuite")):
        suite.set("id", str(index))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_suites_markdown(suites: Sequence[SuiteReport], *, answers: bool = True) -> str:
    """One Markdown summary with a section per suite; the answer blocks of every suite share one budget
    (``answers``: see :func:`~.markdown.render_markdown`)."""
    from .markdown import escape_markdown, markdown_within

    budget = AnswersBudget() if answers else None

    lines = ["# Evaluation suites", ""]
    for item in suites:
        verdict = "error" if item.report is None else ("passed" if item.report.passed else "FAILED")
        lines.append(f"- **{escape_markdown(item.name, 80)}**: {verdict}")
    lines.append("")
    for item in suites:
        lines += [f"## Suite {escape_markdown(item.name, 80)}", ""]
        if item.report is None:
            lines += [f"Could not run: {escape_markdown(_error_text(item.error), 500)}", ""]
            continue
        # One level down, so that each suite's own headings sit under its section.
        for line in markdown_within(item.report, budget).splitlines():
            lines.append("#" + line if line.startswith("#") else line)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_suites_html(suites: Sequence[SuiteReport], *, answers: int = 50) -> str:
    """One HTML page with a section per suite (each the body of that suite's own page); ``answers``: how many
    failed prompts of each suite show their answers."""
    from .html import render_html

    head = ""
    sections = []
    for item in suites:
        title = html.escape(clean(item.name))
        if item.report is None:
            message = html.escape(clean(_error_text(item.error)))
            sections.append(
                f'<section id="suite-{title}"><h1>Suite {title}</h1><p class="fail">{message}</p></section>'
            )
            continue
        page = render_html(item.report, answers=answers)
        # The page is our own template's output, every value in it escaped: its <head> and <body> tags are
        # the template's, never text from the API.
        if not head:
            head = page[page.index("<head>") + len("<head>") : page.index("</head>")]
            head = (
                head[: head.index("<title>")] + "<title>Evaluation suites</title>" + head[head.index("</title>") + 8 :]
            )
        body = page[page.index("<body>") + len("<body>") : page.rindex("</body>")]
        sections.append(f'<section id="suite-{title}"><p class="muted">Suite {title}</p>{body}</section>')
    if not head:
        head = '<meta charset="utf-8"><title>Evaluation suites</title>'
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>{head}</head>\n<body>\n'
        + "\n<hr>\n".join(sections)
        + "\n</body>\n</html>\n"
    )


class SuitesDocument:
    """Several suites' outcomes, to be rendered as one document of each kind."""

    def __init__(self, suites: Sequence[SuiteReport]) -> None:
        self.suites = tuple(suites)

    def junit_xml(self) -> str:
        """See :func:`render_suites_junit`."""
        return render_suites_junit(self.suites)

    def markdown(self) -> str:
        """See :func:`render_suites_markdown`."""
        return render_suites_markdown(self.suites)

    def html(self, *, answers: int = 50) -> str:
        """See :func:`render_suites_html`."""
        return render_suites_html(self.suites, answers=answers)
