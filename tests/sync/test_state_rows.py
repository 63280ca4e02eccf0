"""The run state in the SQL stores is rows of ``_intacct_state`` (``run``, then one row
an object, :mod:`intacct.destinations.staterows`): a page rewrites the rows its state
changed, the state read back is the one stored last, an older whole-state row is read
and taken over, and ``save_state`` replaces every row."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import psycopg
import pytest

from intacct.destinations import open_destination, saved_state
from intacct.destinations.tables import Column, Table
from intacct.replication import ENTITY_ID, StreamPage
from tests.sync.stores import Store

OBJECTS = ("CLASS", "DEPARTMENT", "VENDOR")


def table(name: str) -> Table:
    columns = (
        Column("RECORDNO", "BIGINT"),
        Column("NAME", "VARCHAR"),
        Column(ENTITY_ID, "VARCHAR"),
    )
    return Table(name, columns, ("RECORDNO", ENTITY_ID))


def state(**pages: int) -> dict[str, Any]:
    """A run state whose objects are at the page given each."""
    streams = {name: {"": {"page": page}} for name, page in sorted(pages.items())}
    return {"version": 1, "company": "DEMO", "streams": streams}


def page(name: str, number: int, after: dict[str, Any], first_read: bool = False) -> StreamPage:
    records = [{"RECORDNO": number, "NAME": f"{name}-{number}", ENTITY_ID: ""}]
    return StreamPage(name, "", records, [], after, first_read=first_read)


@pytest.fixture
def store(sql_store: Store) -> Store:
    return sql_store


def rows(store: Store) -> dict[str, Any]:
    found = store.query("SELECT name, value FROM _intacct_state ORDER BY name")
    return {name: json.loads(value) for name, value in found}


def test_each_page_stores_the_state_after_it_one_row_an_object(store: Store) -> None:
    destination = open_destination(store.where)
    for name in OBJECTS:
        destination.prepare(table(name))
    steps = [
        ("CLASS", state(CLASS=1)),
        ("VENDOR", state(CLASS=1, VENDOR=1)),
        ("VENDOR", state(CLASS=1, VENDOR=2)),
        ("DEPARTMENT", state(CLASS=1, DEPARTMENT=1, VENDOR=2)),
        ("CLASS", state(DEPARTMENT=1, VENDOR=2)),  # an object's state gone: its row too
    ]
    for number, (name, after) in enumerate(steps, 1):
        destination.write_page(page(name, number, after))
        assert destination.state() == after
    destination.close()
    assert saved_state(store.where) == steps[-1][1]
    assert rows(store) == {
        "run": {"version": 1, "company": "DEMO", "streams": {}, "streams_in_rows": True},
        "run/DEPARTMENT": {"": {"page": 1}},
        "run/VENDOR": {"": {"page": 2}},
    }


def test_a_page_undone_leaves_the_state_before_it_and_the_next_page_stores_its_own(
    store: Store,
) -> None:
    """A first read's append that meets a stored key is undone (rows and state) and the
    page upserted: the state stored is the page's, every object's row right."""
    destination = open_destination(store.where)
    destination.prepare(table("CLASS"))
    destination.prepare(table("VENDOR"))
    destination.write_page(page("CLASS", 1, state(CLASS=1)))
    destination.write_page(page("VENDOR", 7, state(CLASS=1, VENDOR=1)))
    # VENDOR 7 is stored: this first read's append is undone, then upserted
    destination.write_page(page("VENDOR", 7, state(CLASS=2, VENDOR=2), first_read=True))
    destination.write_page(page("CLASS", 3, state(CLASS=3, VENDOR=2)))
    destination.close()
    assert saved_state(store.where) == state(CLASS=3, VENDOR=2)
    assert store.keys("VENDOR") == [7]


def test_an_older_whole_state_row_is_read_and_taken_over(store: Store) -> None:
    """A store written by a version that kept the state as one row: that row is the
    state (a ``run/`` row beside it is stale: ignored), and the next page replaces it."""
    older = state(CLASS=4, VENDOR=9)
    destination = open_destination(store.where)
    destination.prepare(table("CLASS"))
    destination.save_setting("layout", "plain")  # a setting is not the state's
    destination.close()
    sql = "INSERT INTO _intacct_state VALUES (?, ?), (?, ?)"
    if store.engine == "postgres":
        sql = sql.replace("?", "%s").replace("_intacct_state", "intacct._intacct_state")
    store_write(store, sql, ["run", json.dumps(older), "run/STALE", '{"": {"page": 1}}'])
    assert saved_state(store.where) == older
    destination = open_destination(store.where)
    assert destination.state() == older
    destination.prepare(table("CLASS"))
    destination.write_page(page("CLASS", 1, state(CLASS=5, VENDOR=9)))
    destination.close()
    assert saved_state(store.where) == state(CLASS=5, VENDOR=9)
    assert saved_state(store.where, "layout") == "plain"
    assert sorted(rows(store)) == ["layout", "run", "run/CLASS", "run/VENDOR"]


def test_save_state_replaces_every_row_of_it(store: Store) -> None:
    destination = open_destination(store.where)
    destination.prepare(table("CLASS"))
    destination.prepare(table("VENDOR"))
    destination.write_page(page("CLASS", 1, state(CLASS=1)))
    destination.write_page(page("VENDOR", 2, state(CLASS=1, VENDOR=1)))
    destination.save_state(state(VENDOR=1))  # intacct state reset --objects CLASS
    destination.write_page(page("CLASS", 3, state(CLASS=1, VENDOR=1)))
    destination.save_state({})  # intacct state reset
    destination.close()
    assert saved_state(store.where) == {}
    assert sorted(rows(store)) == ["run"]


def test_a_setting_cannot_take_a_name_of_the_states_rows(store: Store) -> None:
    destination = open_destination(store.where)
    try:
        for name in ("run", "run/VENDOR"):
            with pytest.raises(ValueError, match="run state"):
                destination.save_setting(name, {"page": 1})
    finally:
        destination.close()


def store_write(store: Store, sql: str, params: list[Any]) -> None:
    """A row written as an older version of ours would have (not through our code)."""
    if store.engine == "duckdb":
        with duckdb.connect(store.url) as con:
            con.execute(sql, params)
        return
    with psycopg.connect(store.url.split("?")[0]) as con:
        con.execute(sql, params)
