"""The history rules, page by page through a store's public interface (``write_page``),
in both SQL stores (one algorithm: :mod:`intacct.destinations.history`) and through
dlt into its duckdb and postgres destinations (the same rules as a view): a version is
kept once whatever reads it again, a late one is put in its place, a delete closes the
version it ended even when read before it, a record made again under its id begins a
new span, and a history begun on a filled table starts from its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from intacct.destinations import KeepsHistory, open_destination
from intacct.destinations.tables import Column, Table
from intacct.replication import DELETED_AT, ENTITY_ID, StreamPage
from tests.sync.stores import Store, dlt_store, duckdb_store, postgres_store
from tests.sync.test_destination_rules import typed

COLUMNS = [("CLASSID", "VARCHAR"), ("NAME", "VARCHAR"), ("WHENMODIFIED", "TIMESTAMP")]
COLUMNS += [(ENTITY_ID, "VARCHAR"), (DELETED_AT, "TIMESTAMP")]
TABLE = Table("CLASS", tuple(Column(n, k) for n, k in COLUMNS), ("CLASSID", ENTITY_ID))
WIDER = Table("CLASS", (*TABLE.columns[:2], Column("NOTE", "VARCHAR"), *TABLE.columns[2:]),
              TABLE.key)  # fmt: skip


@pytest.fixture(params=["duckdb", "postgres", "dlt-duckdb", "dlt-postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    if request.param == "duckdb":
        return duckdb_store(tmp_path)
    if request.param == "dlt-duckdb":  # the pages in one load
        return dlt_store("duckdb", tmp_path, monkeypatch)
    url = str(request.getfixturevalue("postgres_url"))
    if request.param == "dlt-postgres":  # a load each page: merged onto the stored ones
        return dlt_store("postgres", tmp_path, monkeypatch, url).committing_every(1)
    return postgres_store(url)


def at(hour: int) -> str:
    return f"2026-01-01T{hour:02d}:00:00Z"


def hour(n: int | None) -> datetime | None:
    """A stored time: naive UTC, as the stores hold them."""
    return None if n is None else datetime(2026, 1, 1, n, tzinfo=UTC).replace(tzinfo=None)


def row(classid: str, name: str, when: int, **more: Any) -> dict[str, Any]:
    return {"CLASSID": classid, "NAME": name, "WHENMODIFIED": at(when), ENTITY_ID: "", **more}


def gone(classid: str, when: int) -> dict[str, Any]:
    return {"CLASSID": classid, DELETED_AT: at(when)}


def write(store: Store, pages: list[list[dict[str, Any]]], table: Table = TABLE) -> None:
    db = open_destination(store.where)
    db.prepare(table)
    assert isinstance(db, KeepsHistory) and db.keep_history(table) is None
    for number, page in enumerate(pages):
        records = [p for p in page if DELETED_AT not in p]
        tombstones = [p for p in page if DELETED_AT in p]
        db.write_page(StreamPage("CLASS", "", records, tombstones, {"page": number}))
    db.close()


def history(store: Store, classid: str, *more: str) -> list[tuple[Any, ...]]:
    """The versions of ``classid``, times as naive UTC (dlt stores them with a zone)."""
    names = ["NAME", *more, "valid_from", "valid_to", "is_current", "is_deleted"]
    columns = ", ".join(f'"{store.name(n)}"' for n in names)
    rows = store.query(
        f'SELECT {columns} FROM "{store.name("CLASS_history")}" '  # noqa: S608
        f'WHERE "{store.name("CLASSID")}" = ? ORDER BY "valid_from"',
        [classid],
    )
    return [tuple(naive(v) for v in row) for row in rows]


def naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def test_versions_are_kept_once_and_a_late_one_takes_its_place(store: Store) -> None:
    write(store, [
        [row("A", "a1", 1), row("A", "a1", 1)],  # a page holding a version twice
        [row("A", "a3", 3)],
        [row("A", "a3", 3)],  # read again (the lookback, a resumed run, a notice)
        [row("A", "a2", 2)],  # late: between the two
    ])  # fmt: skip
    assert history(store, "A") == [
        ("a1", hour(1), hour(2), False, False),
        ("a2", hour(2), hour(3), False, False),
        ("a3", hour(3), None, True, False),
    ]


def test_a_delete_closes_the_version_it_ended_whenever_either_is_read(store: Store) -> None:
    write(store, [
        [row("A", "a1", 1), row("B", "b1", 1)],
        [gone("A", 4)],
        [row("A", "a3", 3)],  # late, before the delete: the delete now ends it
        [gone("C", 5)],  # the delete read first (Intacct is eventually consistent)...
        [row("C", "c2", 2)],  # ...then the version it ended
        [row("B", "b6", 6), gone("B", 5)],  # deleted, then made again under its id
    ])  # fmt: skip
    assert history(store, "A") == [
        ("a1", hour(1), hour(3), False, False),
        ("a3", hour(3), hour(4), False, True),
    ]
    assert history(store, "C") == [("c2", hour(2), hour(5), False, True)]
    assert history(store, "B") == [
        ("b1", hour(1), hour(5), False, True),
        ("b6", hour(6), None, True, False),
    ]


def test_a_history_begun_on_a_filled_table_starts_from_its_rows(store: Store) -> None:
    db = open_destination(store.where)
    db.prepare(TABLE)
    rows = [row("A", "a1", 1), row("B", "b1", 1)]
    db.write_page(StreamPage("CLASS", "", rows, [], {"page": 0}))
    db.write_page(StreamPage("CLASS", "", [], [gone("B", 2)], {"page": 1}))
    db.close()
    write(store, [[row("A", "a3", 3)]])
    assert history(store, "A") == [
        ("a1", hour(1), hour(3), False, False),
        ("a3", hour(3), None, True, False),
    ]
    assert history(store, "B") == [("b1", hour(1), hour(2), False, True)]


def test_a_new_field_becomes_a_column_of_the_history_too(store: Store) -> None:
    write(store, [[row("A", "a1", 1)]])
    write(store, [[row("A", "a2", 2, NOTE="noted")]], WIDER)
    assert history(store, "A", "NOTE") == [
        ("a1", None, hour(1), hour(2), False, False),
        ("a2", "noted", hour(2), None, True, False),
    ]


def test_an_object_without_a_change_time_keeps_no_history(store: Store) -> None:
    plain = Table("LIST", TABLE.columns[:2] + TABLE.columns[3:], TABLE.key)
    db = open_destination(store.where)
    db.prepare(plain)
    assert isinstance(db, KeepsHistory)
    assert db.keep_history(plain) == "its records have no WHENMODIFIED to order their versions by"
    db.close()


def test_a_first_reads_page_appended_whole_has_its_versions_appended_too(store: Store) -> None:
    """A first read typed as Arrow goes in by plain appends (the table's and the
    history's); a key already kept sends it the upsert's way, with the same versions."""
    db = open_destination(store.where)
    db.prepare(TABLE)
    assert isinstance(db, KeepsHistory) and db.keep_history(TABLE) is None
    for number, rows in enumerate([[row("A", "a1", 1), row("B", "b1", 1)],
                                   [row("B", "b2", 2), row("C", "c1", 2)]]):  # fmt: skip
        page = StreamPage("CLASS", "", rows, [], {"page": number}, table=typed(rows),
                          first_read=True)  # fmt: skip
        db.write_page(page)
    db.close()
    assert history(store, "A") == [("a1", hour(1), None, True, False)]
    assert history(store, "B") == [
        ("b1", hour(1), hour(2), False, False),
        ("b2", hour(2), None, True, False),
    ]
    assert history(store, "C") == [("c1", hour(2), None, True, False)]
