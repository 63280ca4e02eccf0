"""Reading the tables the ``intacct`` commands print (rich, no vertical rules)."""

from __future__ import annotations

import re

_CELL = re.compile(r"\S+(?: \S+)*")  # words with single spaces; columns are 2+ apart


def table(out: str) -> dict[str, dict[str, str]]:
    """A printed table as {first cell: {heading: cell}} (empty cells ""): the line
    starting with ``object`` heads it, a rule follows, rows until the indented caption.
    A cell belongs to the heading it overlaps (numbers end under theirs, text starts)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("object "))
    headings = [(m.start(), m.end(), m.group()) for m in _CELL.finditer(lines[start])]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line[:1].strip():  # the caption is indented
            break
        row = {name: "" for _, _, name in headings}
        for cell in _CELL.finditer(line):
            overlap = [min(cell.end(), b) - max(cell.start(), a) for a, b, _ in headings]
            row[headings[overlap.index(max(overlap))][2]] = cell.group()
        rows[row["object"]] = row
    return rows
