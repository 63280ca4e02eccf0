"""Reading the tables the ``intacct`` commands print (rich, no vertical rules)."""

from __future__ import annotations

import re

_CELL = re.compile(r"\S+(?: \S+)*")  # words with single spaces; columns are 2+ apart
#: the columns of words, not figures (the dry run's "read", or its "error"): they wrap too
_TEXT = {"read", "error"}


def table(out: str) -> dict[str, dict[str, str]]:
    """A printed table as {first cell: {heading: cell}} (empty cells ""): the line
    starting with ``object`` heads it, a rule follows, rows until ``all`` (the totals).
    A cell belongs to the heading it overlaps (numbers end under theirs, text starts);
    a heading may begin on the line above (right-aligned: "API" ending where
    "transactions" ends).
    A line with a name alone goes on the name above (a long name wraps after an
    underscore, its figures on its first line), and its words on the words above (the
    dry run's "read" wraps too)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("object "))
    headings = {m.end(): m.group() for m in _CELL.finditer(lines[start])}
    above = list(_CELL.finditer(lines[start - 1])) if start else []
    if above and all(m.end() in headings for m in above):  # "API" over "transactions"
        for m in above:
            headings[m.end()] = f"{m.group()} {headings[m.end()]}"
    spans = [(m.start(), m.end()) for m in _CELL.finditer(lines[start])]
    columns = [(a, b, headings[b]) for a, b in spans]
    rows: list[dict[str, str]] = []
    for line in lines[start + 2 :]:  # after the rule
        row = {name: "" for _, _, name in columns}
        for cell in _CELL.finditer(line):
            overlap = [min(cell.end(), b) - max(cell.start(), a) for a, b, _ in columns]
            row[columns[overlap.index(max(overlap))][2]] = cell.group()
        if rows and not any(row[name] for _, _, name in columns[1:] if name not in _TEXT):
            rows[-1]["object"] += row["object"]
            for name in _TEXT & row.keys():  # the text of the row above, wrapped
                rows[-1][name] = " ".join(filter(None, (rows[-1][name], row[name])))
        else:
            rows.append(row)
        if row["object"] == "all":  # the totals end it (a caption as wide may follow)
            break
    return {row["object"]: row for row in rows}
