"""The write rules every destination keeps, page by page through its public interface
(``write_page`` of a :class:`~intacct.replication.StreamPage`): DuckDB and Postgres from
the one SQL algorithm (:mod:`intacct.destinations.sql`), dlt's stores beside them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from intacct.destinations import open_destination
from intacct.destinations.tables import Column, Table
from intacct.replication import DELETED_AT, ENTITY_ID, StreamPage
from tests.sync.stores import Store

COLUMNS = [("CLASSID", "VARCHAR"), ("NAME", "VARCHAR"), ("WHENMODIFIED", "TIMESTAMP")]
COLUMNS += [(ENTITY_ID, "VARCHAR"), (DELETED_AT, "TIMESTAMP")]
TABLE = Table("CLASS", tuple(Column(n, k) for n, k in COLUMNS), ("CLASSID", ENTITY_ID))


def at(hour: int) -> str:
    return f"2026-01-01T{hour:02d}:00:00Z"


def row(classid: str, name: str, hour: int) -> dict[str, Any]:
    return {"CLASSID": classid, "NAME": name, "WHENMODIFIED": at(hour), ENTITY_ID: ""}


def gone(classid: str, hour: int) -> dict[str, Any]:
    return {"CLASSID": classid, DELETED_AT: at(hour)}


def test_the_write_rules_hold_in_every_store(destination: Store) -> None:
    pages = [
        # the last row of a key in a page wins
        [row("A", "a", 1), row("B", "b", 1), row("B", "b2", 1), row("C", "c", 3)],
        [row("A", "a", 1)],  # read again unchanged: neither inserted nor updated
        # a delete takes only a version not modified after it; one never stored is kept
        [gone("A", 2), gone("C", 2), gone("D", 2)],
        [row("A", "a", 1)],  # not later than its stored delete: does not come back
        [row("A", "a3", 4)],  # later: a record re-created under the old id
    ]
    store = open_destination(destination.where)
    store.prepare(TABLE)
    counts = []
    for number, page in enumerate(pages):
        records = [p for p in page if DELETED_AT not in p]
        tombstones = [p for p in page if DELETED_AT in p]
        state = {"version": 1, "streams": {}, "page": number}
        counts.append(store.write_page(StreamPage("CLASS", "", records, tombstones, state)))
    store.close()
    found = {r["CLASSID"]: r for r in destination.records("CLASS")}
    assert {k: (r["NAME"], r[DELETED_AT]) for k, r in found.items()} == {
        "A": ("a3", None),
        "B": ("b2", None),
        "C": ("c", None),
        "D": (None, datetime(2026, 1, 1, 2, tzinfo=UTC).replace(tzinfo=None)),  # naive UTC
    }
    assert [c.deleted for c in counts] == [0, 0, 1, 0, 0]
    assert (counts[3].inserted, counts[3].updated) == (0, 0)
    if not destination.through_dlt:  # dlt's merge does not tell what it changed
        assert [(c.inserted, c.updated) for c in counts] == [(3, 0), (0, 0), (0, 0), (0, 0), (0, 1)]
    assert destination.state()["page"] == len(pages) - 1


def typed(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows typed as the engine's fast path types them (times as UTC timestamps)."""
    when = [datetime.fromisoformat(r["WHENMODIFIED"]) for r in rows]
    columns = {n: [r[n] for r in rows] for n in ("CLASSID", "NAME", ENTITY_ID)}
    return pa.table({**columns, "WHENMODIFIED": pa.array(when, pa.timestamp("s", tz="UTC"))})


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow", "records"])
def test_a_first_reads_page_goes_in_whole_or_else_is_upserted(
    destination: Store, arrow: bool
) -> None:
    """A first read's page (typed as Arrow, or records typed one by one: a REST-only
    object's) is appended; one meeting a stored key is upserted instead, under the same
    rules."""
    store = open_destination(destination.where)
    store.prepare(TABLE)
    first = [row("A", "a", 1), row("B", "b", 1)]
    again = [row("B", "b2", 2), row("C", "c", 2)]  # B is stored already
    counts = [
        store.write_page(
            StreamPage("CLASS", "", rows, [], {"page": n}, typed(rows) if arrow else None, True)
        )
        for n, rows in enumerate((first, again))
    ]
    store.close()
    found = {r["CLASSID"]: r["NAME"] for r in destination.records("CLASS")}
    assert found == {"A": "a", "B": "b2", "C": "c"}
    if not destination.through_dlt:
        assert [(c.inserted, c.updated) for c in counts] == [(2, 0), (1, 1)]


@pytest.mark.parametrize("arrow", [True, False], ids=["arrow", "records"])
def test_a_first_reads_page_holding_a_key_twice_keeps_its_last_row(
    destination: Store, arrow: bool
) -> None:
    """Rule 1 on a first read's page too: its append meets its own key, and the page is
    upserted instead (the last row of the key kept), nothing stored twice."""
    store = open_destination(destination.where)
    store.prepare(TABLE)
    rows = [row("A", "a", 1), row("B", "b", 1), row("A", "a2", 2)]
    page = StreamPage("CLASS", "", rows, [], {"page": 0}, typed(rows) if arrow else None, True)
    counts = store.write_page(page)
    store.close()
    found = sorted((r["CLASSID"], r["NAME"]) for r in destination.records("CLASS"))
    assert found == [("A", "a2"), ("B", "b")]
    if not destination.through_dlt:
        assert (counts.inserted, counts.updated) == (2, 0)
