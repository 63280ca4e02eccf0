"""Order entry, purchasing and inventory documents that agree with themselves.

The generic rows (:mod:`.generic`) give a document a definition the company has (its
DOCPARID names one of the definitions the catalog's ``seed.records`` set up: Sales
Order, Purchase Order...), a party, a total, and lines under it; the rest of their
fields are drawn each on its own. This makes them agree as Intacct's do:

* a header is numbered in its definition's sequence (DOCNO ``SO0001``, the sequence
  prefix then four digits [U]: the portal's examples show ``SO0023``), its id is the
  definition and number (DOCID ``Sales Order-SO0001``, as a create gets it:
  :mod:`~intacct.emulator.store.filled`, and as REST's ``id`` shows it), its class the
  definition's (DOCPARCLASS), its party's name the party's (CUSTVENDNAME), its
  subtotal and totals one amount (one currency, [U] no subtotal lines counted);
* a line shows its header's id (DOCHDRID), is numbered from 0 in its document
  (LINE_NO, as the portal's line example starts), and its value, a whole quantity
  times a price, is its share of the header's total: the lines add up to it.

Nothing here draws from the company's random stream: the drawn values are drawn as
before and overwritten, so every other object's rows stay as they were."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from intacct.emulator.catalog import Catalog, ObjectDef
from intacct.emulator.seed.common import Row, money, split

__all__ = ["Documents"]

#: a header's definition, number, id, class, party and party's name (Intacct's XML names)
DEFINITION, NUMBER, IDENT, CLASS = "DOCPARID", "DOCNO", "DOCID", "DOCPARCLASS"
PARTY, PARTY_NAME = "CUSTVENDID", "CUSTVENDNAME"
#: a definition's class and numbering sequence
DEFINITION_CLASS, SEQUENCE = "DOCCLASS", "SEQUENCE"
#: a header's amounts, all its total
TOTALS = ("SUBTOTAL", "TOTAL", "TRX_SUBTOTAL", "TRX_TOTAL")
#: a line's header id and number; its quantity, price and value fields
HEADER_ID, LINE_NO = "DOCHDRID", "LINE_NO"
QUANTITIES = ("QUANTITY", "UIQTY")
PRICES = ("PRICE", "UIPRICE", "TRX_PRICE")
VALUES = ("VALUE", "UIVALUE", "TRX_VALUE", "LINETOTAL", "TOTAL")
#: a line's quantity: 1 to this many (the last line's 1: it takes what the others leave)
MOST_UNITS = 5

#: the name of a party: its object and id -> its name (None: not known)
NameOf = Callable[[str, Any], Any]


@dataclass
class Documents:
    """The documents written so far: each header's id and total (its lines need them)
    and each definition's last number."""

    headers: dict[tuple[str, int], tuple[Any, Decimal | None]] = field(default_factory=dict)
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)

    def header(self, catalog: Catalog, obj: ObjectDef, row: Row, name_of: NameOf) -> None:
        """Make the header ``row`` of ``obj`` agree (no document: left as it is)."""
        definition = _definitions(catalog, obj).get(row.get(DEFINITION))
        if definition is None:
            return
        fields = obj.fields_by_name
        name = str(row[DEFINITION])
        number = self.numbers[obj.name, name] = self.numbers.get((obj.name, name), 0) + 1
        row[NUMBER] = f"{definition.get(SEQUENCE) or ''}{number:04d}"
        row[IDENT] = f"{name}-{row[NUMBER]}"
        if CLASS in fields:
            row[CLASS] = definition.get(DEFINITION_CLASS)
        party = obj.field(PARTY)
        if PARTY_NAME in fields and party is not None and party.ref:
            row[PARTY_NAME] = name_of(party.ref, row.get(PARTY))
        total = row.get("TOTAL")
        row.update({t: total for t in TOTALS if t in fields})
        self.headers[obj.name, int(row["RECORDNO"])] = (row[IDENT], total)

    def lines(self, obj: ObjectDef, key: int, rows: list[Row]) -> None:
        """Make the lines ``rows`` of the header ``key`` agree with it (no document's
        lines: left as they are)."""
        found = self.headers.get((obj.parent or "", key))
        if found is None:
            return
        ident, total = found
        fields = obj.fields_by_name
        for n, row in enumerate(rows):
            row.update({f: v for f, v in ((HEADER_ID, ident), (LINE_NO, n)) if f in fields})
        if total is not None and rows and "QUANTITY" in fields:
            _share(fields, rows, int(total * 100))


def _definitions(catalog: Catalog, obj: ObjectDef) -> Mapping[Any, Mapping[str, Any]]:
    """The definitions a header of ``obj`` may name, by id: those its definition
    object is seeded with (none: ``obj`` is no document header)."""
    ref = obj.field(DEFINITION)
    if ref is None or not ref.ref or ref.ref not in catalog:
        return {}
    params = catalog[ref.ref]
    records = params.seed.get("records", ())
    return {r.get(params.id_field or ""): r for r in records}


def _share(fields: Mapping[str, Any], rows: list[Row], cents: int) -> None:
    """Split ``cents`` over the lines by the weight of their drawn values; each line a
    whole quantity times a price in cents, the last line 1 of what the others leave."""
    weights = [max(_cents(r.get("VALUE") or r.get("TOTAL")), 1) for r in rows]
    parts = split(cents, [w / sum(weights) for w in weights])
    left = 0
    for n, (row, part) in enumerate(zip(rows, parts, strict=True)):
        last = n == len(rows) - 1
        units = 1 if last else 1 + _cents(row.get("QUANTITY")) % MOST_UNITS
        price = part + left if last else part // units
        left += 0 if last else part - price * units
        _amounts(fields, row, units, price)


def _amounts(fields: Mapping[str, Any], row: Row, units: int, price: int) -> None:
    row.update({f: Decimal(units) for f in QUANTITIES if f in fields})
    row.update({f: money(price) for f in PRICES if f in fields})
    row.update({f: money(price * units) for f in VALUES if f in fields})


def _cents(amount: Any) -> int:
    return int(Decimal(str(amount)) * 100) if amount is not None else 0
