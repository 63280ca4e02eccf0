"""BENCHMARKS.md stays rerunnable: each section says how, where and when it was measured.

Issue 48 asks that a reader can rerun every figure. The rules, each failure naming its
section:

* a ``## `` section's header is its first paragraph (lines up to a blank line), after an
  optional ``History:`` paragraph; it has a line starting ``Command:``, one starting
  ``Machine:`` and one starting ``Run:`` (the form ``benchmarks/_report.write_section``
  writes). "Headline figures" is the summary, not a measurement, and has none;
* every ``benchmarks/<x>.py`` the ``Command:`` entry names exists;
* every ``(#anchor)`` link names a ``## `` section (anchors as GitHub makes them);
* every number in a headline figure (the figure itself if it has none) appears verbatim
  in the section its row links to, so a section rewritten by its command fails here
  until its headline rows are updated.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "BENCHMARKS.md"
HEADLINE = "Headline figures"
KEYS = ("Command:", "Machine:", "Run:")
#: a number as the sections write it: 7.5, 1,042.7, 213 (not the 99 of p99)
NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
LINK = re.compile(r"\[[^\]]*\]\(#([^)]+)\)")


def sections() -> dict[str, str]:
    """Each ``## `` title and its text, up to the next ``## `` heading."""
    parts = re.split(r"^## (.+)\n", REPORT.read_text(), flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def anchor(title: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def header(body: str) -> list[str]:
    paragraphs = re.split(r"\n\s*\n", body.strip())
    if paragraphs[0].startswith("History:"):
        paragraphs = paragraphs[1:]
    return paragraphs[0].splitlines() if paragraphs else []


def command(lines: list[str]) -> str:
    """The ``Command:`` entry: its line and those continuing it."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Command:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(KEYS)), len(lines))
    return "\n".join(lines[start:end])


def headline_rows() -> list[tuple[str, str]]:
    """(figure, anchor) of each row of the headline table."""
    rows = [line for line in sections()[HEADLINE].splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]
    assert cells, "the headline table has no rows"
    return [(row[0], link(row[2])) for row in cells]


def link(cell: str) -> str:
    found = LINK.search(cell)
    return found.group(1) if found else ""


def appears(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?!\d|[.,]\d)", text) is not None


def test_every_section_says_its_command_machine_and_run() -> None:
    missing = {
        title: [key for key in KEYS if not any(line.startswith(key) for line in header(body))]
        for title, body in sections().items()
        if title != HEADLINE
    }
    assert not {title: keys for title, keys in missing.items() if keys}


def test_every_script_a_command_names_exists() -> None:
    absent = {
        title: script
        for title, body in sections().items()
        if title != HEADLINE and any(line.startswith("Command:") for line in header(body))
        for script in re.findall(r"(?<![\w/])benchmarks/[\w/]+\.py", command(header(body)))
        if not (ROOT / script).is_file()
    }
    assert not absent


def test_every_link_names_a_section() -> None:
    anchors = {anchor(title) for title in sections()}
    broken = {
        (title, target)
        for title, body in sections().items()
        for target in LINK.findall(body)
        if target not in anchors
    }
    assert not broken


def test_every_headline_figure_is_in_its_section() -> None:
    by_anchor = {anchor(title): body for title, body in sections().items()}
    absent = [
        (figure, target, number)
        for figure, target in headline_rows()
        for number in NUMBER.findall(figure) or [figure]
        if not appears(number, by_anchor.get(target, ""))
    ]
    assert not absent
