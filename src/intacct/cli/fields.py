"""``intacct query`` without ``--fields`` on a terminal: the fields people look at
first, as many as fit the terminal's width, each record on one line.

The candidates, in this order, are the ones the object has (from ``lookup``): its
business id (VENDORID, ACCOUNTNO...) or RECORDNO, document numbers and the party,
names, status, amounts, dates, WHENMODIFIED; objects none of these fit get their first
fields. Only the candidates are asked for (a smaller answer); the table keeps, in that
order, those that have a value and fit, and says how many fields it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from intacct.client.metadata import ObjectModel
from intacct.client.registry import ObjectInfo

__all__ = ["MAX_WIDTH", "candidates", "fitting"]

#: a text column is cut (…) beyond this many characters, so one long description
#: does not push every other field off the screen
MAX_WIDTH = 32
_PREFERRED = (
    "RECORDID", "DOCNUMBER", "BATCHNO", "LINE_NO",
    "VENDORID", "CUSTOMERID", "EMPLOYEEID", "ACCOUNTNO",
    "NAME", "TITLE", "VENDORNAME", "CUSTOMERNAME", "BATCH_TITLE", "DESCRIPTION", "MEMO",
    "STATUS", "STATE", "ACCOUNTTYPE",
    "TOTALENTERED", "TOTALDUE", "TOTALPAID", "AMOUNT", "TRX_AMOUNT",
    "WHENCREATED", "WHENPOSTED", "WHENDUE", "BATCH_DATE", "ENTRY_DATE",
    "WHENMODIFIED",
)  # fmt: skip
_AT_LEAST = 4


def candidates(model: ObjectModel) -> list[str]:
    """The fields to ask for, most telling first."""
    info = ObjectInfo.from_model(model)
    names = [f.name for f in model.fields if "." not in f.name]
    first = [info.id_field or info.key_field or ""]
    out = [n for n in dict.fromkeys([*first, *_PREFERRED]) if n in names]
    if len(out) < _AT_LEAST:
        out += [n for n in names if n not in out][: _AT_LEAST * 2 - len(out)]
    return out


def fitting(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    width: int,
    measure: Callable[[Sequence[str]], int],
) -> list[str]:
    """The columns, in order, that have a value in some row and fit ``width`` together
    (``measure``: the table's width with those columns); one that does not fit is
    skipped, smaller ones after it may still be kept."""
    kept: list[str] = []
    for column in columns:
        if any(row.get(column) for row in rows) and measure([*kept, column]) <= width:
            kept.append(column)
    return kept
