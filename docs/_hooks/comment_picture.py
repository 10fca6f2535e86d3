"""Draws docs/pull-request-comment.svg: the pull request comment of the demo's evaluation, as GitHub shows it.

Run from the repository root (``python docs/_hooks/comment_picture.py``). The comment is the one
``evaluate --github-comment`` posts for the demo's evaluation (``gradient-evals demo``: two agents, the second
regressed on correctness) against the local emulator, laid out by a small renderer of the Markdown the summary
uses (headings, paragraphs, lists, tables, bold and code spans); the hidden marker is not shown, as on GitHub.
Not part of the docs build: mkdocs only runs the hooks mkdocs.yml lists.
"""

from __future__ import annotations

import html
import re
import sys
import tempfile
from importlib import resources
from pathlib import Path

from gradient_evals import GradientEvals
from gradient_evals.cli.commands import demo
from gradient_evals.integrations.github_body import comment_body, comment_marker
from gradient_evals.testing import FakeGradientServer

OUT = Path("docs/pull-request-comment.svg")
WIDTH = 960
PAD = 16
CHAR = 7.0  # mean advance of a 13 px sans-serif character (DejaVu Sans is wide)
LINE = 22


def demo_comment() -> str:
    """The comment body of the demo's second evaluation (a regression)."""
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / demo.DATASET_FILE
        dataset.write_bytes(resources.files("gradient_evals.cli").joinpath("data", demo.DATASET_FILE).read_bytes())
        settings = {
            "dataset": dataset,
            "test_case": demo.TEST_CASE,
            "agent_uuids": list(demo.DEMO_AGENTS),
            "metrics": list(demo.METRICS),
            "star_metric": demo.STAR_METRIC,
            "star_threshold_pct": demo.STAR_THRESHOLD_PCT,
            "fail_under": demo.FAIL_UNDER,
            "max_regression": demo.MAX_REGRESSION,
            "poll_interval": 0.05,
        }
        with FakeGradientServer(seed=1, run_duration=0.3) as server:
            for agent in demo.DEMO_AGENTS:
                server.set_agent_profile(agent, quality=demo.QUALITY)
            with GradientEvals(server.token, base_url=server.base_url) as client:
                client.evaluate(**settings, run_name="last week", baseline=None)
                server.set_agent_profile(
                    demo.DEMO_AGENTS[1], quality=demo.QUALITY, metrics={"correctness": demo.REGRESSED_CORRECTNESS}
                )
                report = client.evaluate(**settings, run_name="tonight", baseline="latest")
    marker = comment_marker("gradient-evals.toml", [])
    return comment_body(marker, report, reports_url="https://github.com/octo-org/support-bot/actions/runs/1")


_INLINE = re.compile(r"(\*\*.+?\*\*|`[^`]*`|\[[^\]]*\]\([^)]*\))")
_ESCAPED = re.compile(r"\\(.)")
_CROSS = '<tspan fill="#cf222e">\u2716</tspan>'
_CHECK = '<tspan fill="#1a7f37">\u2714</tspan>'


def _spans(text: str) -> list[tuple[str, str]]:
    """(style, text) pieces of one line: bold, code, link or plain, with Markdown's escapes undone."""
    pieces = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**"):
            pieces.append(("bold", _ESCAPED.sub(r"\1", part[2:-2])))
        elif part.startswith("`"):
            pieces.append(("code", part[1:-1]))
        elif part.startswith("["):
            pieces.append(("link", _ESCAPED.sub(r"\1", part[1 : part.index("]")])))
        else:
            pieces.append(("plain", _ESCAPED.sub(r"\1", part)))
    return pieces


def _text(x: float, y: float, line: str, size: int = 13, weight: str = "normal", limit: float = 1e9) -> str:
    """One line at (x, y); its pieces flow one after the other, and the line is cut (with an ellipsis) where its
    estimated width passes ``limit``."""
    out, room = [], (limit - x) / (CHAR * size / 13)
    for style, piece in _spans(line):
        if len(piece) > room:
            piece = piece[: max(0, int(room) - 1)] + "\u2026"
        room -= len(piece)
        attrs = {
            "bold": ' font-weight="600"',
            "code": ' font-family="DejaVu Sans Mono, monospace" fill="#57606a"',
            "link": ' fill="#0969da"',
        }.get(style, "")
        # The emoji of the heading, as marks the fonts at hand have.
        piece = html.escape(piece).replace("\u274c", _CROSS).replace("\u2705", _CHECK)
        out.append(f"<tspan{attrs}>{piece}</tspan>")
        if room <= 0:
            break
    return f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" xml:space="preserve">{"".join(out)}</text>'


def render(markdown: str) -> str:
    """The comment as an SVG: a GitHub-like comment box holding the Markdown's blocks."""
    body: list[str] = []
    y = 64
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("<!--") or not line.strip():
            i += 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip("|").split(" | ")]
                if not all(set(c) <= set("-:") for c in cells):
                    rows.append(cells)
                i += 1
            # A column is as wide as its widest cell; the header's cells are bold, so wider per character.
            widths = [
                max(len(_ESCAPED.sub(r"\1", r[c])) * (1.15 if n == 0 else 1) for n, r in enumerate(rows) if c < len(r))
                for c in range(len(rows[0]))
            ]
            scale = min(1.0, (WIDTH - 2 * PAD - 12 * len(widths)) / (CHAR * sum(widths)))
            for n, row in enumerate(rows):
                body.append(
                    f'<rect x="{PAD}" y="{y - 15}" width="{WIDTH - 2 * PAD}" height="{LINE}" '
                    f'fill="{"#f6f8fa" if n % 2 == 0 else "#ffffff"}" stroke="#d0d7de"/>'
                )
                x = PAD + 6
                for c, cell in enumerate(row):
                    limit = x + widths[c] * CHAR * scale + 6
                    body.append(_text(x, y, f"**{cell}**" if n == 0 else cell, size=12, limit=limit))
                    x = limit + 6
                y += LINE
            y += 8
            continue
        if line.startswith("#"):
            y += 6
            level = len(line) - len(line.lstrip("#"))
            size = 20 if level <= 2 else 15
            body.append(_text(PAD, y + 4, line.lstrip("# "), size=size, weight="600", limit=WIDTH - PAD))
            y += LINE + (12 if level <= 2 else 6)
        elif line.startswith("- "):
            body.append(f'<circle cx="{PAD + 6}" cy="{y - 4}" r="2" fill="#1f2328"/>')
            body.append(_text(PAD + 16, y, line[2:], limit=WIDTH - PAD))
            y += LINE
        else:
            body.append(_text(PAD, y, line, limit=WIDTH - PAD))
            y += LINE
        i += 1
    height = y + 8
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" fill="#1f2328">'
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" rx="6" fill="#ffffff" stroke="#d0d7de"/>'
        f'<path d="M0.5 6.5a6 6 0 0 1 6-6h{WIDTH - 13}a6 6 0 0 1 6 6v29.5h-{WIDTH - 1}z"'
        ' fill="#f6f8fa" stroke="#d0d7de"/>'
        '<text x="16" y="23" font-size="13" xml:space="preserve"><tspan font-weight="600">github-actions</tspan>'
        '<tspan fill="#57606a"> bot commented (edited)</tspan></text>'
    )
    return head + "".join(body) + "</svg>\n"


if __name__ == "__main__":
    comment = demo_comment()
    OUT.write_text(render(comment), encoding="utf-8")
    sys.stdout.write(comment)
