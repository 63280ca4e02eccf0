"""The user's documentation as the tests read it: the README and the guide's pages
under docs/ (mkdocs.yml's nav), a named section of a page, and its code blocks. A test
that runs a documented command reads it from where the docs keep it, so the command a
user copies is the command that ran."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "DOCS",
    "FENCE",
    "GUIDE",
    "README",
    "ROOT",
    "blocks",
    "headings",
    "page",
    "section",
    "shell_block",
    "shell_blocks",
]

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: the user's guide (mkdocs.yml's nav but the internals: ARCHITECTURE, engine, ...)
GUIDE = (
    "index.md",
    "getting-started.md",
    "sync.md",
    "rest-and-oauth.md",
    "notices.md",
    "history.md",
    "destinations.md",
    "tap-and-target.md",
    "fleet.md",
    "doctor-and-exploring.md",
    "library.md",
    "emulator.md",
    "configuration.md",
)
_HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$", re.M)
#: a fenced code block, indented ones (inside a list item) too
FENCE = re.compile(r"^\s*```.*?^\s*```[ \t]*$", re.M | re.S)


def page(name: str) -> str:
    """The text of ``README.md`` or of a page under docs/ (``"notices.md"``)."""
    path = README if name == "README.md" else DOCS / name
    return path.read_text(encoding="utf-8")


def headings(text: str) -> list[tuple[int, str, int]]:
    """(level, title, offset) of each heading of ``text``, code blocks left out."""
    fenced = [m.span() for m in FENCE.finditer(text)]
    return [
        (len(m[1]), m[2], m.start())
        for m in _HEADING.finditer(text)
        if not any(start <= m.start() < end for start, end in fenced)
    ]


def section(name: str, title: str, subsections: bool = False) -> str:
    """The section of page ``name`` under the heading ``title`` (exactly as written,
    without the #s), up to the next heading (``subsections``: the next of its level or
    above); an AssertionError naming the page when it has no such heading."""
    text = page(name)
    found = headings(text)
    starts = [(level, offset) for level, said, offset in found if said == title]
    assert len(starts) == 1, f"{name} has {len(starts)} headings {title!r}"
    (level, start), end = starts[0], len(text)
    for other, _, offset in found:
        if offset > start and (not subsections or other <= level):
            end = offset
            break
    return text[start:end]


def blocks(text: str, language: str) -> list[str]:
    """The code blocks of ``text`` fenced as ``language`` (```sh, ```py...), each as
    written, without its fences."""
    return re.findall(rf"^```{re.escape(language)}\n(.*?)^```", text, re.M | re.S)


#: a ```sh block, indented ones (inside a list item) too: its indent and its text
_SHELL = re.compile(r"^([ \t]*)```sh\n(.*?)^[ \t]*```", re.M | re.S)


def shell_blocks(text: str) -> dict[str, str]:
    """The ``sh`` blocks of ``text`` (a page), by their first line (stripped), each as
    written without its fences and indent: what a user copies."""
    found: dict[str, str] = {}
    for indent, body in _SHELL.findall(text):
        lines = [line.removeprefix(indent) for line in body.splitlines()]
        block = "\n".join(lines) + "\n"
        first = next(line.strip() for line in lines if line.strip())
        assert first not in found, f"two sh blocks begin {first!r}"
        found[first] = block
    return found


def shell_block(name: str, start: str) -> str:
    """The one ``sh`` block of page ``name`` whose first line starts with ``start``: an
    AssertionError naming the page when it has none or more (the docs changed it)."""
    found = [block for first, block in shell_blocks(page(name)).items() if first.startswith(start)]
    assert len(found) == 1, f"{name} has {len(found)} sh blocks beginning {start!r}"
    return found[0]
